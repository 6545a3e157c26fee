import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { nag } from '../nag.ts';
import { ServiceRole } from './service-role.ts';

export interface FirehoseS3RoleProps {
  readonly bucket: s3.IBucket;
  /** The bucket's KMS key. */
  readonly key: kms.IKey;
  /** Key prefixes this stream writes (its records and its error output); nothing else. */
  readonly prefixes: readonly string[];
}

/** The static part of a Firehose prefix: up to its first `!{...}` expression. */
export function staticPrefix(prefix: string): string {
  const at = prefix.indexOf('!{');
  return at < 0 ? prefix : prefix.slice(0, at);
}

/**
 * The role a Firehose stream writes to S3 with: exactly the actions the Firehose developer guide
 * lists for an S3 destination ("Grant Firehose access to an Amazon S3 destination": AbortMultipartUpload,
 * GetBucketLocation, GetObject, ListBucket, ListBucketMultipartUploads, PutObject), object actions
 * under this stream's own prefixes only, and the bucket key only through S3 for this bucket. No
 * delete: the CDK's generic grantReadWrite (s3:DeleteObject*, s3:List* on the whole bucket) is not used.
 */
export class FirehoseS3Role extends ServiceRole {
  constructor(scope: Construct, id: string, props: FirehoseS3RoleProps) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: 'audit-pump Firehose: write its own prefixes of the archive',
    });
    const { stack } = this;
    const { bucket } = props;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Bucket',
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucket.bucketArn],
      }),
    );
    const objects = props.prefixes.map((p) => bucket.arnForObjects(`${p}*`));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnPrefixes',
        actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        resources: objects,
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'BucketKeyViaS3',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.key.keyArn],
        // With an S3 Bucket Key the encryption context is the bucket's ARN, without one the object's.
        conditions: {
          StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucket.bucketArn, ...objects] },
        },
      }),
    );
    const bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    nag.ack(
      this.role,
      'Firehose writes objects under generated keys (partitions, timestamps, random suffixes) below its own prefixes, and only there.',
      ...props.prefixes.map((p) => `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${p}*]`),
    );
  }
}
