/**
 * The CDK stack as `cdk synth -c audit-pump:config=<file>` builds it: what matters asserted precisely
 * (encryption, IAM scope per function, schedules, Glue schema = shared column definition, lifecycle),
 * cdk-nag clean, and a snapshot with asset hashes scrubbed. Bundling is skipped (test/infra/synth.ts).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { EVENT_COLUMNS, EVENT_PARTITIONS } from '../../shared/table.ts';
import { nagFindings, resources, source, sourcesFile, synth, type Synth } from './synth.ts';

const SOURCES = [
  source('veza-main', 'veza'),
  source('veza-eu', 'veza', { schedule: 'rate(10 minutes)' }),
  source('veza-off', 'veza', { enabled: false }),
  source('cbc-search', 'carbonblack', { options: { orgKey: 'ORG1' } }),
  source('cbc-queue', 'carbonblack', { options: { orgKey: 'ORG2', mode: 'queue' } }),
  source('nected-prod', 'nected', { options: { branch: 'main' } }),
];
const ENABLED = ['veza-main', 'veza-eu', 'cbc-search', 'cbc-queue', 'nected-prod'];
const CONFIG = sourcesFile(SOURCES);

let built: Synth;
let template: Template;
beforeAll(async () => {
  built = await synth({ config: CONFIG });
  template = built.template;
});

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of the role's inline and managed policies. */
function roleStatements(t: Template, rolePrefix: string): Statement[] {
  const ref = { Ref: Match.stringLikeRegexp(`^${rolePrefix}`) };
  const inline = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [ref] } }));
  const managed = Object.values(t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [ref] } }));
  return [...inline, ...managed].flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

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
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
            BucketKeyEnabled: true,
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'archive/' }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }] }),
        ]),
      },
    });
  });

  it('every bucket refuses plain HTTP and none uses ACLs: log delivery is granted by bucket policy', () => {
    const policies = template.findResources('AWS::S3::BucketPolicy');
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(policies)).toHaveLength(Object.keys(buckets).length);
    for (const policy of Object.values(policies))
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    for (const bucket of Object.values(buckets) as Array<{ Properties: Record<string, unknown> }>) {
      expect(bucket.Properties.AccessControl).toBeUndefined();
      expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    }
    expect(JSON.stringify(policies)).toContain('"Service":"logging.s3.amazonaws.com"');
  });

  it('the key serves CloudWatch Logs only for log groups of this account and region (encryption-context condition)', () => {
    const [key] = Object.values(template.findResources('AWS::KMS::Key')) as Array<{
      Properties: { KeyPolicy: { Statement: Array<{ Principal: { Service?: string }; Condition?: unknown }> } };
    }>;

    const logs = key?.Properties.KeyPolicy.Statement.filter(
      (s) => s.Principal.Service === 'logs.eu-west-1.amazonaws.com',
    );
    expect(logs).toHaveLength(1);
    expect(logs?.[0]?.Condition).toEqual({
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:123456789012:log-group:*' },
    });
  });

  it('Object Lock retention is set when asked for', async () => {
    const { template: locked } = await synth({ config: CONFIG, objectLockDays: '365' });
    locked.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
      },
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
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'dead-letter/vendor=!{partitionKeyFromQuery:vendor}/dt=!{partitionKeyFromQuery:dt}/',
      }),
    });
  });

  it('the Parquet option converts with the schema of the Glue events table, which its role may read and nothing else of Glue', async () => {
    const { template: parquet } = await synth({ config: CONFIG, archiveFormat: 'parquet' });
    parquet.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        DataFormatConversionConfiguration: Match.objectLike({
          Enabled: true,
          SchemaConfiguration: Match.objectLike({ TableName: { Ref: Match.stringLikeRegexp('^LakeEventsTable') } }),
        }),
      }),
    });
    const glue = roleStatements(parquet, 'ArchiveStreamWriterRole').filter((s) =>
      JSON.stringify(s.Action).includes('glue:'),
    );
    expect(glue).toHaveLength(1);
    expect(JSON.stringify(glue[0]?.Resource)).toMatch(/:table\/auditpump\/events"/);
    expect(JSON.stringify(glue[0]?.Resource)).not.toContain('"*"');
  });
});

