import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ArchiveBucketProps {
  readonly key: kms.IKey;
  /** Object Lock retention (compliance mode) in days, for audit immutability. @default no Object Lock */
  readonly objectLockDays?: number;
  /** Days before objects move to Glacier Instant Retrieval. @default 90 */
  readonly coldAfterDays?: number;
  /** Days before objects expire; 0 keeps them forever. @default 0 */
  readonly expireAfterDays?: number;
}

/** An encrypted, private, TLS-only, versioned bucket with access logs and a lifecycle. */
export class ArchiveBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    if (props.expireAfterDays && props.objectLockDays && props.expireAfterDays < props.objectLockDays) {
      throw new Error(`ArchiveBucket: expireAfterDays (${props.expireAfterDays}) must not be shorter than objectLockDays (${props.objectLockDays})`);
    }
    // S3 server access logs cannot be delivered to a KMS-CMK bucket: this one uses SSE-S3.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const cold = props.coldAfterDays ?? 90;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'archive/',
      ...(props.objectLockDays
        ? { objectLockEnabled: true, objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.objectLockDays)) }
        : {}),
      lifecycleRules: [
        {
          id: 'colder-storage',
          transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(cold) }],
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          ...(props.expireAfterDays ? { expiration: Duration.days(props.expireAfterDays) } : {}),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
