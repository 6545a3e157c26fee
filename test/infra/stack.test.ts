/**
 * The CDK stack: what matters asserted precisely (encryption, IAM scope per function, schedules,
 * alarms, Glue schema = shared column definition, lifecycle), cdk-nag clean, and a snapshot with
 * asset hashes scrubbed. Bundling is skipped (no esbuild run) to keep this fast.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { optionSchemas } from '../../functions/registry.ts';
import { parseSources } from '../../shared/config.ts';
import { EVENT_COLUMNS, EVENT_PARTITIONS } from '../../shared/table.ts';
import { acknowledgeNagFindings } from '../../infra/nag.ts';
import { loadDeploySettings, type DeploySettings } from '../../infra/settings.ts';
import { AuditPumpStack } from '../../infra/stack.ts';

const START = '2026-11-01T00:00:00Z';
const SOURCES = parseSources({
  sources: [
    { id: 'veza-main', vendor: 'veza', baseUrl: 'https://acme.vezacloud.com', secretName: 'audit-pump/veza-main', startFrom: START },
    { id: 'veza-eu', vendor: 'veza', baseUrl: 'https://acme-eu.vezacloud.com', secretName: 'audit-pump/veza-eu', startFrom: START, schedule: 'rate(10 minutes)' },
    { id: 'veza-off', vendor: 'veza', baseUrl: 'https://off.vezacloud.com', secretName: 'audit-pump/veza-off', startFrom: START, enabled: false },
    { id: 'cbc-search', vendor: 'carbonblack', baseUrl: 'https://defense.conferdeploy.net', secretName: 'audit-pump/cbc-search', startFrom: START, options: { orgKey: 'ORG1' } },
    { id: 'cbc-queue', vendor: 'carbonblack', baseUrl: 'https://defense.conferdeploy.net', secretName: 'audit-pump/cbc-queue', startFrom: START, options: { orgKey: 'ORG2', mode: 'queue' } },
    { id: 'nected-prod', vendor: 'nected', baseUrl: 'https://api.nected.ai', secretName: 'audit-pump/nected-prod', startFrom: START, options: { branch: 'main' } },
  ],
}, optionSchemas()).sources;

function settings(overrides: Partial<DeploySettings> = {}): DeploySettings {
  return {
    config: 'test',
    archiveFormat: 'json',
    createPlaceholderSecrets: false,
    athenaScanLimitBytes: 10 * 1024 ** 3,
    archiveColdAfterDays: 90,
    archiveExpireAfterDays: 0,
    sources: SOURCES,
    ...overrides,
  };
}

function synth(overrides: Partial<DeploySettings> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AuditPumpStack(app, 'AuditPump', { settings: settings(overrides), env: { account: '123456789012', region: 'eu-west-1' } });
  acknowledgeNagFindings(stack);
  return { stack, template: Template.fromStack(stack) };
}

let template: Template;
let stack: AuditPumpStack;
beforeAll(() => {
  ({ stack, template } = synth());
});

describe('AuditPumpStack: storage', () => {
  it('the cursor table is on demand, KMS-encrypted with the stack key, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'sourceId', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
  });

  it('the archive bucket is KMS-encrypted, private, versioned, logged, with a lifecycle to colder storage', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() }, BucketKeyEnabled: true }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'archive/' }),
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }] })]) },
    });
  });

  it('every bucket refuses plain HTTP', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(policies)).toHaveLength(Object.keys(buckets).length);
    for (const policy of Object.values(policies)) {
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('Object Lock retention is set when asked for', () => {
    const { template: locked } = synth({ objectLockDays: 365 });
    locked.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } } },
    });
  });
});

describe('AuditPumpStack: delivery', () => {
  it('the archive stream is encrypted, partitions by vendor and day as the local emulator does, and gzips', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'events/vendor=!{partitionKeyFromQuery:vendor}/dt=!{partitionKeyFromQuery:dt}/',
        ErrorOutputPrefix: Match.stringLikeRegexp('^errors/events/'),
        CompressionFormat: 'GZIP',
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
      }),
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({ Prefix: 'dead-letter/vendor=!{partitionKeyFromQuery:vendor}/dt=!{partitionKeyFromQuery:dt}/' }),
    });
  });

  it('the Parquet option converts with the schema of the Glue events table', () => {
    const { template: parquet } = synth({ archiveFormat: 'parquet' });
    parquet.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        DataFormatConversionConfiguration: Match.objectLike({ Enabled: true, SchemaConfiguration: Match.objectLike({ TableName: { Ref: Match.stringLikeRegexp('^LakeEventsTable') } }) }),
      }),
    });
  });

  it('the SIEM stream takes its token from Secrets Manager and backs up failed deliveries to S3', () => {
    const { template: siem } = synth({ siemType: 'splunk', siemEndpoint: 'https://hec.example.com:8088', siemSecretName: 'audit-pump/splunk' });
    siem.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      SplunkDestinationConfiguration: Match.objectLike({
        S3BackupMode: 'FailedEventsOnly',
        SecretsManagerConfiguration: Match.objectLike({ Enabled: true }),
        S3Configuration: Match.objectLike({ Prefix: 'siem-failed/' }),
      }),
    });
    expect(JSON.stringify(siem.toJSON())).not.toMatch(/HECToken/);
  });
});

describe('AuditPumpStack: functions and IAM', () => {
  const vezaPolicy = () => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^PumpvezaRole') }] } });
    return JSON.stringify(Object.values(policies));
  };

  it('one function per vendor with sources: Node.js 22 on arm64, with its sources in the environment (enabled ones only)', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'AuditPump-veza',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 900,
      ReservedConcurrentExecutions: 3,
      Environment: { Variables: Match.objectLike({ CURSOR_TABLE: Match.anyValue(), ARCHIVE_STREAM: Match.anyValue(), DEAD_LETTER_STREAM: Match.anyValue(), AUDIT_PUMP_CONTINUE: 'true' }) },
    });
    const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'AuditPump-veza' } }))[0] as { Properties: { Environment: { Variables: { AUDIT_PUMP_SOURCES: string } } } };
    const ids = (JSON.parse(fn.Properties.Environment.Variables.AUDIT_PUMP_SOURCES) as { sources: Array<{ id: string }> }).sources.map((s) => s.id);
    expect(ids).toEqual(['veza-main', 'veza-eu']);
  });

  it('updates only its own sources\' cursor items, their backfill items and their limit scopes\' throttle items (dynamodb:LeadingKeys)', () => {
    const policy = vezaPolicy();
    expect(policy).toContain('"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["veza-main","veza-main#backfill","veza-eu","veza-eu#backfill","audit-pump/veza-main#throttle","audit-pump/veza-eu#throttle"]}');
    expect(policy).not.toMatch(/dynamodb:(Scan|Query|DeleteItem|\*)/);
  });

  it('reads only its own sources\' secrets', () => {
    const policy = vezaPolicy();
    expect(policy).toContain('secret:audit-pump/veza-main-??????');
    expect(policy).toContain('secret:audit-pump/veza-eu-??????');
    expect(policy).not.toContain('veza-off');
    expect(policy).not.toMatch(/secretsmanager:\*|"Resource":"\*"/);
  });

  it('puts only to its streams and invokes only itself', () => {
    const statements = (Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^PumpvezaRole') }] } })) as Array<{ Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }>)
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const firehose = statements.filter((s) => JSON.stringify(s.Action).includes('firehose:'));
    expect(firehose).toHaveLength(1);
    expect((firehose[0]?.Resource as unknown[]).length).toBe(2);
    const invoke = statements.filter((s) => JSON.stringify(s.Action).includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invoke)).toContain('function:AuditPump-veza');
  });

  it('reads only its own vendor\'s archive prefix, for reconciliation: list with a prefix condition and get, never write', () => {
    const policy = vezaPolicy();
    expect(policy).toContain('"s3:prefix":["events/vendor=veza/*"]');
    expect(policy).toMatch(/"Action":"s3:GetObject","Effect":"Allow","Resource":\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["ArchiveBucket[0-9A-F]+","Arn"\]\},"\/events\/vendor=veza\/\*"\]\]\}/);
    expect(policy).not.toMatch(/events\/vendor=(nected|carbonblack)|s3:PutObject"[^}]*events|s3:DeleteObject"[^}]*events/);
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'AuditPump-veza', Environment: { Variables: Match.objectLike({ ARCHIVE_BUCKET: { Ref: Match.stringLikeRegexp('^ArchiveBucket') } }) } });
  });

  it('one schedule per enabled source, invoking the function with {sourceId}', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 10);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      Target: Match.objectLike({ Input: JSON.stringify({ sourceId: 'veza-eu' }), DeadLetterConfig: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(5 minutes)', Target: Match.objectLike({ Input: JSON.stringify({ sourceId: 'veza-main' }) }) });
  });

  it('a daily schedule per enabled source reconciles yesterday at 03:30 UTC; none with the Parquet archive, which it cannot read', () => {
    for (const id of ['veza-main', 'veza-eu', 'cbc-search', 'cbc-queue', 'nected-prod']) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(30 3 * * ? *)',
        ScheduleExpressionTimezone: 'Etc/UTC',
        Target: Match.objectLike({ Input: JSON.stringify({ reconcile: { sourceId: id, window: 'yesterday' } }), DeadLetterConfig: Match.anyValue() }),
      });
    }
    const { template: parquet } = synth({ archiveFormat: 'parquet' });
    parquet.resourceCountIs('AWS::Scheduler::Schedule', 5);
    expect(JSON.stringify(parquet.findResources('AWS::Lambda::Function'))).not.toContain('ARCHIVE_BUCKET');
  });

  it('failed asynchronous invocations go to an encrypted queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: Match.anyValue() } } });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
  });

  it('placeholder secrets hold the placeholder marker when asked for', () => {
    const { template: withSecrets } = synth({ createPlaceholderSecrets: true });
    withSecrets.resourceCountIs('AWS::SecretsManager::Secret', 5);
    withSecrets.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'audit-pump/veza-main', GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"placeholder":true}' }) });
  });
});

describe('AuditPumpStack: the Carbon Black queue spool', () => {
  it('exists only when a Carbon Black source reads the queue, and only that function gets it', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    const cbc = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'AuditPump-carbonblack' } }))[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(cbc.Properties.Environment.Variables.SPOOL_BUCKET).toBeDefined();
    const veza = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'AuditPump-veza' } }))[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(veza.Properties.Environment.Variables.SPOOL_BUCKET).toBeUndefined();
    const { template: searchOnly } = synth({ sources: SOURCES.filter((x) => x.id !== 'cbc-queue') });
    const noSpool = Object.values(searchOnly.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'AuditPump-carbonblack' } }))[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(noSpool.Properties.Environment.Variables.SPOOL_BUCKET).toBeUndefined();
  });

  it('the carbonblack role may touch only its spool prefixes', () => {
    const policy = JSON.stringify(Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^PumpcarbonblackRole') }] } })));
    expect(policy).toContain('/carbonblack/*');
    expect(policy).toContain('/carbonblack-quarantine/*');
    expect(policy).toContain('"s3:prefix":["carbonblack/*","carbonblack-quarantine/*"]');
    expect(policy).not.toMatch(/"s3:\*"|s3:DeleteBucket/);
  });
});

describe('AuditPumpStack: lake and monitoring', () => {
  it('the Glue table has exactly the shared column definition and partition projection over the archive layout', () => {
    const table = Object.values(template.findResources('AWS::Glue::Table'))[0] as { Properties: { TableInput: { StorageDescriptor: { Columns: unknown[] }; PartitionKeys: unknown[]; Parameters: Record<string, string> } } };
    const input = table.Properties.TableInput;
    expect(input.StorageDescriptor.Columns).toEqual(EVENT_COLUMNS.map((c) => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) })));
    expect(input.PartitionKeys).toEqual(EVENT_PARTITIONS.map((c) => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) })));
    expect(input.Parameters['projection.enabled']).toBe('true');
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain('/events/vendor=${vendor}/dt=${dt}/');
  });

  it('the Athena workgroup encrypts results with KMS, enforces its settings and limits the scan', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: Match.objectLike({ EncryptionOption: 'SSE_KMS' }) }),
      }),
    });
    template.resourceCountIs('AWS::Athena::NamedQuery', 4);
  });

  it('each enabled source has failure, staleness, dead-letter and throttling alarms, all to the SNS topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{ Properties: { AlarmName: string; AlarmActions?: unknown[] } }>;
    const names = alarms.map((a) => a.Properties.AlarmName);
    for (const id of ['veza-main', 'veza-eu', 'cbc-search', 'cbc-queue', 'nected-prod']) {
      for (const kind of ['failed-runs', 'stale', 'dead-lettered', 'throttled']) {
        expect(names.some((n) => n.includes(`${id}-${kind}`))).toBe(true);
      }
    }
    expect(names.some((n) => n.includes('veza-off'))).toBe(false);
    expect(names.some((n) => n.includes('archive-freshness'))).toBe(true);
    expect(names.some((n) => n.includes('archive-failed-deliveries'))).toBe(true);
    expect(alarms.every((a) => (a.Properties.AlarmActions ?? []).length > 0)).toBe(true);
  });

  it('each enabled source has a MissingEvents alarm (reconciliation found events missing from the archive) that holds its state between daily runs', () => {
    for (const id of ['veza-main', 'veza-eu', 'cbc-search', 'cbc-queue', 'nected-prod']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp(`${id}-missing-events`),
        MetricName: 'MissingEvents',
        Namespace: 'AuditPump',
        Dimensions: Match.arrayWith([{ Name: 'sourceId', Value: id }]),
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
        AlarmActions: Match.anyValue(),
      });
    }
  });

  it('the stale alarm treats missing data (no run reporting) as breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: Match.stringLikeRegexp('veza-main-stale'), TreatMissingData: 'breaching', MetricName: 'CursorLag' });
  });
});

describe('AuditPumpStack: cdk-nag and drift', () => {
  it('AwsSolutions reports nothing unacknowledged, in every option combination', () => {
    for (const overrides of [{}, { archiveFormat: 'parquet' as const, createPlaceholderSecrets: true, objectLockDays: 30 }, { siemType: 'http' as const, siemEndpoint: 'https://siem.example.com', siemSecretName: 's' }]) {
      const { stack: s } = synth(overrides);
      const app = s.node.root as App;
      const report = new AwsSolutionsChecks(app).validateScope(s);
      expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`)).toEqual([]);
    }
  });

  it('matches the snapshot (asset hashes scrubbed)', () => {
    const json = JSON.stringify(template.toJSON(), null, 1).replace(/[0-9a-f]{64}(\.zip)?/g, '[asset]');
    expect(JSON.parse(json)).toMatchSnapshot();
    expect(stack.stackName).toBe('AuditPump');
  });
});

describe('loadDeploySettings', () => {
  const write = (body: unknown) => {
    const path = join(mkdtempSync(join(tmpdir(), 'audit-pump-infra-')), 'sources.json');
    writeFileSync(path, JSON.stringify(body));
    return path;
  };

  it('refuses inline credentials, naming the source', async () => {
    const path = write({ sources: [{ id: 'veza-x', vendor: 'veza', baseUrl: 'https://a.vezacloud.com', credentials: { token: 'abc12345' }, startFrom: START }] });
    await expect(loadDeploySettings((k) => (k === 'audit-pump:config' ? path : undefined))).rejects.toThrow(/sources\[0\] \(veza-x\)\.credentials: inline credentials are for local runs only/);
  });

  it('refuses a bad field with the source and field named', async () => {
    const path = write({ sources: [{ id: 'veza-x', vendor: 'veza', baseUrl: 'ftp://nope', secretName: 's', startFrom: START }] });
    await expect(loadDeploySettings((k) => (k === 'audit-pump:config' ? path : undefined))).rejects.toThrow(/sources\[0\] \(veza-x\)\.baseUrl/);
  });

  it('refuses a half-configured SIEM', async () => {
    const path = write({ sources: [{ id: 'veza-x', vendor: 'veza', baseUrl: 'https://a.vezacloud.com', secretName: 's', startFrom: START }] });
    const ctx: Record<string, string> = { 'audit-pump:config': path, 'audit-pump:siemType': 'splunk' };
    await expect(loadDeploySettings((k) => ctx[k])).rejects.toThrow(/siemType, siemEndpoint and siemSecretName go together/);
  });

  it('reads the example config shipped with the project', async () => {
    const s = await loadDeploySettings((k) => (k === 'audit-pump:config' ? 'infra/example.sources.json' : undefined));
    expect(s.sources.map((x) => x.vendor)).toEqual(['veza', 'veza', 'retraced', 'authentic8', 'nected', 'carbonblack']);
    expect(s.archiveFormat).toBe('json');
  });
});