describe('AuditPumpStack: functions and IAM', () => {
  const veza = () => roleStatements(template, 'PumpvezaRole');

  it('one function per vendor with enabled sources: Node.js 22 on arm64, its sources in a bundled file, not the environment', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'AuditPump-veza',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 900,
      Environment: {
        Variables: Match.objectLike({
          AUDIT_PUMP_SOURCES_FILE: 'sources.json',
          CURSOR_TABLE: Match.anyValue(),
          ARCHIVE_STREAM: Match.anyValue(),
          DEAD_LETTER_STREAM: Match.anyValue(),
          AUDIT_PUMP_CONTINUE: 'true',
        }),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).not.toContain('AUDIT_PUMP_SOURCES"');
  });

  it("updates only its own sources' cursor items and their backfill items (dynamodb:LeadingKeys)", () => {
    const policy = JSON.stringify(veza());
    expect(policy).toContain(
      '"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["veza-main","veza-main#backfill","veza-eu","veza-eu#backfill"]}',
    );
    expect(policy).not.toMatch(/dynamodb:(Scan|Query|DeleteItem|\*)/);
  });

  it("reads and writes only its own vendor's limit scopes' throttle items (dynamodb:LeadingKeys pattern)", () => {
    const policy = JSON.stringify(veza());
    expect(policy).toContain('"Sid":"OwnThrottleItemsOnly"');
    expect(policy).toContain('"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["veza#*#throttle"]}');
  });

  it("reads only its own enabled sources' secrets", () => {
    const policy = JSON.stringify(veza());
    expect(policy).toContain('secret:audit-pump/veza-main-??????');
    expect(policy).toContain('secret:audit-pump/veza-eu-??????');
    expect(policy).not.toContain('veza-off');
    expect(policy).not.toMatch(/secretsmanager:\*|"Resource":"\*"/);
  });

  it('puts only to its streams and invokes only itself', () => {
    const statements = veza();
    const firehose = statements.filter((s) => JSON.stringify(s.Action).includes('firehose:'));
    expect(firehose).toHaveLength(1);
    expect((firehose[0]?.Resource as unknown[]).length).toBe(2);
    const invoke = statements.filter((s) => JSON.stringify(s.Action).includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invoke)).toContain('function:AuditPump-veza');
  });

  it("reads only its own vendor's archive prefix, for reconciliation: list with a prefix condition and get, never write", () => {
    const policy = JSON.stringify(veza());
    expect(policy).toContain('"s3:prefix":["events/vendor=veza/*"]');
    expect(policy).toMatch(
      /"Action":"s3:GetObject","Effect":"Allow","Resource":\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["ArchiveBucket[0-9A-F]+","Arn"\]\},"\/events\/vendor=veza\/\*"\]\]\}/,
    );
    expect(policy).not.toMatch(
      /events\/vendor=(nected|carbonblack)|s3:PutObject"[^}]*events|s3:DeleteObject"[^}]*events/,
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'AuditPump-veza',
      Environment: {
        Variables: Match.objectLike({ ARCHIVE_BUCKET: { Ref: Match.stringLikeRegexp('^ArchiveBucket') } }),
      },
    });
  });

  it('one schedule per enabled source, invoking the function with {sourceId}', () => {
    const schedules = resources<{ ScheduleExpression: string; Target: { Input: string; DeadLetterConfig?: unknown } }>(
      built.all,
      'AWS::Scheduler::Schedule',
    );
    expect(schedules).toHaveLength(10);
    const pump = (id: string) => schedules.find((s) => s.Properties.Target.Input === JSON.stringify({ sourceId: id }));
    expect(pump('veza-eu')?.Properties).toMatchObject({
      ScheduleExpression: 'rate(10 minutes)',
      Target: { DeadLetterConfig: expect.anything() },
    });
    expect(pump('veza-main')?.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(pump('veza-off')).toBeUndefined();
  });

  it('a daily schedule per enabled source reconciles yesterday at 03:30 UTC; none with the Parquet archive, which it cannot read', async () => {
    const schedules = resources<{
      ScheduleExpression: string;
      ScheduleExpressionTimezone: string;
      Target: { Input: string };
    }>(built.all, 'AWS::Scheduler::Schedule');
    for (const id of ENABLED) {
      const daily = schedules.find(
        (s) => s.Properties.Target.Input === JSON.stringify({ reconcile: { sourceId: id, window: 'yesterday' } }),
      );
      expect(daily?.Properties).toMatchObject({
        ScheduleExpression: 'cron(30 3 * * ? *)',
        ScheduleExpressionTimezone: 'Etc/UTC',
      });
    }
    const parquet = await synth({ config: CONFIG, archiveFormat: 'parquet' });
    expect(resources(parquet.all, 'AWS::Scheduler::Schedule')).toHaveLength(5);
    expect(JSON.stringify(parquet.template.findResources('AWS::Lambda::Function'))).not.toContain('ARCHIVE_BUCKET');
  });

  it("nothing fires before its permissions exist: each function waits for its source grants, the schedules for their role's policy", () => {
    const resourcesOf = template.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[] }>;
    const veza = Object.entries(resourcesOf).find(
      ([id, r]) => id.startsWith('PumpvezaFunction') && r.Type === 'AWS::Lambda::Function',
    )?.[1];
    expect(veza?.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^PumpvezaSources1/)]));
    for (const [id, r] of Object.entries(resourcesOf).filter(([, r]) => r.Type === 'AWS::CloudFormation::Stack')) {
      expect([id, r.DependsOn]).toEqual([
        id,
        expect.arrayContaining([
          expect.stringMatching(/^SchedulesvezaRoleDefaultPolicy/),
          expect.stringMatching(/^SchedulesnectedRoleDefaultPolicy/),
        ]),
      ]);
    }
  });

  it('failed asynchronous invocations go to an encrypted queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe('AuditPumpStack: the Carbon Black queue spool', () => {
  const env = (t: Template, name: string) =>
    (
      Object.values(t.findResources('AWS::Lambda::Function', { Properties: { FunctionName: name } }))[0] as {
        Properties: { Environment: { Variables: Record<string, unknown> } };
      }
    ).Properties.Environment.Variables;

  it('exists only when a Carbon Black source reads the queue, and only that function gets it', async () => {
    expect(env(template, 'AuditPump-carbonblack').SPOOL_BUCKET).toBeDefined();
    expect(env(template, 'AuditPump-veza').SPOOL_BUCKET).toBeUndefined();
    const { template: searchOnly } = await synth({ config: sourcesFile(SOURCES.filter((s) => s.id !== 'cbc-queue')) });
    expect(env(searchOnly, 'AuditPump-carbonblack').SPOOL_BUCKET).toBeUndefined();
  });

  it('the carbonblack role may touch only its spool prefixes', () => {
    const policy = JSON.stringify(roleStatements(template, 'PumpcarbonblackRole'));
    expect(policy).toContain('/carbonblack/*');
    expect(policy).toContain('/carbonblack-quarantine/*');
    expect(policy).toContain('"s3:prefix":["carbonblack/*","carbonblack-quarantine/*"]');
    expect(policy).not.toMatch(/"s3:\*"|s3:DeleteBucket/);
  });

  it('expires the quarantined batches of each vendor that spools, after 90 days, and nothing else', () => {
    const buckets = Object.values(template.findResources('AWS::S3::Bucket')) as Array<{
      Properties: { LifecycleConfiguration?: { Rules: Array<{ Prefix?: string; ExpirationInDays?: number }> } };
    }>;
    const quarantine = buckets
      .flatMap((b) => b.Properties.LifecycleConfiguration?.Rules ?? [])
      .filter((r) => r.Prefix?.includes('quarantine'));
    expect(quarantine).toEqual([expect.objectContaining({ Prefix: 'carbonblack-quarantine/', ExpirationInDays: 90 })]);
  });
});

