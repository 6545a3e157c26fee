import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Source } from '../../shared/config.ts';
import { nag } from '../nag.ts';
import { ServiceRole } from './service-role.ts';

/**
 * 03:30 UTC: yesterday is closed, past every vendor's settle lag and the hour's margin of the range
 * read (shared/backfill.ts), and Firehose has long delivered it.
 */
export const RECONCILE_SCHEDULE = 'cron(30 3 * * ? *)';

export interface SchedulerRoleProps {
  readonly fn: lambda.IFunction;
  /** The encrypted queue the scheduler puts invocations it could not deliver in. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The key of that queue (and of the schedules). */
  readonly key: kms.IKey;
}

/**
 * The role EventBridge Scheduler invokes one vendor's function with. Only Scheduler acting for
 * this account may assume it (aws:SourceAccount, the confused-deputy guard Scheduler documents),
 * and it can encrypt what it puts in the KMS-encrypted dead-letter queue (SQS needs
 * kms:GenerateDataKey and kms:Decrypt from a sender): without that, failed schedules are lost.
 */
export class SchedulerRole extends ServiceRole {
  constructor(scope: Construct, id: string, props: SchedulerRoleProps) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
      description: 'audit-pump schedules: invoke the pump',
    });
    const { stack } = this;
    props.fn.grantInvoke(this.role);
    // sqs:SendMessage comes with the schedules' dead-letter configuration (aws-scheduler-targets).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DeadLetterQueueKey',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.amazonaws.com` } },
      }),
    );
    const fnId = stack.getLogicalId(props.fn.node.defaultChild as CfnFunction);
    nag.ack(
      this.role,
      'lambda:InvokeFunction on this one pump function and its versions (the :* suffix is how IAM names them).',
      `AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`,
    );
  }
}

export interface SourceSchedulesProps {
  readonly fn: lambda.IFunction;
  readonly role: iam.IRole;
  readonly source: Source;
  readonly deadLetterQueue: sqs.IQueue;
  readonly key: kms.IKey;
  /**
   * When the source's reconciliation of the previous UTC day runs (`{"reconcile": {"sourceId",
   * "window": "yesterday"}}`); `false` for none (the Parquet archive, which it cannot read).
   * @default RECONCILE_SCHEDULE
   */
  readonly reconcileSchedule?: string | false;
}

/**
 * One source's EventBridge Scheduler schedules: its own expression invoking the vendor's function
 * with `{sourceId}`, and a daily one reconciling the previous day against the archive.
 */
export class SourceSchedules extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly reconcile?: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: SourceSchedulesProps) {
    super(scope, id);
    const { source } = props;
    const schedule = (
      id: string,
      description: string,
      expression: string,
      input: Record<string, unknown>,
    ): scheduler.Schedule =>
      new scheduler.Schedule(this, id, {
        description,
        schedule: scheduler.ScheduleExpression.expression(expression),
        key: props.key,
        target: new targets.LambdaInvoke(props.fn, {
          role: props.role,
          input: scheduler.ScheduleTargetInput.fromObject(input),
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 2,
        }),
      });
    this.schedule = schedule('Pump', `audit-pump: pump source ${source.id} (${source.vendor})`, source.schedule, {
      sourceId: source.id,
    });
    const daily = props.reconcileSchedule ?? RECONCILE_SCHEDULE;
    if (daily !== false) {
      this.reconcile = schedule(
        'Reconcile',
        `audit-pump: reconcile yesterday of source ${source.id} against the archive`,
        daily,
        { reconcile: { sourceId: source.id, window: 'yesterday' } },
      );
    }
  }
}
