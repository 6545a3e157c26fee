import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { FirehoseS3Role } from './firehose-role.ts';

export interface SiemStreamProps {
  /** Splunk HEC (raw endpoint) or a generic HTTP endpoint. */
  readonly type: 'splunk' | 'http';
  /** The HEC URL (https://host:8088) or the HTTP endpoint URL. */
  readonly endpoint: string;
  /**
   * Secrets Manager secret Firehose reads itself: `{"hec_token": "..."}` for Splunk, `{"api_key": "..."}`
   * for an HTTP endpoint (Firehose developer guide, "Understand secrets").
   */
  readonly secretName: string;
  /** Failed deliveries are backed up here, under `siem-failed/`. */
  readonly backupBucket: s3.IBucket;
  readonly key: kms.IKey;
}

/**
 * Where records the SIEM refused after Firehose's retries are kept, and where Firehose reports failing to keep them.
 */
export const SIEM_BACKUP_PREFIX = 'siem-failed/';
export const SIEM_BACKUP_ERROR_PREFIX = 'errors/siem-failed/';

/**
 * The optional SIEM stream: the same records as the archive, delivered to Splunk HEC or an HTTP
 * endpoint. Credentials come from Secrets Manager (never in the template); what the SIEM refuses
 * after Firehose's retries lands in the backup bucket instead of being lost.
 *
 * Splunk gets the raw endpoint (/services/collector/raw): the pump sends the SIEM stream one OCSF
 * event per record, newline-terminated (shared/handler.ts, shared/sink.ts toRecord), and Splunk
 * breaks the body into events at the newlines. The event endpoint would need every record wrapped
 * as `{"event": ...}` ("Invalid data format", code 6, otherwise). docs/deploying.md has the sourcetype.
 */
export class SiemStream extends Construct {
  readonly stream: firehose.IDeliveryStream;
  readonly destinationMetricPrefix: 'DeliveryToSplunk' | 'DeliveryToHttpEndpoint';

  constructor(scope: Construct, id: string, props: SiemStreamProps) {
    super(scope, id);
    this.destinationMetricPrefix = props.type === 'splunk' ? 'DeliveryToSplunk' : 'DeliveryToHttpEndpoint';
    const secret = secretsmanager.Secret.fromSecretNameV2(this, 'Secret', props.secretName);
    const logGroup = new logs.LogGroup(this, 'DeliveryLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logStream = new logs.LogStream(this, 'DeliveryLogStream', { logGroup });
    const role = new FirehoseS3Role(this, 'Writer', {
      bucket: props.backupBucket,
      key: props.key,
      prefixes: [SIEM_BACKUP_PREFIX, SIEM_BACKUP_ERROR_PREFIX],
    }).role;
    secret.grantRead(role);
    logGroup.grantWrite(role);
    const s3Configuration: firehose.CfnDeliveryStream.S3DestinationConfigurationProperty = {
      bucketArn: props.backupBucket.bucketArn,
      roleArn: role.roleArn,
      prefix: SIEM_BACKUP_PREFIX,
      errorOutputPrefix: SIEM_BACKUP_ERROR_PREFIX,
      compressionFormat: 'GZIP',
      encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: props.key.keyArn } },
    };
    const secrets = { enabled: true, secretArn: secret.secretArn, roleArn: role.roleArn };
    const logging = { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: logStream.logStreamName };
    const cfn = new firehose.CfnDeliveryStream(this, 'Stream', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: props.key.keyArn },
      ...(props.type === 'splunk'
        ? {
            splunkDestinationConfiguration: {
              hecEndpoint: props.endpoint,
              hecEndpointType: 'Raw',
              s3BackupMode: 'FailedEventsOnly',
              s3Configuration,
              secretsManagerConfiguration: secrets,
              cloudWatchLoggingOptions: logging,
            },
          }
        : {
            httpEndpointDestinationConfiguration: {
              endpointConfiguration: { url: props.endpoint, name: 'siem' },
              roleArn: role.roleArn,
              s3BackupMode: 'FailedDataOnly',
              s3Configuration,
              secretsManagerConfiguration: secrets,
              requestConfiguration: { contentEncoding: 'GZIP' },
              cloudWatchLoggingOptions: logging,
            },
          }),
    });
    cfn.node.addDependency(role);
    this.stream = firehose.DeliveryStream.fromDeliveryStreamAttributes(this, 'Imported', {
      deliveryStreamName: cfn.ref,
      deliveryStreamArn: Stack.of(this).formatArn({
        service: 'firehose',
        resource: 'deliverystream',
        resourceName: cfn.ref,
      }),
    });
  }
}
