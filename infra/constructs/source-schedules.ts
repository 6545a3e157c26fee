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
}

/** One EventBridge Scheduler schedule per source, invoking the vendor's function with `{sourceId}`. */
export class SourceSchedules extends Construct {
  readonly schedules: scheduler.Schedule[];

  constructor(scope: Construct, id: string, props: SourceSchedulesProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'), description: 'audit-pump schedules: invoke the pump' });
    props.fn.grantInvoke(role);
    const fnId = Stack.of(this).getLogicalId(props.fn.node.defaultChild as CfnFunction);
    nag.ack(role, 'lambda:InvokeFunction on this one pump function and its versions (the :* suffix is how IAM names them).', `AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`);
    this.schedules = props.sources.map(
      (source) =>
        new scheduler.Schedule(this, source.id, {
          description: `audit-pump: pump source ${source.id} (${source.vendor})`,
          schedule: scheduler.ScheduleExpression.expression(source.schedule),
          key: props.key,
          target: new targets.LambdaInvoke(props.fn, {
            role,
            input: scheduler.ScheduleTargetInput.fromObject({ sourceId: source.id }),
            deadLetterQueue: props.deadLetterQueue,
            retryAttempts: 2,
          }),
        }),
    );
  }
}
