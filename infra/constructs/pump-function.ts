import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, AssetHashType, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { archivePrefix } from '../../shared/archive.ts';
import { spoolPrefixes } from '../../shared/archive-layout.ts';
import { backfillItemId } from '../../shared/backfill.ts';
import { METRICS_NAMESPACE } from '../../shared/config.ts';
import { metricsService } from './source-alarms.ts';
import type { Source, Vendor } from '../../shared/config.ts';
import { throttleItemPattern } from '../../shared/throttle.ts';
import { PUMP_HANDLER, PUMP_SOURCES_FILE, bundlePump, writePumpSources } from '../bundling.ts';
import { nag } from '../nag.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { VendorFunctionSettings } from '../../functions/vendor-module.ts';

export interface PumpFunctionProps {
  /** Prefix of the function's name (`<name>-<vendor>`). */
  readonly name: string;
  readonly vendor: Vendor;
  /** This vendor's sources: the function may touch only their cursors and secrets. */
  readonly sources: readonly Source[];
  readonly settings: VendorFunctionSettings;
  readonly table: dynamodb.ITable;
  readonly archiveStream: firehose.IDeliveryStream;
  readonly deadLetterStream: firehose.IDeliveryStream;
  readonly siemStream?: firehose.IDeliveryStream;
  readonly key: kms.IKey;
  /** Where failed asynchronous invocations go. */
  readonly failureQueue: sqs.IQueue;
  /** Bucket of the spool for destructive queue reads (Carbon Black queue mode); none when unset. */
  readonly spoolBucket?: s3.IBucket;
  /** The archive bucket, read by reconciliation under this vendor's prefix only; none when unset. */
  readonly archiveBucket?: s3.IBucket;
  /**
   * Concurrent executions reserved for (and capped at) this function. A source's lease already lets
   * only one run of it at a time, so the function never needs more than its sources plus their
   * continuations; a reservation only takes concurrency from the account's pool (10 in a new account).
   * @default none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
}

/**
 * A function's code bundled here by `bundle` (esbuild, infra/bundling.ts), never in Docker; the
 * asset hash is the bundle's.
 */
export function locallyBundled(assetDir: string, bundle: (outputDir: string) => void): lambda.Code {
  return lambda.Code.fromAsset(assetDir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: lambda.Runtime.NODEJS_22_X.bundlingImage,
      local: {
        tryBundle(outputDir: string): boolean {
          bundle(outputDir);
          return true;
        },
      },
    },
  });
}

/** Sources per customer-managed policy of cursor and secret grants: well inside IAM's 6,144 characters a policy. */
export const SOURCES_PER_POLICY = 40;
/** IAM's default quota of managed policies attached to one role. */
const MAX_MANAGED_POLICIES = 10;

/**
 * One pump function per vendor, bundled from functions/<vendor>/index.ts with its sources in a file
 * beside the entry, with least-privilege IAM: its own sources' secrets, its own sources' cursor
 * items and their backfill items (dynamodb:LeadingKeys), its streams, and read access to its own
 * vendor's archive prefix.
 */
export class PumpFunction extends Construct {
  readonly fn: lambda.Function;

