import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, metricsService, type Source } from '../../shared/config.ts';
import { failedRunsWindow, stalenessAlarm } from '../alarm-windows.ts';
import { GT, GTE, notifyingAlarm, single } from './alarm.ts';

export interface SourceAlarmsProps {
  /** Prefix of the alarms' names. */
  readonly name: string;
  readonly source: Source;
  readonly topic: sns.ITopic;
}

export { metricsService };

/** A metric the pump publishes for one source (EMF, namespace AuditPump, dimensions service + sourceId). */
export function pumpMetric(name: string, source: Source, metricName: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: metricsService(name, source.vendor), sourceId: source.id },
    statistic,
    period: Duration.minutes(5),
  });
}

/**
 * One source's alarms, their windows from its schedule and settle lag (infra/alarm-windows.ts):
 * stale, failed runs, dead-lettered records, vendor throttling, and events the daily
 * reconciliation found missing from the archive.
 */
export class SourceAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: SourceAlarmsProps) {
    super(scope, id);
    const { source, topic } = props;
    const name = (kind: string) => `${props.name}-${source.id}-${kind}`;
    const stale = stalenessAlarm(source);
    this.alarms = [
      notifyingAlarm(
        this,
        'Stale',
        {
          name: name('stale'),
          description: `Source ${source.id}: no run reported, or the cursor trailed by more than ${stale.thresholdSeconds} s, throughout the window.`,
          metric: pumpMetric(props.name, source, 'CursorLag', 'Maximum'),
          threshold: stale.thresholdSeconds,
          comparison: GT,
          window: stale.window,
          missing: stale.missingBreaches
            ? cloudwatch.TreatMissingData.BREACHING
            : cloudwatch.TreatMissingData.NOT_BREACHING,
        },
        topic,
      ),
      notifyingAlarm(
        this,
        'FailedRuns',
        {
          name: name('failed-runs'),
          description: `Source ${source.id}: runs failed in two consecutive periods.`,
          metric: pumpMetric(props.name, source, 'RunFailed', 'Maximum'),
          threshold: 1,
          comparison: GTE,
          window: failedRunsWindow(source),
        },
        topic,
      ),
      notifyingAlarm(
        this,
        'DeadLettered',
        {
          name: name('dead-lettered'),
          description: `Source ${source.id}: records failed validation or mapping and went to the dead-letter prefix.`,
          metric: pumpMetric(props.name, source, 'Rejected', 'Sum'),
          threshold: 1,
          comparison: GTE,
          window: single(300),
        },
        topic,
      ),
      notifyingAlarm(
        this,
        'Throttled',
        {
          name: name('throttled'),
          description: `Source ${source.id}: the vendor made the pump wait more than 15 minutes in an hour.`,
          metric: pumpMetric(props.name, source, 'ThrottledWait', 'Sum'),
          threshold: 15 * 60_000,
          comparison: GTE,
          window: single(3600),
        },
        topic,
      ),
      notifyingAlarm(
        this,
        'MissingEvents',
        {
          name: name('missing-events'),
          description: `Source ${source.id}: the daily reconciliation found vendor events the archive lacks (held until the next reconciliation).`,
          metric: pumpMetric(props.name, source, 'MissingEvents', 'Maximum'),
          threshold: 1,
          comparison: GTE,
          window: single(3600),
          // Published once a day (0 when complete): the state holds until the next one.
          missing: cloudwatch.TreatMissingData.IGNORE,
        },
        topic,
      ),
    ];
  }
}
