/**
 * Two stacks in one account and region do not collide: every physical name derives from the
 * stack's name (or the AuditPump's `name`), or is left to CloudFormation, which derives it from
 * the stack's. Every resource type of the template is classified, so a new one cannot slip by.
 */
import { describe, expect, it } from '@jest/globals';
import type { Template } from 'aws-cdk-lib/assertions';
import { source, sourcesFile, synth } from './synth.ts';

type Props = Record<string, unknown> & {
  DatabaseInput?: { Name?: string };
  DatabaseName?: string;
  TableInput?: { Name?: string };
};

/** The property holding each type's account-wide name, where the template may set one. */
const NAMED: Record<string, (p: Props) => unknown> = {
  'AWS::Lambda::Function': (p) => p.FunctionName,
  'AWS::CloudWatch::Alarm': (p) => p.AlarmName,
  'AWS::CloudWatch::Dashboard': (p) => p.DashboardName,
  'AWS::Athena::WorkGroup': (p) => p.Name,
  'AWS::Athena::NamedQuery': (p) => p.Name,
  'AWS::Glue::Database': (p) => p.DatabaseInput?.Name,
  'AWS::Glue::Table': (p) => `${String(p.DatabaseName)}.${String(p.TableInput?.Name)}`,
  'AWS::S3::Bucket': (p) => p.BucketName,
  'AWS::DynamoDB::Table': (p) => p.TableName,
  'AWS::SQS::Queue': (p) => p.QueueName,
  'AWS::SNS::Topic': (p) => p.TopicName,
  'AWS::Logs::LogGroup': (p) => p.LogGroupName,
  'AWS::IAM::Role': (p) => p.RoleName,
  'AWS::IAM::ManagedPolicy': (p) => p.ManagedPolicyName,
  'AWS::KinesisFirehose::DeliveryStream': (p) => p.DeliveryStreamName,
  'AWS::Scheduler::Schedule': (p) => p.Name,
  'AWS::Events::Rule': (p) => p.Name,
};
/** Types whose names are scoped to their parent (a role's inline policy) or that have none. */
const UNNAMED = new Set([
  'AWS::KMS::Key',
  'AWS::S3::BucketPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::IAM::Policy',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Logs::LogStream',
  'AWS::CloudFormation::Stack',
]);

function physicalNames(all: readonly Template[]): { names: string[]; types: Set<string> } {
  const names: string[] = [];
  const types = new Set<string>();
  for (const t of all) {
    for (const r of Object.values(t.toJSON().Resources as Record<string, { Type: string; Properties: Props }>)) {
      types.add(r.Type);
      const name = NAMED[r.Type]?.(r.Properties ?? {});
      if (name !== undefined) names.push(typeof name === 'string' ? name : JSON.stringify(name));
    }
  }
  return { names, types };
}

describe('physical names', () => {
  it('two stacks with different names share none', async () => {
    // Prepare
    const config = sourcesFile([
      source('veza-main', 'veza'),
      source('retraced-prod', 'retraced', { settleLagSeconds: 300 }),
    ]);
    const context = {
      config,
      siemType: 'splunk',
      siemEndpoint: 'https://hec.example.com:8088',
      siemSecretName: 'audit-pump/splunk',
    };

    // Act
    const one = physicalNames((await synth({ ...context, stackName: 'AuditPumpProd' })).all);
    const two = physicalNames((await synth({ ...context, stackName: 'AuditPumpStaging' })).all);

    // Assess
    expect([...one.types, ...two.types].filter((t) => !NAMED[t] && !UNNAMED.has(t))).toEqual([]);
    expect(one.names).toEqual(
      expect.arrayContaining([
        'AuditPumpProd',
        'AuditPumpProd-veza',
        'AuditPumpProd-audit',
        'auditpumpprod',
        'AuditPumpProd-failed-invocations',
        'AuditPumpProd-veza-main-stale',
        'AuditPumpProd-siem-freshness',
      ]),
    );
    expect(one.names.filter((n) => two.names.includes(n))).toEqual([]);
    expect(one.names.filter((n) => !/^(AuditPumpProd|auditpumpprod)\b/.test(n))).toEqual([]);
  });

  it("two stacks with the same source ids do not add up each other's metrics: each function's service dimension is its own alarms' one", async () => {
    // Prepare
    const config = sourcesFile([source('veza-main', 'veza')]);
    const services = (t: Template) => {
      const resources = Object.values(
        t.toJSON().Resources as Record<
          string,
          {
            Type: string;
            Properties: Props & {
              Environment?: { Variables?: Record<string, string> };
              Dimensions?: Array<{ Name: string; Value: string }>;
            };
          }
        >,
      );
      const functions = resources
        .filter(
          (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
        )
        .map((r) => r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME);
      const alarms = resources
        .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
        .flatMap((r) => (r.Properties.Dimensions ?? []).filter((d) => d.Name === 'service').map((d) => d.Value));
      return { functions, alarms };
    };

    // Act
    const one = (await synth({ config, stackName: 'AuditPumpProd' })).all.map(services);
    const two = (await synth({ config, stackName: 'AuditPumpStaging' })).all.map(services);

    // Assess
    const [fnOne, fnTwo] = [one.flatMap((s) => s.functions), two.flatMap((s) => s.functions)];
    const [alarmsOne, alarmsTwo] = [one.flatMap((s) => s.alarms), two.flatMap((s) => s.alarms)];
    expect(fnOne).toEqual(['AuditPumpProd-veza']);
    expect(fnTwo).toEqual(['AuditPumpStaging-veza']);
    expect(alarmsOne.length).toBeGreaterThan(0);
    expect(new Set(alarmsOne)).toEqual(new Set(fnOne));
    expect(new Set(alarmsTwo)).toEqual(new Set(fnTwo));
  });

  it('follow the AuditPump name the context gives instead of the stack name', async () => {
    const { all } = await synth({
      config: sourcesFile([source('veza-main', 'veza')]),
      stackName: 'AuditPumpProd',
      name: 'Pump2',
    });

    const { names } = physicalNames(all);
    expect(names).toContain('Pump2-veza');
    expect(names).toContain('Pump2-veza-main-stale');
    expect(names.filter((n) => n.includes('AuditPumpProd'))).toEqual([]);
  });

  it('refuses a stack name too long to prefix them, pointing at audit-pump:name', async () => {
    await expect(
      synth({ config: sourcesFile([source('veza-main', 'veza')]), stackName: `AuditPump${'X'.repeat(40)}` }),
    ).rejects.toThrow(/set name \(context audit-pump:name\)/);
  });
});
