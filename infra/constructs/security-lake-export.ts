import { copyFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENTS_ROOT } from '../../shared/archive-layout.ts';
import { SUBSET_URL } from '../../shared/ocsf-validate.ts';
import { providerRoleArn } from '../../shared/security-lake/aws.ts';
import { DEFAULT_SOURCE_PREFIX, sourceName } from '../../shared/security-lake/layout.ts';
import { lakeClasses } from '../../shared/security-lake/register.ts';
import type { Source } from '../../shared/config.ts';
import { connectorOf } from '../../functions/registry.ts';
import type { PumpOptions } from '../options.ts';
import { PUMP_HANDLER, bundlePump } from '../bundling.ts';
import { nag } from '../nag.ts';
import { GT, GTE, notifyingAlarm, single } from './alarm.ts';
import { locallyBundled } from './pump-function.ts';

export interface SecurityLakeExportProps {
  /** Prefix of the function's and alarms' names. */
  readonly name: string;
  readonly archive: s3.IBucket;
  /** The pump's key: archive objects, queues, logs. */
  readonly key: kms.IKey;
  /** The Security Lake bucket (`aws-security-data-lake-<region>-...`). */
  readonly bucket: string;
  /** The `region=` partition: the Region the lake is in. */
  readonly region: string;
  /** The provider role's ARN; `{source}` in it stands for the custom source name. */
  readonly roleArn: string;
  readonly externalId: string;
  /** Prefix of the custom source names (`<prefix>-<class_uid>`). */
  readonly sourcePrefix: string;
  /** The classes the sources produce that Security Lake takes: the exporter may assume their roles only. */
  readonly classes: readonly number[];
  /** Minutes between exporter runs (5 to 60): Security Lake wants objects every 5 minutes to 1 day. */
  readonly intervalMinutes: number;
  readonly topic: sns.ITopic;
}

/** The exporter's Lambda entry. */
export const LAKE_EXPORTER_ENTRY = fileURLToPath(new URL('../../shared/security-lake/handler.ts', import.meta.url));

/**
 * Bundles the exporter as the pumps are bundled, with the OCSF schema subset beside its entry (loadOcsfSubset reads it
 * there).
 */
export function bundleLakeExporter(outputDir: string): void {
  bundlePump(LAKE_EXPORTER_ENTRY, outputDir);
  copyFileSync(fileURLToPath(SUBSET_URL), join(outputDir, basename(fileURLToPath(SUBSET_URL))));
}

/** The exporter's timeout; the queue hides a taken notice a little longer, so no run sees another's. */
const TIMEOUT = Duration.minutes(10);
/** Runs a notice may fail in before it moves to the dead-letter queue. */
export const MAX_RECEIVES = 10;

/**
 * Delivery into Amazon Security Lake (docs/security-lake.md): the archive's new `events/` objects,
 * announced by S3 to EventBridge, queue up in an encrypted SQS queue; a scheduled exporter drains
 * it every `intervalMinutes`, writes one Parquet object per class and day through each custom
 * source's provider role (sts:AssumeRole with the external id) and only then deletes the notices.
 * Notices that keep failing move to a dead-letter queue; that, a backlog older than three runs
 * and a failing exporter are alarmed. The archive is read, never written.
 */
