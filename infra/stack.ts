import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ARCHIVE_ERROR_PREFIX, ARCHIVE_PREFIX, DEAD_LETTER_ERROR_PREFIX, DEAD_LETTER_PREFIX } from '../shared/archive-layout.ts';
import { PLACEHOLDER_KEY } from '../shared/secrets.ts';
import { VENDORS, type Source } from '../shared/config.ts';
import { ArchiveBucket } from './constructs/archive-bucket.ts';
import { CursorTable } from './constructs/cursor-table.ts';
import { DeliveryStream } from './constructs/delivery-stream.ts';
import { Lake } from './constructs/lake.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { nag } from './nag.ts';
import { PumpFunction } from './constructs/pump-function.ts';
import { SiemStream } from './constructs/siem-stream.ts';
import { SourceSchedules } from './constructs/source-schedules.ts';
import type { DeploySettings } from './settings.ts';
import { VENDOR_FUNCTIONS } from './vendors.ts';

export interface AuditPumpStackProps extends StackProps {
  readonly settings: DeploySettings;
}

/** Everything of DESIGN.md section 5 for one sources file. */
export class AuditPumpStack extends Stack {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AuditPumpStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const sources = settings.sources.filter((s) => s.enabled);
    this.key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'audit-pump: cursors, archive, streams, logs, queues' });
    grantServices(this.key, this);
    const cursors = new CursorTable(this, 'Cursors', { key: this.key });
    const archive = new ArchiveBucket(this, 'Archive', {
      key: this.key,
      coldAfterDays: settings.archiveColdAfterDays,
      expireAfterDays: settings.archiveExpireAfterDays,
      ...(settings.objectLockDays ? { objectLockDays: settings.objectLockDays } : {}),
    });
    const lake = new Lake(this, 'Lake', {
      archive: archive.bucket,
      accessLogs: archive.accessLogs,
      key: this.key,
      parquet: settings.archiveFormat === 'parquet',
      scanLimitBytes: settings.athenaScanLimitBytes,
    });
    const events = new DeliveryStream(this, 'ArchiveStream', {
      bucket: archive.bucket,
      key: this.key,
      prefix: ARCHIVE_PREFIX,
      errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
      ...(settings.archiveFormat === 'parquet' ? { parquetSchemaTable: lake.table } : {}),
    });
    const deadLetter = new DeliveryStream(this, 'DeadLetterStream', { bucket: archive.bucket, key: this.key, prefix: DEAD_LETTER_PREFIX, errorOutputPrefix: DEAD_LETTER_ERROR_PREFIX });
    const siem =
      settings.siemType && settings.siemEndpoint && settings.siemSecretName
        ? new SiemStream(this, 'SiemStream', { type: settings.siemType, endpoint: settings.siemEndpoint, secretName: settings.siemSecretName, backupBucket: archive.bucket, key: this.key })
        : undefined;
    const failures = new sqs.Queue(this, 'FailedInvocations', { encryptionMasterKey: this.key, encryption: sqs.QueueEncryption.KMS, enforceSSL: true, retentionPeriod: Duration.days(14) });
    nag.ack(failures, 'This queue is the dead-letter destination itself (failed async invocations and undeliverable schedule targets); it has no DLQ of its own.', 'AwsSolutions-SQS3');
    if (settings.createPlaceholderSecrets) createPlaceholderSecrets(this, sources);
    const spool = sources.some((s) => s.vendor === 'carbonblack' && s.options.mode === 'queue') ? spoolBucket(this, this.key, archive.accessLogs) : undefined;
    const reconciled = settings.archiveFormat !== 'parquet';
    const functions = [];
    for (const vendor of VENDORS) {
      const mine = sources.filter((s) => s.vendor === vendor);
      if (mine.length === 0) continue;
      const pump = new PumpFunction(this, `Pump-${vendor}`, {
        vendor,
        sources: mine,
        settings: VENDOR_FUNCTIONS[vendor],
        table: cursors.table,
        archiveStream: events.stream,
        deadLetterStream: deadLetter.stream,
        ...(siem ? { siemStream: siem.stream } : {}),
        key: this.key,
        failureQueue: failures,
        ...(spool && vendor === 'carbonblack' ? { spoolBucket: spool } : {}),
        // Reconciliation reads the gzip NDJSON archive back; a Parquet archive is not reconciled (README, Reconciliation).
        ...(reconciled ? { archiveBucket: archive.bucket } : {}),
      });
      new SourceSchedules(this, `Schedules-${vendor}`, { fn: pump.fn, sources: mine, deadLetterQueue: failures, key: this.key, ...(reconciled ? {} : { reconcileSchedule: false }) });
      functions.push(pump.fn);
    }
    new Monitoring(this, 'Monitoring', {
      sources,
      functions,
      streams: [{ label: 'archive', stream: events.stream }, { label: 'dead-letter', stream: deadLetter.stream }, ...(siem ? [{ label: 'siem', stream: siem.stream }] : [])],
      failureQueue: failures,
      key: this.key,
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
    });
  }
}

/**
 * The spool for destructive queue reads: each batch is written here before it is parsed or
 * delivered and deleted once delivered, so a batch normally lives seconds. Versions are not kept
 * (a replayed batch must be the one written).
 */
function spoolBucket(scope: Construct, key: kms.IKey, accessLogs: s3.IBucket): s3.Bucket {
  return new s3.Bucket(scope, 'Spool', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'spool/',
    lifecycleRules: [{ id: 'stale-quarantine', prefix: 'carbonblack-quarantine/', expiration: Duration.days(90) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** A secret per source holding `{"placeholder": true}`: the pump skips such a source with a warning. */
function createPlaceholderSecrets(scope: Construct, sources: readonly Source[]): void {
  for (const source of sources) {
    if (!source.secretName) continue;
    new secretsmanager.Secret(scope, `Secret-${source.id}`, {
      secretName: source.secretName,
      description: `audit-pump credentials for ${source.id} (${source.vendor}); replace the placeholder with the vendor credential JSON`,
      generateSecretString: { secretStringTemplate: JSON.stringify({ [PLACEHOLDER_KEY]: true }), generateStringKey: 'unused', excludePunctuation: true },
    });
  }
}

/** Services that use the key on our behalf: CloudWatch Logs (encrypted log groups), CloudWatch alarms (the encrypted topic). */
function grantServices(key: kms.Key, stack: Stack): void {
  key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`));
  key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
}
