import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PARTITION_JQ } from '../../shared/archive-layout.ts';
import { FirehoseS3Role, staticPrefix } from './firehose-role.ts';

export interface DeliveryStreamProps {
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** S3 prefix with the dynamic-partitioning keys of shared/archive-layout.ts. */
  readonly prefix: string;
  readonly errorOutputPrefix: string;
  /** Convert to Parquet with the schema of this Glue table. @default gzip NDJSON */
  readonly parquetSchemaTable?: glue.CfnTable;
  /** @default 60 seconds */
  readonly bufferingInterval?: Duration;
}

/**
 * A Firehose stream into the archive bucket, partitioned by the record's own keys (the same jq the
 * local emulator evaluates), so S3 keys follow DESIGN.md 4.5 and Athena prunes partitions.
 *
 * The pump packs up to 500 newline-delimited events into one record (shared/sink.ts), because
 * Firehose bills each record rounded up to 5 KB. So the stream first deaggregates (JSON: consecutive
 * objects, JSONL included; at most 500 a record), then extracts the partition keys of each event.
 * Deaggregation drops the newlines between events, so for NDJSON output a newline is appended to
 * each again; Parquet conversion reads each deaggregated event as its own row and needs none.
 *
 * It writes with a role of its own (FirehoseS3Role: its prefixes, no delete); the CDK's grants to
 * the destination role are switched off (`withoutPolicyUpdates`), so they cannot widen it.
 */
export class DeliveryStream extends Construct {
  readonly stream: firehose.DeliveryStream;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DeliveryStreamProps) {
    super(scope, id);
    const parquet = props.parquetSchemaTable;
    const writer = new FirehoseS3Role(this, 'Writer', {
      bucket: props.bucket,
      key: props.key,
      prefixes: [staticPrefix(props.prefix), staticPrefix(props.errorOutputPrefix)],
    });
    this.role = writer.role;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.key,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logGroup.grantWrite(this.role);
    if (parquet) this.grantSchema(parquet);
    const destination = new firehose.S3Bucket(props.bucket, {
      role: this.role.withoutPolicyUpdates(),
      loggingConfig: new firehose.EnableLogging(logGroup),
      dataOutputPrefix: props.prefix,
      errorOutputPrefix: props.errorOutputPrefix,
      encryptionKey: props.key,
      // Dynamic partitioning needs at least 64 MiB buffers.
      bufferingSize: Size.mebibytes(64),
      bufferingInterval: props.bufferingInterval ?? Duration.seconds(60),
      dynamicPartitioning: { enabled: true, retryDuration: Duration.seconds(300) },
      processors: [
        firehose.RecordDeAggregationProcessor.json(),
        ...(parquet ? [] : [new firehose.AppendDelimiterToRecordProcessor()]),
        firehose.MetadataExtractionProcessor.jq16({ ...PARTITION_JQ }),
      ],
      ...(parquet
        ? {
            // Parquet compresses itself (SNAPPY by default); the S3 compression must stay unset.
            dataFormatConversion: {
              schemaConfiguration: firehose.SchemaConfiguration.fromCfnTable(parquet),
              inputFormat: firehose.InputFormat.OPENX_JSON,
              outputFormat: firehose.OutputFormat.PARQUET,
            },
          }
        : { compression: firehose.Compression.GZIP }),
    });
    this.stream = new firehose.DeliveryStream(this, 'Stream', {
      destination,
      encryption: firehose.StreamEncryption.customerManagedKey(props.key),
    });
    this.stream.node.addDependency(this.role);
  }

  /** Record format conversion reads the table's schema: the actions Firehose documents, on this table only. */
  private grantSchema(table: glue.CfnTable): void {
    const stack = Stack.of(this);
    const database = table.databaseName;
    const name = (table.tableInput as glue.CfnTable.TableInputProperty).name as string;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ParquetSchema',
        actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: database }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/${name}` }),
        ],
      }),
    );
  }
}
