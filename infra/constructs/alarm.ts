import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AlarmWindow } from '../alarm-windows.ts';

export interface AlarmSpec {
  /** The alarm's physical name: the pump's name, then what it watches (docs/operating.md lists each). */
  readonly name: string;
  /** What it means and where the runbook is. */
  readonly description: string;
  readonly metric: cloudwatch.Metric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly window: AlarmWindow;
  /** @default NOT_BREACHING: these metrics are only published when something happens */
  readonly missing?: cloudwatch.TreatMissingData;
}

export const GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
export const GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
export const LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;

/** One window of one period: fires on the first datapoint that breaches, clears with the next quiet period. */
export function single(periodSeconds: number): AlarmWindow {
  return { periodSeconds, evaluationPeriods: 1, datapointsToAlarm: 1 };
}

/** An alarm notifying `topic` when it fires and when it clears. */
export function notifyingAlarm(scope: Construct, id: string, spec: AlarmSpec, topic: sns.ITopic): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmName: spec.name,
    alarmDescription: `${spec.description} Runbook: docs/operating.md.`,
    metric: spec.metric.with({ period: Duration.seconds(spec.window.periodSeconds) }),
    threshold: spec.threshold,
    comparisonOperator: spec.comparison,
    evaluationPeriods: spec.window.evaluationPeriods,
    datapointsToAlarm: spec.window.datapointsToAlarm,
    treatMissingData: spec.missing ?? cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new actions.SnsAction(topic));
  alarm.addOkAction(new actions.SnsAction(topic));
  return alarm;
}
