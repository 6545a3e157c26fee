/**
 * The schedules reach their dead-letter queue when they fail (the scheduler's role can encrypt for
 * the KMS-encrypted queue), only EventBridge Scheduler acting for this account assumes that role,
 * and a source's schedules and alarms live in a nested stack chosen by its id alone.
 */
import { describe, expect, it } from '@jest/globals';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SOURCE_STACKS, sourceStackOf } from '../../infra/constructs/source-set.ts';
import { source, sourcesFile, synth, type Synth } from './synth.ts';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The nested stack whose template holds the source's alarms. */
function homeOf(built: Synth, id: string): string | undefined {
  return built.stack.pump.sourceSets.find((set) =>
    JSON.stringify(Template.fromStack(set).toJSON()).includes(`"AuditPump-${id}-stale"`),
  )?.node.id;
}
const CONFIG = sourcesFile([source('veza-main', 'veza')]);

describe('the scheduler role', () => {
  it('may be assumed only by EventBridge Scheduler for this account (aws:SourceAccount)', async () => {
    const { template } = await synth({ config: CONFIG });

    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          },
        ],
      },
    });
  });

  it("can send to the dead-letter queue and generate the data key of the queue's KMS key", async () => {
    // Prepare
    const { template } = await synth({ config: CONFIG });
    const queues = template.findResources('AWS::SQS::Queue') as Record<
      string,
      { Properties: { KmsMasterKeyId: unknown } }
    >;
    const queue = Object.entries(queues).find(([id]) => id.startsWith('FailedInvocations'))?.[1];
    const queueKey = JSON.stringify(queue?.Properties.KmsMasterKeyId);

    // Act
    const policy = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^SchedulesvezaRole') }] },
      }),
    )[0] as { Properties: { PolicyDocument: { Statement: Statement[] } } };
    const statements = policy.Properties.PolicyDocument.Statement;

    // Assess
    expect(statements.some((s) => [s.Action].flat().includes('sqs:SendMessage'))).toBe(true);
    const kms = statements.filter(
      (s) => [s.Action].flat().includes('kms:GenerateDataKey') && JSON.stringify(s.Resource) === queueKey,
    );
    expect(kms).toHaveLength(1);
    expect([kms[0]?.Action].flat()).toContain('kms:Decrypt');
    expect(kms[0]?.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' } });
  });
});

describe('the nested stacks of the sources', () => {
  it('place a source by its id alone, so adding sources never moves one', async () => {
    // Prepare
    const before = await synth({ config: CONFIG });
    const more = sourcesFile([
      source('veza-a', 'veza'),
      source('veza-main', 'veza'),
      source('veza-b', 'veza'),
      source('veza-c', 'veza'),
    ]);

    // Act
    const after = await synth({ config: more });

    // Assess
    expect(homeOf(before, 'veza-main')).toBe(`Sources${sourceStackOf('veza-main')}`);
    expect(homeOf(after, 'veza-main')).toBe(homeOf(before, 'veza-main'));
  });

  it('spreads sources over at most SOURCE_STACKS stacks', () => {
    const stacks = new Set(Array.from({ length: 500 }, (_, i) => sourceStackOf(`source-${i}`)));

    expect(stacks.size).toBe(SOURCE_STACKS);
  });
});
