import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { MonitoringFacade, notifySns, type CustomMetricGroup } from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import type { Source } from '../../shared/config.ts';

const GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
const LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;

export interface MonitoringProps {
  readonly sources: readonly Source[];
  readonly functions: readonly lambda.IFunction[];
  /** Firehose streams by a short label (archive, dead-letter, siem). */
  readonly streams: ReadonlyArray<{ readonly label: string; readonly stream: firehose.IDeliveryStream }>;
  readonly failureQueue: sqs.IQueue;
  readonly key: kms.IKey;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
  /** Cursor lag (seconds) above which a source is stale. @default 3600 */
  readonly stalenessSeconds?: number;
}

/**
 * Dashboard and alarms (cdk-monitoring-constructs), all to one SNS topic. Per source, from the
 * pump's EMF metrics (namespace AuditPump, dimensions service + sourceId): failed runs, staleness
 * (cursor lag, or no run reporting at all), dead-lettered records, throttling, and events the
 * daily reconciliation found missing from the archive (MissingEvents). Per function:
 * errors. Delivery: Firehose data freshness and failed deliveries; async invocation failures.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly facade: MonitoringFacade;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Alarms', { masterKey: props.key, enforceSSL: true, displayName: 'audit-pump alarms' });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.facade = new MonitoringFacade(this, 'Dashboards', {
      alarmFactoryDefaults: { actionsEnabled: true, action: notifySns(this.topic), alarmNamePrefix: 'audit-pump', datapointsToAlarm: 1 },
      metricFactoryDefaults: {},
    });
    this.facade.addLargeHeader('audit-pump');
    for (const fn of props.functions) {
      this.facade.monitorLambdaFunction({ lambdaFunction: fn, addFaultCountAlarm: { Critical: { maxErrorCount: 0 } } });
    }
    this.facade.monitorSqsQueue({ queue: props.failureQueue, addQueueMaxSizeAlarm: { Critical: { maxMessageCount: 0 } } });
    this.facade.monitorCustom({ alarmFriendlyName: 'delivery', humanReadableName: 'Firehose delivery', metricGroups: props.streams.map(deliveryGroup) });
    for (const source of props.sources) {
      this.facade.monitorCustom({ alarmFriendlyName: source.id, humanReadableName: `source ${source.id}`, metricGroups: sourceGroups(source, props.stalenessSeconds ?? 3600) });
    }
  }
}

function pumpMetric(source: Source, name: string, statistic: string, period = Duration.minutes(5)): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AuditPump',
    metricName: name,
    dimensionsMap: { service: `audit-pump-${source.vendor}`, sourceId: source.id },
    statistic,
    period,
  });
}

function sourceGroups(source: Source, stalenessSeconds: number): CustomMetricGroup[] {
  return [
    {
      title: `${source.id}: runs`,
      metrics: [
        { metric: pumpMetric(source, 'Events', 'Sum'), alarmFriendlyName: `${source.id}-events`, addAlarm: {} },
        {
          metric: pumpMetric(source, 'RunFailed', 'Sum'),
          alarmFriendlyName: `${source.id}-failed-runs`,
          addAlarm: { Critical: { threshold: 1, comparisonOperator: GTE, evaluationPeriods: 2, datapointsToAlarm: 2 } },
        },
        {
          metric: pumpMetric(source, 'Rejected', 'Sum'),
          alarmFriendlyName: `${source.id}-dead-lettered`,
          addAlarm: { Warning: { threshold: 1, comparisonOperator: GTE } },
        },
      ],
    },
    {
      title: `${source.id}: freshness`,
      metrics: [
        {
          // Missing data breaches: a source whose runs stopped reporting is stale too.
          metric: pumpMetric(source, 'CursorLag', 'Maximum', Duration.minutes(15)),
          alarmFriendlyName: `${source.id}-stale`,
          addAlarm: { Critical: { threshold: stalenessSeconds, comparisonOperator: GT, evaluationPeriods: 4, datapointsToAlarm: 4, treatMissingDataOverride: cloudwatch.TreatMissingData.BREACHING } },
        },
        {
          metric: pumpMetric(source, 'ThrottledWait', 'Sum', Duration.hours(1)),
          alarmFriendlyName: `${source.id}-throttled`,
          addAlarm: { Warning: { threshold: 15 * 60_000, comparisonOperator: GTE } },
        },
      ],
    },
    {
      title: `${source.id}: completeness`,
      metrics: [
        {
          // Published once a day by the reconciliation (0 when complete): the state holds until the next one.
          metric: pumpMetric(source, 'MissingEvents', 'Maximum', Duration.hours(1)),
          alarmFriendlyName: `${source.id}-missing-events`,
          addAlarm: { Critical: { threshold: 1, comparisonOperator: GTE, treatMissingDataOverride: cloudwatch.TreatMissingData.IGNORE } },
        },
      ],
    },
  ];
}

function deliveryGroup({ label, stream }: { label: string; stream: firehose.IDeliveryStream }): CustomMetricGroup {
  const metric = (name: string, statistic: string) =>
    new cloudwatch.Metric({ namespace: 'AWS/Firehose', metricName: name, dimensionsMap: { DeliveryStreamName: stream.deliveryStreamName }, statistic, period: Duration.minutes(5) });
  return {
    title: `Firehose: ${label}`,
    metrics: [
      {
        metric: metric('DeliveryToS3.DataFreshness', 'Maximum'),
        alarmFriendlyName: `${label}-freshness`,
        addAlarm: { Critical: { threshold: 900, comparisonOperator: GT, evaluationPeriods: 3, datapointsToAlarm: 3 } },
      },
      {
        metric: metric('DeliveryToS3.Success', 'Minimum'),
        alarmFriendlyName: `${label}-failed-deliveries`,
        addAlarm: { Critical: { threshold: 1, comparisonOperator: LT, evaluationPeriods: 3, datapointsToAlarm: 3 } },
      },
    ],
  };
}
