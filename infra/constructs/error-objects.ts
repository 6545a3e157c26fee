import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { nag } from '../nag.ts';

export interface ErrorObjectsProps {
  /** The bucket, with its EventBridge notifications on (ArchiveBucket turns them on). */
  readonly bucket: s3.IBucket;
  /** Key prefix of the objects to watch. */
  readonly prefix: string;
  readonly key: kms.IKey;
}

/**
 * Notices of new objects under a prefix of the archive bucket: S3's "Object Created" events, matched
 * by an EventBridge rule and kept in a queue (bucket and key of each, 14 days) for whoever answers
 * the alarm, whose metric is the rule's Invocations. Firehose writes records it could not process
 * or partition under `errors/`, and what the SIEM refused under `siem-failed/`: neither may go
 * unnoticed, and no Firehose metric counts them.
 */
export class ErrorObjects extends Construct {
  readonly rule: events.Rule;
  readonly notices: sqs.Queue;

  constructor(scope: Construct, id: string, props: ErrorObjectsProps) {
    super(scope, id);
    this.notices = new sqs.Queue(this, 'Notices', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    nag.ack(
      this.notices,
      'A notice board read by people answering the alarm (which objects appeared); nothing consumes it, so no message can fail to be processed.',
      'AwsSolutions-SQS3',
    );
    this.rule = new events.Rule(this, 'Rule', {
      description: `audit-pump: new objects under ${props.prefix} in the archive bucket`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.bucket.bucketName] }, object: { key: [{ prefix: props.prefix }] } },
      },
      targets: [new eventTargets.SqsQueue(this.notices)],
    });
  }

  /** New notices in the period: the rule invoked its target. */
  metric(): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'Invocations',
      dimensionsMap: { RuleName: this.rule.ruleName },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }
}
