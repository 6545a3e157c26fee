/**
 * Delivery into Security Lake as `cdk synth -c audit-pump:securityLake…=…` builds it: a KMS queue
 * of the archive's new `events/` objects with a dead-letter queue, a scheduled exporter that may
 * read only `events/` of the archive and assume only the provider roles of the classes its sources
 * produce, three alarms, and cdk-nag clean. Without the keys nothing of it exists; the keys are
 * checked by name.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { nagFindings, resources, source, sourcesFile, synth, type Synth } from './synth.ts';

const CONFIG = sourcesFile([
  source('veza-main', 'veza'),
  source('retraced-main', 'retraced'),
  source('a8-off', 'authentic8', { enabled: false, options: { org: 'Acme' } }),
]);
const LAKE = {
  config: CONFIG,
  securityLakeBucket: 'aws-security-data-lake-eu-central-1-abcdef',
  securityLakeRoleArn: 'arn:aws:iam::111122223333:role/AmazonSecurityLake-Provider-{source}-eu-central-1',
  securityLakeExternalId: 'audit-pump-7f3a',
};

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };
let built: Synth;
let template: Template;
beforeAll(async () => {
  built = await synth(LAKE);
  template = built.template;
});

function exporterStatements(t: Template): Statement[] {
  const policies = Object.values(
    t.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^SecurityLakeRole') }] },
    }),
  );
  return policies.flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

describe('AuditPumpStack with Security Lake', () => {
  it('stays cdk-nag clean', () => {
    expect(nagFindings(built)).toEqual([]);
  });

  it("queues the archive's new events/ objects from EventBridge in a KMS queue whose notices move to a dead-letter queue after 10 failed runs", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: Match.stringLikeRegexp('^ArchiveBucket') }] },
          object: { key: [{ prefix: 'events/' }] },
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecurityLakeNotices'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      VisibilityTimeout: 900,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecurityLakeDeadLetters'), 'Arn'] },
        maxReceiveCount: 10,
      },
    });
  });

  it('lets EventBridge of this account use the key of the encrypted queue', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
  });

  it("runs the exporter every 15 minutes by default, with the lake's region and the stack's account as partitions", () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'AuditPump-lake-exporter',
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: Match.objectLike({
          LAKE_BUCKET: LAKE.securityLakeBucket,
          LAKE_ROLE_ARN: LAKE.securityLakeRoleArn,
          LAKE_EXTERNAL_ID: LAKE.securityLakeExternalId,
          LAKE_SOURCE_PREFIX: 'audit-pump',
          LAKE_REGION: 'eu-central-1',
          LAKE_ACCOUNT_ID: '123456789012',
        }),
      },
    });
  });

  it('lets the exporter read only events/ of the archive and write nowhere in it', () => {
    const statements = exporterStatements(template);
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([
      {
        Sid: 'ArchiveEventsRead',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^ArchiveBucket/), 'Arn'] }, '/events/*']],
        },
      },
    ]);
  });

  it('lets the exporter assume only the provider roles of the classes the enabled sources produce', () => {
    const assume = exporterStatements(template).filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume).toEqual([
      {
        Sid: 'ProviderRolesOnly',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: [
          'arn:aws:iam::111122223333:role/AmazonSecurityLake-Provider-audit-pump-3002-eu-central-1',
          'arn:aws:iam::111122223333:role/AmazonSecurityLake-Provider-audit-pump-6003-eu-central-1',
        ],
      },
    ]);
  });

  it('alarms on dead-lettered notices, a backlog older than three runs and two failed runs in a row', () => {
    const alarms = resources<{
      AlarmName: string;
      MetricName: string;
      Threshold: number;
      Period: number;
      EvaluationPeriods: number;
    }>(built.all, 'AWS::CloudWatch::Alarm')
      .filter((a) => a.Properties.AlarmName.includes('-lake-'))
      .map((a) => [
        a.Properties.AlarmName,
        a.Properties.MetricName,
        a.Properties.Threshold,
        a.Properties.Period,
        a.Properties.EvaluationPeriods,
      ]);
    expect(alarms).toEqual([
      ['AuditPump-lake-dead-letters', 'ApproximateNumberOfMessagesVisible', 1, 300, 1],
      ['AuditPump-lake-backlog', 'ApproximateAgeOfOldestMessage', 2700, 300, 1],
      ['AuditPump-lake-exporter-errors', 'Errors', 1, 900, 2],
    ]);
  });

  it('has its alarms in the runbook (docs/operating.md)', () => {
    const runbook = readFileSync(fileURLToPath(new URL('../../docs/operating.md', import.meta.url)), 'utf8');
    const kinds = resources<{ AlarmName: string }>(built.all, 'AWS::CloudWatch::Alarm')
      .map((a) => a.Properties.AlarmName)
      .filter((n) => n.includes('-lake-'))
      .map((n) => n.replace(/^AuditPump-/, ''));
    expect(kinds).toHaveLength(3);
    expect(kinds.filter((kind) => !runbook.includes(`\`${kind}\``))).toEqual([]);
  });

  it('takes the interval and the source prefix from the context', async () => {
    const { template: t } = await synth({
      ...LAKE,
      securityLakeIntervalMinutes: '5',
      securityLakeSourcePrefix: 'acme',
    });
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    expect(JSON.stringify(exporterStatements(t))).toContain('AmazonSecurityLake-Provider-acme-6003-eu-central-1');
  });
});

describe('the Security Lake context keys', () => {
  it('build nothing of it when absent', async () => {
    const { template: t } = await synth({ config: CONFIG });
    expect(Object.keys(t.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('SecurityLake'))).toEqual(
      [],
    );
    expect(Object.keys(t.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('SecurityLake'))).toEqual([]);
  });

  it('go together: one alone is refused, naming the three', async () => {
    await expect(synth({ config: CONFIG, securityLakeBucket: LAKE.securityLakeBucket })).rejects.toThrow(
      'audit-pump:securityLakeBucket: securityLakeBucket, securityLakeRoleArn and securityLakeExternalId go together',
    );
  });

  it('refuse an interval outside 5 to 60 minutes, a prefix too long for Security Lake and a role that is no role ARN', async () => {
    await expect(synth({ ...LAKE, securityLakeIntervalMinutes: '4' })).rejects.toThrow(
      'audit-pump:securityLakeIntervalMinutes',
    );
    await expect(synth({ ...LAKE, securityLakeSourcePrefix: 'a-very-long-prefix' })).rejects.toThrow(
      'audit-pump:securityLakeSourcePrefix: must match',
    );
    await expect(synth({ ...LAKE, securityLakeRoleArn: 'AmazonSecurityLake-Provider' })).rejects.toThrow(
      'audit-pump:securityLakeRoleArn: must be an IAM role ARN',
    );
  });
});
