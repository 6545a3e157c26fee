/**
 * The AuditPump construct: everything of DESIGN.md section 5 for a list of sources, to embed in
 * any CDK app (`import { AuditPump } from 'audit-pump/infra'`). The project's own CDK app
 * (infra/app.ts) is a stack holding one of these, configured from `-c audit-pump:<key>=<value>`;
 * each prop below has the context key of the same name (docs/deploying.md).
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import type * as z from 'zod';
import {
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_PREFIX,
  DEAD_LETTER_ERROR_PREFIX,
  DEAD_LETTER_PREFIX,
  spoolPrefixes,
} from '../shared/archive-layout.ts';
import { loadSourcesFile, type Source, type Vendor } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';
import { needsSpool, optionSchemas, vendorModules } from '../functions/registry.ts';
import { PLACEHOLDER_KEY } from '../shared/secrets.ts';
import { ArchiveBucket } from './constructs/archive-bucket.ts';
import { CursorTable } from './constructs/cursor-table.ts';
import { DeliveryStream } from './constructs/delivery-stream.ts';
import { ErrorObjects } from './constructs/error-objects.ts';
import { Lake } from './constructs/lake.ts';
import { Monitoring, type MonitoredStream } from './constructs/monitoring.ts';
import { PumpFunction } from './constructs/pump-function.ts';
import { securityLakeExport, type SecurityLakeExport } from './constructs/security-lake-export.ts';
import { SIEM_BACKUP_PREFIX, SiemStream } from './constructs/siem-stream.ts';
import { SchedulerRole } from './constructs/source-schedules.ts';
import { SOURCE_STACKS, SourceSet, sourceStackOf, type SourceSetProps } from './constructs/source-set.ts';
import { acknowledgePumpFindings, nag } from './nag.ts';
import {
  NAME,
  deployableSources,
  parseOptions,
  type optionsSchema,
  type PumpOptions,
  type SourceInput,
} from './options.ts';

export type { SourceInput } from './options.ts';

/** The optional SIEM stream. */
export interface AuditPumpSiem {
  /** Splunk HEC (raw endpoint) or a generic HTTP endpoint. */
  readonly type: 'splunk' | 'http';
  /** https URL of the HEC (`https://splunk.example.com:8088`) or of the HTTP endpoint. */
  readonly endpoint: string;
  /** Secrets Manager secret Firehose reads: `{"hec_token": "..."}` (Splunk) or `{"api_key": "..."}` (HTTP). */
  readonly secretName: string;
}

export interface AuditPumpProps {
  /** The sources, as in a sources file (`loadSources` reads one); each names its secret, never inline credentials. */
  readonly sources: readonly SourceInput[];
  /**
   * Prefix of every physical name: functions, alarms, dashboard, Athena workgroup, Glue database. @default the stack's
   * name
   */
  readonly name?: string;
  /** E-mail address subscribed to the alarm topic. @default no subscription */
  readonly alarmEmail?: string;
  /** gzip NDJSON, or Parquet through Firehose record format conversion (no reconciliation). @default 'json' */
  readonly archiveFormat?: 'json' | 'parquet';
  /** Object Lock retention (compliance mode) of the archive, in days. @default no Object Lock */
  readonly objectLockDays?: number;
  /**
   * One secret per source holding `{"placeholder": true}`, retained when the stack or the option goes. @default false
   */
  readonly createPlaceholderSecrets?: boolean;
  /** Athena's per-query scan limit in bytes. @default 10 GiB */
  readonly athenaScanLimitBytes?: number;
  /** Days before archive objects move to Glacier Instant Retrieval. @default 90 */
  readonly archiveColdAfterDays?: number;
  /** Days before archive objects expire; 0 keeps them. @default 0 */
  readonly archiveExpireAfterDays?: number;
  /** First day (yyyy-mm-dd) the Athena table's partition projection covers. @default '2010-01-01' */
  readonly archiveFirstDay?: string;
  /** Concurrency reserved for each function. @default none (the lease already runs a source once at a time) */
  readonly reservedConcurrency?: number;
  /** The only role that may delete archive objects or change the archive's policy or lifecycle. @default none */
  readonly breakGlassRoleArn?: string;
  /** A SIEM stream besides the archive. @default none */
  readonly siem?: AuditPumpSiem;
  /**
   * Security Lake's bucket (`aws-security-data-lake-<region>-...`): deliver there too (docs/security-lake.md). @default
   * no delivery
   */
  readonly securityLakeBucket?: string;
  /** The custom sources' provider role; `{source}` stands for each source's name. Required with the bucket. */
  readonly securityLakeRoleArn?: string;
  /** The external id the provider roles expect. Required with the bucket. */
  readonly securityLakeExternalId?: string;
  /** Prefix of the custom source names (`<prefix>-<class_uid>`). @default 'audit-pump' */
  readonly securityLakeSourcePrefix?: string;
  /** Minutes between exports, 5 to 60 (Security Lake wants objects every 5 minutes to 1 day). @default 15 */
  readonly securityLakeIntervalMinutes?: number;
}

