import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { DefaultDashboardFactory, MonitoringFacade } from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, type Source, type Vendor } from '../../shared/config.ts';
import { metricsService } from './source-alarms.ts';
import { functionErrorsWindow } from '../alarm-windows.ts';
import { GT, GTE, LT, notifyingAlarm, single } from './alarm.ts';
import type { ErrorObjects } from './error-objects.ts';

export interface MonitoredStream {
  /** Short label in alarm names: archive, dead-letter, siem. */
  readonly label: string;
  readonly stream: firehose.IDeliveryStream;
  /** The destination's metrics: DeliveryToS3, or DeliveryToSplunk / DeliveryToHttpEndpoint for the SIEM. */
  readonly metricPrefix: 'DeliveryToS3' | 'DeliveryToSplunk' | 'DeliveryToHttpEndpoint';
}

export interface MonitoringProps {
  /** Prefix of the alarm and dashboard names. */
  readonly name: string;
  /** Per vendor: its function and its enabled sources. */
  readonly functions: ReadonlyArray<{
    readonly vendor: Vendor;
    readonly fn: lambda.IFunction;
    readonly sources: readonly Source[];
  }>;
  readonly streams: readonly MonitoredStream[];
  readonly failureQueue: sqs.IQueue;
  /** Objects under watched prefixes (`errors/`, `siem-failed/`), by a short label. */
  readonly errorObjects: ReadonlyArray<{ readonly label: string; readonly objects: ErrorObjects }>;
  readonly key: kms.IKey;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

/**
 * The alarm topic, the dashboard (cdk-monitoring-constructs) and the alarms that are not per source
 * (those live with each source's schedules, SourceAlarms): functions' errors and throttles, failed
 * invocations, Firehose freshness and failed deliveries per destination, and error objects. The
 * dashboard graphs every source of a vendor with one search expression, so it stays the same size
 * with two sources or two hundred.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly facade: MonitoringFacade;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Alarms', {
      masterKey: props.key,
      enforceSSL: true,
      displayName: `${props.name} alarms`,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.facade = new MonitoringFacade(this, 'Dashboards', {
      alarmFactoryDefaults: { actionsEnabled: true, alarmNamePrefix: props.name },
      metricFactoryDefaults: {},
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboard', { dashboardNamePrefix: props.name }),
    });
    this.facade.addLargeHeader(props.name);
    for (const { vendor, fn, sources } of props.functions) {
      this.facade.addWidget(sourcesRow(props.name, vendor));
      this.facade.monitorLambdaFunction({ lambdaFunction: fn });
      this.functionAlarms(props.name, vendor, fn, sources);
    }
    this.facade.monitorSqsQueue({ queue: props.failureQueue });
    this.alarms.push(
      notifyingAlarm(
        this,
        'FailedInvocations',
        {
          name: `${props.name}-failed-invocations`,
          description:
            'Failed invocations (asynchronous failures and schedules that could not invoke) arrived on two consecutive days; the messages hold each event.',
          metric: new cloudwatch.Metric({
            namespace: 'AWS/SQS',
            metricName: 'NumberOfMessagesSent',
            dimensionsMap: { QueueName: props.failureQueue.queueName },
            statistic: 'Sum',
          }),
          threshold: 1,
          comparison: GTE,
          window: { periodSeconds: 86_400, evaluationPeriods: 2, datapointsToAlarm: 2 },
        },
        this.topic,
      ),
    );
    for (const stream of props.streams) this.streamAlarms(props.name, stream);
    for (const { label, objects } of props.errorObjects) {
      this.alarms.push(
        notifyingAlarm(
          this,
          `Objects-${label}`,
          {
            name: `${props.name}-${label}`,
            description: `New objects under the archive bucket's ${label} prefix; the notices queue lists them.`,
            metric: objects.metric(),
            threshold: 1,
            comparison: GTE,
            window: single(300),
          },
          this.topic,
        ),
      );
    }
  }

  private functionAlarms(name: string, vendor: Vendor, fn: lambda.IFunction, sources: readonly Source[]): void {
    this.alarms.push(
      notifyingAlarm(
        this,
        `Errors-${vendor}`,
        {
          name: `${name}-${vendor}-errors`,
          description: `The ${vendor} function failed in two consecutive periods of its most frequent schedule.`,
          metric: fn.metricErrors({ statistic: 'Sum' }),
          threshold: 1,
          comparison: GTE,
          window: functionErrorsWindow(sources),
        },
        this.topic,
      ),
      notifyingAlarm(
        this,
        `Throttles-${vendor}`,
        {
          name: `${name}-${vendor}-throttles`,
          description: `Lambda throttled the ${vendor} function for 15 minutes (account concurrency used up, or its reservation too small).`,
          metric: fn.metricThrottles({ statistic: 'Sum' }),
          threshold: 1,
          comparison: GTE,
          window: { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 },
        },
        this.topic,
      ),
    );
  }

  private streamAlarms(name: string, { label, stream, metricPrefix }: MonitoredStream): void {
    const metric = (suffix: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName: `${metricPrefix}.${suffix}`,
        dimensionsMap: { DeliveryStreamName: stream.deliveryStreamName },
        statistic,
      });
    const sustained = { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 };
    this.facade.monitorCustom({
      alarmFriendlyName: `${label}-delivery`,
      humanReadableName: `Firehose: ${label}`,
      metricGroups: [
        {
          title: `${label}: ${metricPrefix}`,
          metrics: [metric('DataFreshness', 'Maximum'), metric('Success', 'Minimum')],
        },
      ],
    });
    this.alarms.push(
      notifyingAlarm(
        this,
        `Freshness-${label}`,
        {
          name: `${name}-${label}-freshness`,
          description: `Firehose ${label}: records have waited more than 15 minutes for delivery (${metricPrefix}.DataFreshness).`,
          metric: metric('DataFreshness', 'Maximum'),
          threshold: 900,
          comparison: GT,
          window: sustained,
        },
        this.topic,
      ),
      notifyingAlarm(
        this,
        `FailedDeliveries-${label}`,
        {
          name: `${name}-${label}-failed-deliveries`,
          description: `Firehose ${label}: deliveries failed for 15 minutes (${metricPrefix}.Success).`,
          metric: metric('Success', 'Minimum'),
          threshold: 1,
          comparison: LT,
          window: sustained,
        },
        this.topic,
      ),
    );
  }
}

/** One row per vendor: each metric of all its sources, one line per source (a search expression). */
function sourcesRow(name: string, vendor: Vendor): cloudwatch.Row {
  const graph = (metricName: string, statistic: string, periodSeconds = 300) =>
    new cloudwatch.GraphWidget({
      title: `${vendor}: ${metricName}`,
      width: 4,
      left: [
        new cloudwatch.MathExpression({
          expression: `SEARCH('{${METRICS_NAMESPACE},service,sourceId} MetricName="${metricName}" service="${metricsService(name, vendor)}"', '${statistic}', ${periodSeconds})`,
          label: '',
          period: Duration.seconds(periodSeconds),
        }),
      ],
    });
  return new cloudwatch.Row(
    graph('Events', 'Sum'),
    graph('CursorLag', 'Maximum', 900),
    graph('RunFailed', 'Sum'),
    graph('Rejected', 'Sum'),
    graph('ThrottledWait', 'Sum', 3600),
    graph('MissingEvents', 'Maximum', 3600),
  );
}