export class SecurityLakeExport extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly fn: lambda.Function;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: SecurityLakeExportProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    nag.ack(
      this.deadLetters,
      'The dead-letter queue of the lake notices itself; its depth is alarmed and docs/operating.md says how to redrive it.',
      'AwsSolutions-SQS3',
    );
    this.queue = new sqs.Queue(this, 'Notices', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: TIMEOUT.plus(Duration.minutes(5)),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVES },
    });
    new events.Rule(this, 'NewArchiveObjects', {
      description: `audit-pump: new archive objects under ${EVENTS_ROOT} for Security Lake`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.archive.bucketName] }, object: { key: [{ prefix: EVENTS_ROOT }] } },
      },
      targets: [new eventTargets.SqsQueue(this.queue)],
    });
    this.fn = this.exporter(props, stack);
    new events.Rule(this, 'Schedule', {
      description: `audit-pump: export to Security Lake every ${props.intervalMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(props.intervalMinutes)),
      targets: [new eventTargets.LambdaFunction(this.fn, { retryAttempts: 0 })],
    });
    this.grant(props);
    this.alarms = this.alarm(props);
  }

  private exporter(props: SecurityLakeExportProps, stack: Stack): lambda.Function {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'audit-pump Security Lake exporter',
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.key,
    });
    logGroup.grantWrite(role);
    return new lambda.Function(this, 'Function', {
      functionName: `${props.name}-lake-exporter`,
      role,
      code: locallyBundled(dirname(LAKE_EXPORTER_ENTRY), bundleLakeExporter),
      handler: PUMP_HANDLER,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: TIMEOUT,
      // A run holds up to 32 MiB of gzip NDJSON parsed (about ten times that) and the Parquet it writes.
      memorySize: 2048,
      logGroup,
      environment: {
        LAKE_QUEUE_URL: this.queue.queueUrl,
        ARCHIVE_BUCKET: props.archive.bucketName,
        LAKE_BUCKET: props.bucket,
        LAKE_ROLE_ARN: props.roleArn,
        // An external id is not a secret (IAM User Guide): it tells this provider from others.
        LAKE_EXTERNAL_ID: props.externalId,
        LAKE_SOURCE_PREFIX: props.sourcePrefix,
        LAKE_REGION: props.region,
        LAKE_ACCOUNT_ID: stack.account,
        NODE_OPTIONS: '--enable-source-maps',
      },
      retryAttempts: 0,
    });
  }

  /** Reads the archive's event objects, consumes its queue, assumes the provider roles of its classes: nothing else. */
  private grant(props: SecurityLakeExportProps): void {
    const role = this.fn.role as iam.Role;
    this.queue.grantConsumeMessages(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ArchiveEventsRead',
        actions: ['s3:GetObject'],
        resources: [props.archive.arnForObjects(`${EVENTS_ROOT}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ArchiveKey', actions: ['kms:Decrypt'], resources: [props.key.keyArn] }),
    );
    const roles = [
      ...new Set(props.classes.map((uid) => providerRoleArn(props.roleArn, sourceName(props.sourcePrefix, uid)))),
    ];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ProviderRolesOnly', actions: ['sts:AssumeRole'], resources: roles }),
    );
    const bucketId = Stack.of(this).getLogicalId(props.archive.node.defaultChild as s3.CfnBucket);
    nag.ack(
      role,
      'The exporter reads the archive objects Firehose wrote under generated keys below events/ only; read-only.',
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${EVENTS_ROOT}*]`,
    );
  }

  private alarm(props: SecurityLakeExportProps): cloudwatch.Alarm[] {
    const queueMetric = (queue: sqs.IQueue, metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SQS',
        metricName,
        dimensionsMap: { QueueName: queue.queueName },
        statistic: 'Maximum',
      });
    const runs = props.intervalMinutes * 60;
    return [
      notifyingAlarm(
        this,
        'DeadLettersAlarm',
        {
          name: `${props.name}-lake-dead-letters`,
          description: `Archive objects failed ${MAX_RECEIVES} exporter runs and their notices moved to the lake dead-letter queue: their events are in the archive but not in Security Lake until redriven.`,
          metric: queueMetric(this.deadLetters, 'ApproximateNumberOfMessagesVisible'),
          threshold: 1,
          comparison: GTE,
          window: single(300),
        },
        props.topic,
      ),
      notifyingAlarm(
        this,
        'BacklogAlarm',
        {
          name: `${props.name}-lake-backlog`,
          description:
            'The oldest archive notice has waited more than three exporter runs: the exporter fails or cannot keep up.',
          metric: queueMetric(this.queue, 'ApproximateAgeOfOldestMessage'),
          threshold: 3 * runs,
          comparison: GT,
          window: single(300),
        },
        props.topic,
      ),
      notifyingAlarm(
        this,
        'ErrorsAlarm',
        {
          name: `${props.name}-lake-exporter-errors`,
          description:
            'Two exporter runs in a row failed (a write refused, a role not assumable, an archive object unreadable); their notices stay queued.',
          metric: this.fn.metricErrors({ statistic: 'Sum' }),
          threshold: 1,
          comparison: GTE,
          window: { periodSeconds: runs, evaluationPeriods: 2, datapointsToAlarm: 2 },
        },
        props.topic,
      ),
    ];
  }
}

/**
 * The delivery into Security Lake when its three keys are set: the exporter may assume the
 * provider roles of the classes the enabled sources' vendors produce, and those only.
 */
export function securityLakeExport(
  scope: Construct,
  id: string,
  pump: Pick<SecurityLakeExportProps, 'name' | 'archive' | 'key' | 'topic'>,
  sources: readonly Source[],
  options: PumpOptions,
): SecurityLakeExport | undefined {
  const { securityLakeBucket: bucket, securityLakeRoleArn: roleArn, securityLakeExternalId: externalId } = options;
  if (!bucket || !roleArn || !externalId) return undefined;
  // The region partition is where the data is uploaded (Security Lake User Guide): the lake's own,
  // which its bucket's name carries; the stack's region for a bucket named otherwise.
  const region = /^aws-security-data-lake-([a-z]{2}(?:-[a-z]+)+-\d)-/.exec(bucket)?.[1] ?? Stack.of(scope).region;
  const vendors = [...new Set(sources.map((s) => s.vendor))].map((vendor) => ({
    vendor,
    classes: connectorOf(vendor).ocsfClasses,
  }));
  return new SecurityLakeExport(scope, id, {
    ...pump,
    bucket,
    region,
    roleArn,
    externalId,
    sourcePrefix: options.securityLakeSourcePrefix ?? DEFAULT_SOURCE_PREFIX,
    classes: [...lakeClasses(vendors).registrable.keys()],
    intervalMinutes: options.securityLakeIntervalMinutes ?? 15,
  });
}