  constructor(scope: Construct, id: string, props: PumpFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const functionName = `${props.name}-${props.vendor}`;
    const sources = props.sources;
    // Its own role and log group instead of AWSLambdaBasicExecutionRole (which allows every log group).
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `audit-pump ${props.vendor} pump`,
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.key,
    });
    logGroup.grantWrite(role);
    const entry = fileURLToPath(new URL(`../../functions/${props.vendor}/index.ts`, import.meta.url));
    this.fn = new lambda.Function(this, 'Function', {
      functionName,
      role,
      code: locallyBundled(dirname(entry), (outputDir) => {
        bundlePump(entry, outputDir);
        writePumpSources(outputDir, sources);
      }),
      handler: PUMP_HANDLER,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(props.settings.timeoutSeconds),
      memorySize: props.settings.memoryMb,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      logGroup,
      environment: {
        AUDIT_PUMP_SOURCES_FILE: PUMP_SOURCES_FILE,
        CURSOR_TABLE: props.table.tableName,
        ARCHIVE_STREAM: props.archiveStream.deliveryStreamName,
        DEAD_LETTER_STREAM: props.deadLetterStream.deliveryStreamName,
        ...(props.siemStream ? { SIEM_STREAM: props.siemStream.deliveryStreamName } : {}),
        ...(props.spoolBucket ? { SPOOL_BUCKET: props.spoolBucket.bucketName } : {}),
        ...(props.archiveBucket ? { ARCHIVE_BUCKET: props.archiveBucket.bucketName } : {}),
        AUDIT_PUMP_CONTINUE: 'true',
        // The metrics' service dimension: unique per stack, as the alarms expect (source-alarms.ts).
        POWERTOOLS_SERVICE_NAME: metricsService(props.name, props.vendor),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      // A failed scheduled run is not retried: the next schedule (or continuation) runs anyway.
      retryAttempts: 0,
      onFailure: new destinations.SqsDestination(props.failureQueue),
    });
    this.grant(props, stack, functionName);
  }

  private grant(props: PumpFunctionProps, stack: Stack, functionName: string): void {
    const role = this.fn.role as iam.IRole;
    this.grantSources(role, props, stack);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnThrottleItemsOnly',
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        // Its vendor's limit scopes' throttle items (shared/throttle.ts): one pattern, however many sources.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [throttleItemPattern(props.vendor)] } },
      }),
    );
    const streams = [props.archiveStream, props.deadLetterStream, ...(props.siemStream ? [props.siemStream] : [])];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnStreamsOnly',
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: streams.map((s) => s.deliveryStreamArn),
      }),
    );
    // The continuation: a run that stopped at its deadline with more to do invokes its own function.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ContinueSelf',
        actions: ['lambda:InvokeFunction'],
        resources: [
          stack.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: functionName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    if (props.spoolBucket) this.grantSpool(role, props.spoolBucket, props.vendor);
    if (props.archiveBucket) this.grantArchiveRead(role, props.archiveBucket, props.vendor);
    props.key.grantEncryptDecrypt(role);
  }

  /**
   * Its own sources' cursor items and backfill items (dynamodb:LeadingKeys) and their secrets, in
   * customer-managed policies of SOURCES_PER_POLICY sources each: an inline policy holds 10,240
   * characters per role, about 60 sources' worth, and a function serves hundreds.
   */
  private grantSources(role: iam.IRole, props: PumpFunctionProps, stack: Stack): void {
    const chunks = Math.ceil(props.sources.length / SOURCES_PER_POLICY);
    if (chunks > MAX_MANAGED_POLICIES) {
      throw new ConfigError(
        `${props.vendor}: ${props.sources.length} sources need ${chunks} IAM policies, above the ${MAX_MANAGED_POLICIES} a role holds; split them across stacks`,
      );
    }
    for (let i = 0; i < chunks; i++) {
      const chunk = props.sources.slice(i * SOURCES_PER_POLICY, (i + 1) * SOURCES_PER_POLICY);
      const statements = [
        new iam.PolicyStatement({
          sid: 'OwnCursorItemsOnly',
          actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          resources: [props.table.tableArn],
          // Each source's live cursor and its backfill's own item (shared/backfill-run.ts).
          conditions: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': chunk.flatMap((s) => [s.id, backfillItemId(s.id)]) },
          },
        }),
      ];
      const secrets = chunk.map((s) => s.secretName).filter((n): n is string => n !== undefined);
      if (secrets.length) {
        statements.push(
          new iam.PolicyStatement({
            sid: 'OwnSecretsOnly',
            actions: ['secretsmanager:GetSecretValue'],
            // Secrets Manager appends 6 random characters to a secret's ARN.
            resources: secrets.map((n) =>
              stack.formatArn({
                service: 'secretsmanager',
                resource: 'secret',
                resourceName: `${n}-??????`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ),
          }),
        );
      }
      const policy = new iam.ManagedPolicy(this, `Sources${i + 1}`, {
        description: `audit-pump ${props.vendor}: cursors and secrets of sources ${i * SOURCES_PER_POLICY + 1}-${i * SOURCES_PER_POLICY + chunk.length}`,
        statements,
        roles: [role],
      });
      // Attached before the function exists, so its first scheduled run is not refused its own cursors.
      this.fn.node.addDependency(policy);
    }
  }

  /** Reconciliation reads the archive back: list and get under `events/vendor=<its vendor>/` only, never write. */
  private grantArchiveRead(role: iam.IRole, bucket: s3.IBucket, vendor: Vendor): void {
    const prefix = archivePrefix(vendor);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ArchiveRead',
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ArchiveList',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
    nag.ack(
      role,
      "Reconciliation reads the archive objects Firehose wrote under generated keys below this vendor's events prefix; read-only.",
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${prefix}*]`,
    );
  }

  /** The spool: objects under this vendor's prefixes only (batches and quarantined batches). */
  private grantSpool(role: iam.IRole, bucket: s3.IBucket, vendor: string): void {
    const prefixes = Object.values(spoolPrefixes(vendor));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SpoolObjects',
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
        resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SpoolList',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
      }),
    );
    nag.ack(
      role,
      "The spool is read and written by generated batch keys under this vendor's prefixes only.",
      ...prefixes.map(
        (p) =>
          `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${p}*]`,
      ),
    );
  }
}
