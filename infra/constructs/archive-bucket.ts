import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ConfigError } from '../../shared/errors.ts';

export interface ArchiveBucketProps {
  readonly key: kms.IKey;
  /** Object Lock retention (compliance mode) in days, for audit immutability. @default no Object Lock */
  readonly objectLockDays?: number;
  /** Days before objects move to Glacier Instant Retrieval. @default 90 */
  readonly coldAfterDays?: number;
  /** Days before objects expire; 0 keeps them forever. @default 0 */
  readonly expireAfterDays?: number;
  /** The only principal that may delete objects or change the bucket's policy or lifecycle. @default none */
  readonly breakGlassRoleArn?: string;
}

/** What nobody but the break-glass role may do to the archive: delete it, or lift what protects it. */
export const GUARDED_OBJECT_ACTIONS = ['s3:DeleteObject', 's3:DeleteObjectVersion'];
export const GUARDED_BUCKET_ACTIONS = ['s3:PutLifecycleConfiguration', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'];

/**
 * An encrypted, private, TLS-only, versioned bucket with access logs and a lifecycle, whose policy
 * denies deleting objects and changing that policy or the lifecycle to every principal
 * but an optional break-glass role. Versions expire 30 days after they stop being current, so a
 * deletion would otherwise become permanent a month later. S3's own lifecycle expiry is no principal
 * and still applies. The account's root user can always change a bucket policy (S3's lock-out rescue).
 */
export class ArchiveBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    if (props.expireAfterDays && props.objectLockDays && props.expireAfterDays < props.objectLockDays) {
      throw new ConfigError(
        `archiveExpireAfterDays (${props.expireAfterDays}) must not be shorter than objectLockDays (${props.objectLockDays})`,
      );
    }
    // S3 server access logs cannot be delivered to a KMS-CMK bucket: this one uses SSE-S3. Log delivery
    // is granted by bucket policy (ACLs are disabled: bucket owner enforced).
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'archive/',
      ...(props.objectLockDays
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.objectLockDays)),
          }
        : {}),
      lifecycleRules: [
        {
          id: 'colder-storage',
          transitions: [
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(props.coldAfterDays ?? 90),
            },
          ],
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          ...(props.expireAfterDays ? { expiration: Duration.days(props.expireAfterDays) } : {}),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.guard(props.breakGlassRoleArn);
    // S3 sends its object events to EventBridge, where the monitoring watches for Firehose's error objects.
    (this.bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride(
      'NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled',
      true,
    );
  }

  private guard(breakGlassRoleArn: string | undefined): void {
    const except = breakGlassRoleArn ? { conditions: { ArnNotEquals: { 'aws:PrincipalArn': breakGlassRoleArn } } } : {};
    const everyone = [new iam.AnyPrincipal()];
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ArchiveObjectsAreNeverDeleted',
        effect: iam.Effect.DENY,
        principals: everyone,
        actions: GUARDED_OBJECT_ACTIONS,
        resources: [this.bucket.arnForObjects('*')],
        ...except,
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ArchiveGuardIsNeverLifted',
        effect: iam.Effect.DENY,
        principals: everyone,
        actions: GUARDED_BUCKET_ACTIONS,
        resources: [this.bucket.bucketArn],
        ...except,
      }),
    );
  }
}
