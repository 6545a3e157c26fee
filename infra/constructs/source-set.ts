import { createHash } from 'node:crypto';
import { NestedStack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Source, Vendor } from '../../shared/config.ts';
import { SourceAlarms } from './source-alarms.ts';
import { SourceSchedules } from './source-schedules.ts';

/**
 * How many nested stacks the sources' own resources (two schedules and five alarms each) are spread
 * over. CloudFormation allows 500 resources a stack: one stack holds about 70 sources, eight hold
 * some 450. A source's stack follows from its id alone, so adding or removing a source never moves
 * another one (its named alarms would be deleted by one stack while the other creates them).
 */
export const SOURCE_STACKS = 8;

/** The nested stack (0..SOURCE_STACKS-1) a source's resources live in. */
export function sourceStackOf(sourceId: string): number {
  return (createHash('sha256').update(sourceId).digest()[0] as number) % SOURCE_STACKS;
}

export interface SourceSetProps {
  /** Prefix of the alarms' names. */
  readonly name: string;
  readonly sources: readonly Source[];
  /** Per vendor: the function its sources invoke and the scheduler's role for it. */
  readonly targets: Partial<Record<Vendor, { readonly fn: lambda.IFunction; readonly role: iam.IRole }>>;
  readonly deadLetterQueue: sqs.IQueue;
  readonly key: kms.IKey;
  readonly topic: sns.ITopic;
  /** @default the daily reconciliation of SourceSchedules */
  readonly reconcileSchedule?: string | false;
}

/** A nested stack with the schedules and alarms of some of the sources. */
export class SourceSet extends NestedStack {
  constructor(scope: Construct, id: string, props: SourceSetProps) {
    super(scope, id, { description: `audit-pump: schedules and alarms of ${props.sources.length} sources` });
    for (const source of props.sources) {
      const target = props.targets[source.vendor];
      if (!target) throw new Error(`SourceSet: no function for vendor ${source.vendor}`);
      new SourceSchedules(this, `Schedules-${source.id}`, {
        fn: target.fn,
        role: target.role,
        source,
        deadLetterQueue: props.deadLetterQueue,
        key: props.key,
        ...(props.reconcileSchedule !== undefined ? { reconcileSchedule: props.reconcileSchedule } : {}),
      });
      new SourceAlarms(this, `Alarms-${source.id}`, { name: props.name, source, topic: props.topic });
    }
  }
}