// The props are exactly what the options schema reads: a compile-time check that the two agree.
const _agree: z.input<typeof optionsSchema> = {} as Omit<AuditPumpProps, 'sources'>;
void _agree;

/** Reads and validates a sources file (the format of infra/example.sources.json) for `AuditPumpProps.sources`. */
export async function loadSources(path: string): Promise<readonly Source[]> {
  return (await loadSourcesFile(path, optionSchemas())).sources;
}

/** audit-pump in a CDK app: cursors, archive, streams, one function per vendor, schedules, lake, alarms. */
export class AuditPump extends Construct {
  /** Prefix of every physical name. */
  readonly name: string;
  readonly key: kms.Key;
  readonly archive: ArchiveBucket;
  readonly cursors: CursorTable;
  readonly lake: Lake;
  readonly monitoring: Monitoring;
  /** The delivery into Security Lake, when configured. */
  readonly securityLake: SecurityLakeExport | undefined;
  readonly functions: Record<Vendor, lambda.Function> = {};
  /** The nested stacks holding the sources' schedules and alarms. */
  readonly sourceSets: SourceSet[] = [];
  private readonly schedulerRoles: SchedulerRole[] = [];

  constructor(scope: Construct, id: string, props: AuditPumpProps) {
    super(scope, id);
    // Access logs are granted by bucket policy (ACLs stay disabled), whatever the app's feature flags.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const { sources: input, ...rest } = props;
    const options = parseOptions(rest, 'AuditPump props');
    const sources = deployableSources(input, 'AuditPump sources').filter((s) => s.enabled);
    this.name = options.name ?? Stack.of(this).stackName;
    if (!NAME.test(this.name))
      throw new ConfigError(
        `the name "${this.name}" prefixes physical names and must match ${NAME.source}: set name (context audit-pump:name)`,
      );
    this.key = new kms.Key(this, 'Key', {
      enableKeyRotation: true,
      description: `${this.name}: cursors, archive, streams, logs, queues`,
    });
    grantServices(this.key);
    this.cursors = new CursorTable(this, 'Cursors', { key: this.key });
    this.archive = new ArchiveBucket(this, 'Archive', {
      key: this.key,
      coldAfterDays: options.archiveColdAfterDays,
      expireAfterDays: options.archiveExpireAfterDays,
      ...(options.objectLockDays ? { objectLockDays: options.objectLockDays } : {}),
      ...(options.breakGlassRoleArn ? { breakGlassRoleArn: options.breakGlassRoleArn } : {}),
    });
    const parquet = options.archiveFormat === 'parquet';
    this.lake = new Lake(this, 'Lake', {
      name: this.name,
      archive: this.archive.bucket,
      accessLogs: this.archive.accessLogs,
      key: this.key,
      parquet,
      scanLimitBytes: options.athenaScanLimitBytes,
      firstDay: options.archiveFirstDay,
    });
    const failures = new sqs.Queue(this, 'FailedInvocations', {
      encryptionMasterKey: this.key,
      encryption: sqs.QueueEncryption.KMS,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    nag.ack(
      failures,
      'This queue is the dead-letter destination itself (failed async invocations and undeliverable schedule targets); it has no DLQ of its own.',
      'AwsSolutions-SQS3',
    );
    const streams = this.streams(parquet, options.siem);
    if (options.createPlaceholderSecrets) createPlaceholderSecrets(this, sources);
    const targets = this.pumpFunctions(sources, streams, failures, {
      parquet,
      reservedConcurrency: options.reservedConcurrency,
    });
    this.monitoring = this.monitor(sources, streams.monitored, failures, options);
    this.securityLake = securityLakeExport(
      this,
      'SecurityLake',
      { name: this.name, archive: this.archive.bucket, key: this.key, topic: this.monitoring.topic },
      sources,
      options,
    );
    this.placeSources(sources, targets, failures, parquet);
    acknowledgePumpFindings(this);
  }

  /** The alarm topic, the dashboard and the alarms that are not per source. */
  private monitor(
    sources: readonly Source[],
    streams: MonitoredStream[],
    failures: sqs.Queue,
    options: PumpOptions,
  ): Monitoring {
    const errorObjects = [
      {
        label: 'archive-errors',
        objects: new ErrorObjects(this, 'ErrorObjects', {
          bucket: this.archive.bucket,
          prefix: 'errors/',
          key: this.key,
        }),
      },
      ...(options.siem
        ? [
            {
              label: 'siem-backup',
              objects: new ErrorObjects(this, 'SiemBackupObjects', {
                bucket: this.archive.bucket,
                prefix: SIEM_BACKUP_PREFIX,
                key: this.key,
              }),
            },
          ]
        : []),
    ];
    return new Monitoring(this, 'Monitoring', {
      name: this.name,
      functions: Object.entries(this.functions).map(([vendor, fn]) => ({
        vendor,
        fn,
        sources: sources.filter((s) => s.vendor === vendor),
      })),
      streams,
      failureQueue: failures,
      errorObjects,
      key: this.key,
      ...(options.alarmEmail ? { alarmEmail: options.alarmEmail } : {}),
    });
  }

  /** Each source's schedules and alarms, in the nested stack its id picks (SourceSet). */
  private placeSources(
    sources: readonly Source[],
    targets: SourceSetProps['targets'],
    failures: sqs.Queue,
    parquet: boolean,
  ): void {
    for (let i = 0; i < SOURCE_STACKS; i++) {
      const mine = sources.filter((s) => sourceStackOf(s.id) === i);
      if (mine.length === 0) continue;
      const set = new SourceSet(this, `Sources${i}`, {
        name: this.name,
        sources: mine,
        targets,
        deadLetterQueue: failures,
        key: this.key,
        topic: this.monitoring.topic,
        ...(parquet ? { reconcileSchedule: false } : {}),
      });
      // The schedules start firing once created: their role's permissions must be in place by then.
      set.node.addDependency(...this.schedulerRoles);
      this.sourceSets.push(set);
    }
  }

  /** The archive and dead-letter streams, and the SIEM stream when asked for. */
  private streams(parquet: boolean, siem: AuditPumpSiem | undefined) {
    const bucket = this.archive.bucket;
    const events = new DeliveryStream(this, 'ArchiveStream', {
      bucket,
      key: this.key,
      prefix: ARCHIVE_PREFIX,
      errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
      ...(parquet ? { parquetSchemaTable: this.lake.table } : {}),
    });
    const deadLetter = new DeliveryStream(this, 'DeadLetterStream', {
      bucket,
      key: this.key,
      prefix: DEAD_LETTER_PREFIX,
      errorOutputPrefix: DEAD_LETTER_ERROR_PREFIX,
    });
    const siemStream = siem
      ? new SiemStream(this, 'SiemStream', { ...siem, backupBucket: bucket, key: this.key })
      : undefined;
    const monitored: MonitoredStream[] = [
      { label: 'archive', stream: events.stream, metricPrefix: 'DeliveryToS3' },
      { label: 'dead-letter', stream: deadLetter.stream, metricPrefix: 'DeliveryToS3' },
      ...(siemStream
        ? [{ label: 'siem', stream: siemStream.stream, metricPrefix: siemStream.destinationMetricPrefix }]
        : []),
    ];
    return { events: events.stream, deadLetter: deadLetter.stream, siem: siemStream?.stream, monitored };
  }

  /** One function per vendor with enabled sources, and the role its schedules invoke it with. */
  private pumpFunctions(
    sources: readonly Source[],
    streams: ReturnType<AuditPump['streams']>,
    failures: sqs.Queue,
    o: { parquet: boolean; reservedConcurrency: number | undefined },
  ) {
    // A bucket only when some source reads destructively (its connector says so: Carbon Black's queue mode).
    const spoolVendors = [...new Set(sources.filter(needsSpool).map((s) => s.vendor))];
    const spool = spoolVendors.length ? spoolBucket(this, this.key, this.archive.accessLogs, spoolVendors) : undefined;
    const targets: SourceSetProps['targets'] = {};
    for (const { connector, lambda: settings } of vendorModules()) {
      const vendor = connector.vendor;
      const mine = sources.filter((s) => s.vendor === vendor);
      if (mine.length === 0) continue;
      const { fn } = new PumpFunction(this, `Pump-${vendor}`, {
        name: this.name,
        vendor,
        sources: mine,
        settings,
        table: this.cursors.table,
        archiveStream: streams.events,
        deadLetterStream: streams.deadLetter,
        ...(streams.siem ? { siemStream: streams.siem } : {}),
        key: this.key,
        failureQueue: failures,
        ...(spool && mine.some(needsSpool) ? { spoolBucket: spool } : {}),
        // Reconciliation reads the gzip NDJSON archive back; a Parquet archive is not reconciled (docs/backfill.md,
        // Reconciliation).
        ...(o.parquet ? {} : { archiveBucket: this.archive.bucket }),
        ...(o.reservedConcurrency !== undefined ? { reservedConcurrency: o.reservedConcurrency } : {}),
      });
      this.functions[vendor] = fn;
      const scheduler = new SchedulerRole(this, `Schedules-${vendor}`, {
        fn,
        deadLetterQueue: failures,
        key: this.key,
      });
      this.schedulerRoles.push(scheduler);
      targets[vendor] = { fn, role: scheduler.role };
    }
    return targets;
  }
}

/**
 * The spool for destructive queue reads: each batch is written here before it is parsed or
 * delivered and deleted once delivered, so a batch normally lives seconds. Versions are not kept
 * (a replayed batch must be the one written).
 */
function spoolBucket(scope: Construct, key: kms.IKey, accessLogs: s3.IBucket, vendors: readonly Vendor[]): s3.Bucket {
  return new s3.Bucket(scope, 'Spool', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'spool/',
    // A quarantined batch is kept for inspection, not for ever.
    lifecycleRules: vendors.map((vendor) => ({
      id: `${vendor}-stale-quarantine`,
      prefix: spoolPrefixes(vendor).quarantine,
      expiration: Duration.days(90),
    })),
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * A secret per source holding `{"placeholder": true}`: the pump skips such a source with a warning.
 * Retained: once someone has put the vendor's credential in it, neither deleting the stack nor
 * turning the option off may delete it.
 */
function createPlaceholderSecrets(scope: Construct, sources: readonly Source[]): void {
  for (const source of sources) {
    if (!source.secretName) continue;
    const secret = new secretsmanager.Secret(scope, `Secret-${source.id}`, {
      secretName: source.secretName,
      description: `audit-pump credentials for ${source.id} (${source.vendor}); replace the placeholder with the vendor credential JSON`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ [PLACEHOLDER_KEY]: true }),
        generateStringKey: 'unused',
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    nag.ack(
      secret,
      "Vendor credentials (API keys, tokens) are issued and rotated in each vendor's console; Secrets Manager cannot rotate them. docs/deploying.md explains how to rotate one.",
      'AwsSolutions-SMG4',
    );
  }
}

/**
 * Services that use the key on the pump's behalf. CloudWatch Logs (the encrypted log groups) only
 * for log groups of this account and region: the encryption-context condition of the CloudWatch
 * Logs guide ("Encrypt log data in CloudWatch Logs using AWS KMS"). CloudWatch alarms publish to
 * the encrypted topic.
 */
function grantServices(key: kms.Key): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsOfThisAccountAndRegion',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
  key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
}
