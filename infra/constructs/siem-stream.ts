import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface SiemStreamProps {
  /** Splunk HEC (event endpoint) or a generic HTTP endpoint. */
  readonly type: 'splunk' | 'http';
  /** The HEC URL or HTTP endpoint URL. */
  readonly endpoint: string;
  /** Secrets Manager secret holding the HEC token / endpoint access key (Firehose reads it itself). */
  readonly secretName: string;
  /** Failed deliveries are backed up here, under `siem-failed/`. */
  readonly backupBucket: s3.IBucket;
  readonly key: kms.IKey;
}

/**
 * The optional SIEM stream: the same records as the archive, delivered to Splunk HEC or an HTTP
 * endpoint. Credentials come from Secrets Manager (never in the template); what the SIEM refuses
 * after Firehose's retries lands in the backup bucket instead of being lost.
 */
export class SiemStream extends Construct {
  readonly stream: firehose.IDeliveryStream;

  constructor(scope: Construct, id: string, props: SiemStreamProps) {
    super(scope, id);
    const secret = secretsmanager.Secret.fromSecretNameV2(this, 'Secret', props.secretName);
    const logGroup = new logs.LogGroup(this, 'DeliveryLogs', { retention: logs.RetentionDays.THREE_MONTHS, encryptionKey: props.key });
    const logStream = new logs.LogStream(this, 'DeliveryLogStream', { logGroup });
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com') });
    props.backupBucket.grantPut(role, 'siem-failed/*');
    props.key.grantEncryptDecrypt(role);
    secret.grantRead(role);
    logGroup.grantWrite(role);
    const s3Configuration: firehose.CfnDeliveryStream.S3DestinationConfigurationProperty = {
      bucketArn: props.backupBucket.bucketArn,
      roleArn: role.roleArn,
      prefix: 'siem-failed/',
      errorOutputPrefix: 'siem-failed-errors/',
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
              hecEndpointType: 'Event',
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
      deliveryStreamArn: Stack.of(this).formatArn({ service: 'firehose', resource: 'deliverystream', resourceName: cfn.ref }),
    });
  }
}