describe('AuditPumpStack: lake', () => {
  it('the Glue table has exactly the shared column definition and partition projection over the archive layout', () => {
    const table = Object.values(template.findResources('AWS::Glue::Table'))[0] as {
      Properties: {
        TableInput: {
          StorageDescriptor: { Columns: unknown[] };
          PartitionKeys: unknown[];
          Parameters: Record<string, string>;
        };
      };
    };
    const input = table.Properties.TableInput;
    expect(input.StorageDescriptor.Columns).toEqual(
      EVENT_COLUMNS.map((c) => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) })),
    );
    expect(input.PartitionKeys).toEqual(
      EVENT_PARTITIONS.map((c) => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) })),
    );
    expect(input.Parameters['projection.enabled']).toBe('true');
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain(
      '/events/vendor=${vendor}/dt=${dt}/',
    );
  });

  it('partition projection reaches back to 2010 and a day ahead (clock skew), or from the day the context names', async () => {
    const range = (t: Template) =>
      (
        Object.values(t.findResources('AWS::Glue::Table'))[0] as {
          Properties: { TableInput: { Parameters: Record<string, string> } };
        }
      ).Properties.TableInput.Parameters['projection.dt.range'];
    expect(range(template)).toBe('2010-01-01,NOW+1DAYS');
    const { template: older } = await synth({ config: CONFIG, archiveFirstDay: '1999-06-01' });
    expect(range(older)).toBe('1999-06-01,NOW+1DAYS');
  });

  it('the Athena workgroup encrypts results with KMS, enforces its settings and limits the scan', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: Match.objectLike({
          EncryptionConfiguration: Match.objectLike({ EncryptionOption: 'SSE_KMS' }),
        }),
      }),
    });
    template.resourceCountIs('AWS::Athena::NamedQuery', 4);
  });
});

describe('AuditPumpStack: cdk-nag and drift', () => {
  it('AwsSolutions reports nothing unacknowledged, in every option combination', async () => {
    const combinations: Array<Record<string, string>> = [
      {},
      {
        archiveFormat: 'parquet',
        createPlaceholderSecrets: 'true',
        objectLockDays: '30',
        breakGlassRoleArn: 'arn:aws:iam::123456789012:role/archive-admin',
      },
      { siemType: 'http', siemEndpoint: 'https://siem.example.com', siemSecretName: 's', reservedConcurrency: '2' },
      { siemType: 'splunk', siemEndpoint: 'https://hec.example.com:8088', siemSecretName: 's' },
    ];
    for (const context of combinations) {
      expect(nagFindings(await synth({ config: CONFIG, ...context }))).toEqual([]);
    }
  });

  it('matches the snapshot (asset hashes scrubbed)', () => {
    const scrub = (t: Template) =>
      JSON.parse(JSON.stringify(t.toJSON(), null, 1).replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '[asset]'));
    expect(scrub(template)).toMatchSnapshot();
    expect(built.stack.pump.sourceSets.map((s) => s.node.id)).toMatchSnapshot();
    expect(built.stack.stackName).toBe('AuditPump');
  });
});
