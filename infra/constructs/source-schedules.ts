import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { nag } from '../nag.ts';
import type { Source } from '../../shared/config.ts';

export interface SourceSchedulesProps {
  readonly fn: lambda.IFunction;
  readonly sources: readonly Source[];
  /** Where the scheduler puts invocations it could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly key: kms.IKey;
  /**
   * When each source's reconciliation of the previous UTC day runs (`{"reconcile": {"sourceId",
   * "window": "yesterday"}}`); `false` for none (the Parquet archive, which it cannot read).
   * @default RECONCILE_SCHEDULE
   */
  readonly reconcileSchedule?: string | false;
}

/**
 * 03:30 UTC: yesterday is closed, past every vendor's settle lag and the hour's margin of the range
 * read (shared/backfill.ts), and Firehose has long delivered it.
 */
export const RECONCILE_SCHEDULE = 'cron(30 3 * * ? *)';

/**
 * Per source, an EventBridge Scheduler schedule invoking the vendor's function with `{sourceId}`,
 * and a daily one reconciling the previous day against the archive.
 */
export class SourceSchedules extends Construct {
  readonly schedules: scheduler.Schedule[];
  readonly reconcileSchedules: scheduler.Schedule[];

  constructor(scope: Construct, id: string, props: SourceSchedulesProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'), description: 'audit-pump schedules: invoke the pump' });
    props.fn.grantInvoke(role);
    const fnId = Stack.of(this).getLogicalId(props.fn.node.defaultChild as CfnFunction);
    nag.ack(role, 'lambda:InvokeFunction on this one pump function and its versions (the :* suffix is how IAM names them).', `AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`);
    const schedule = (id: string, description: string, expression: string, input: Record<string, unknown>): scheduler.Schedule =>
      new scheduler.Schedule(this, id, {
        description,
        schedule: scheduler.ScheduleExpression.expression(expression),
        key: props.key,
        target: new targets.LambdaInvoke(props.fn, {
          role,
          input: scheduler.ScheduleTargetInput.fromObject(input),
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 2,
        }),
      });
    this.schedules = props.sources.map((source) => schedule(source.id, `audit-pump: pump source ${source.id} (${source.vendor})`, source.schedule, { sourceId: source.id }));
    const daily = props.reconcileSchedule ?? RECONCILE_SCHEDULE;
    this.reconcileSchedules =
      daily === false
        ? []
        : props.sources.map((source) =>
            schedule(`Reconcile-${source.id}`, `audit-pump: reconcile yesterday of source ${source.id} against the archive`, daily, { reconcile: { sourceId: source.id, window: 'yesterday' } }),
          );
  }
}
