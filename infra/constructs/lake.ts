import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { vendorNames } from '../../functions/registry.ts';
import { EVENT_COLUMNS, EVENT_PARTITIONS, EVENTS_TABLE } from '../../shared/table.ts';
import { NAMED_QUERIES } from '../named-queries.ts';

export interface LakeProps {
  /** Prefix of the workgroup's and named queries' names; the Glue database is its lower-case form. */
  readonly name: string;
  readonly archive: s3.IBucket;
  readonly key: kms.IKey;
  readonly accessLogs: s3.IBucket;
  /** The archive holds Parquet (record format conversion) instead of gzip NDJSON. @default false */
  readonly parquet?: boolean;
  /** Athena's per-query scan limit. @default 10 GiB */
  readonly scanLimitBytes?: number;
  /**
   * The first day (yyyy-mm-dd) partition projection covers: events of earlier days (a backfill of
   * older history) are archived but invisible to queries until it is moved back. @default 2010-01-01
   */
  readonly firstDay?: string;
}

/**
 * Glue database and `events` table over the archive, with partition projection (no crawler, no
 * MSCK REPAIR): vendor is an enum of the known vendors, dt a date range from `firstDay` to tomorrow
 * (a vendor clock ahead of Athena's puts events in the next day's partition). Columns come
 * from shared/table.ts, the definition the local query uses too. Plus an Athena workgroup with
 * encrypted results and a scan limit, and the named queries.
 */
export class Lake extends Construct {
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
  readonly workgroup: athena.CfnWorkGroup;
  readonly results: s3.Bucket;

  constructor(scope: Construct, id: string, props: LakeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const databaseName = props.name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: databaseName, description: 'audit-pump: SaaS audit logs normalized to OCSF 1.1' },
    });
    const location = `s3://${props.archive.bucketName}/events/`;
    this.table = new glue.CfnTable(this, 'EventsTable', {
      catalogId: stack.account,
      databaseName,
      tableInput: {
        name: EVENTS_TABLE,
        tableType: 'EXTERNAL_TABLE',
        description: 'One OCSF 1.1 event per row; metadata.uid is the dedup key',
        partitionKeys: EVENT_PARTITIONS.map(toGlue),
        parameters: {
          'projection.enabled': 'true',
          'projection.vendor.type': 'enum',
          'projection.vendor.values': vendorNames().join(','),
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `${props.firstDay ?? '2010-01-01'},NOW+1DAYS`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}vendor=\${vendor}/dt=\${dt}/`,
          classification: props.parquet ? 'parquet' : 'json',
          ...(props.parquet ? {} : { compressionType: 'gzip' }),
        },
        storageDescriptor: {
          location,
          columns: EVENT_COLUMNS.map(toGlue),
          ...(props.parquet
            ? {
                inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
                outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
                serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
              }
            : {
                inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
                outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
                // OpenX keeps nested JSON as text for string columns (unmapped) and ignores bad lines.
                serdeInfo: {
                  serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
                  parameters: { 'ignore.malformed.json': 'true' },
                },
              }),
        },
      },
    });
    this.table.addResourceDependency(this.database);
    this.results = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [{ expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `${props.name}-audit`,
      description: 'audit-pump queries: encrypted results, scan limit',
      state: 'ENABLED',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.scanLimitBytes ?? 10 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.results.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
        },
      },
    });
    for (const [name, query] of Object.entries(NAMED_QUERIES)) {
      const q = new athena.CfnNamedQuery(this, `Query-${name}`, {
        name: `${props.name}: ${query.title}`,
        description: query.description,
        database: databaseName,
        workGroup: this.workgroup.name,
        queryString: query.sql,
      });
      q.addResourceDependency(this.workgroup);
    }
  }
}

function toGlue(c: { name: string; type: string; comment?: string }): glue.CfnTable.ColumnProperty {
  return { name: c.name, type: c.type, ...(c.comment ? { comment: c.comment } : {}) };
}
