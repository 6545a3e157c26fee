/**
 * The deployed exporter's AWS side: notices from SQS (EventBridge's S3 "Object Created" events),
 * archive objects from S3, and lake objects written through each custom source's provider role,
 * assumed with STS and the external id (a Firehose stream cannot do that: it assumes only roles
 * that trust firehose.amazonaws.com, while the provider role trusts the log provider's account).
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import * as z from 'zod';
import type { ArchiveObjects, Notice, NoticeQueue } from './drain.ts';
import type { LakeSink } from './export.ts';

/** The EventBridge event S3 sends for a new object (S3 User Guide, "EventBridge event message structure"). */
const objectCreated = z.object({
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string().min(1), size: z.number().int().nonnegative().default(0) }),
  }),
});

/**
 * S3's own event notifications URL-encode keys; whether EventBridge's do is not settled by the
 * documentation we could check. Archive keys are Firehose's (`events/vendor=…/dt=…/<name>.gz`):
 * they hold no `%` and no `+`, so a `%` can only mean an encoded key.
 */
export function objectKey(raw: string): string {
  return raw.includes('%') ? decodeURIComponent(raw.replace(/\+/g, ' ')) : raw;
}

/** One SQS message body as a notice of `bucket`'s objects. */
export function parseNotice(handle: string, body: string | undefined, bucket: string): Notice {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return { handle, size: 0, problem: 'the body is not JSON' };
  }
  const parsed = objectCreated.safeParse(json);
  if (!parsed.success)
    return { handle, size: 0, problem: `not an S3 "Object Created" event: ${parsed.error.issues[0]?.message ?? ''}` };
  const { bucket: from, object } = parsed.data.detail;
  if (from.name !== bucket)
    return { handle, size: 0, problem: `an object of bucket ${from.name}, not of the archive ${bucket}` };
  return { handle, key: objectKey(object.key), size: object.size };
}

/** SQS batch calls answer per entry: any entry that failed fails the call here, naming them. */
function checkBatch(
  what: string,
  out: { Failed?: Array<{ Id?: string | undefined; Message?: string | undefined }> | undefined },
): void {
  if (out.Failed?.length)
    throw new Error(
      `SQS ${what}: ${out.Failed.length} entries failed (${out.Failed.map((f) => `${f.Id}: ${f.Message}`).join('; ')})`,
    );
}

/** Chunks of at most 10, the most an SQS batch call takes. */
function tens<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += 10) out.push(items.slice(i, i + 10));
  return out;
}

/** The notice queue over SQS. */
export function sqsNoticeQueue(sqs: Pick<SQSClient, 'send'>, queueUrl: string, archiveBucket: string): NoticeQueue {
  return {
    async receive(max) {
      // A short wait makes SQS ask all its servers, so an empty answer means an empty queue.
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: 2 }),
      );
      return (out.Messages ?? []).map((m) => parseNotice(m.ReceiptHandle ?? '', m.Body, archiveBucket));
    },
    async remove(handles) {
      for (const chunk of tens(handles)) {
        checkBatch(
          'DeleteMessageBatch',
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((h, i) => ({ Id: String(i), ReceiptHandle: h })),
            }),
          ),
        );
      }
    },
    async release(handles) {
      for (const chunk of tens(handles)) {
        const entries = chunk.map((h, i) => ({ Id: String(i), ReceiptHandle: h, VisibilityTimeout: 0 }));
        checkBatch(
          'ChangeMessageVisibilityBatch',
          await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
        );
      }
    },
  };
}

/** Archive objects by key. */
export function s3ArchiveObjects(s3: Pick<S3Client, 'send'>, bucket: string): ArchiveObjects {
  return {
    async get(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new Error(`s3://${bucket}/${key}: empty response body`);
      return out.Body.transformToByteArray();
    },
  };
}

export interface AssumedRoleSinkOptions {
  readonly sts: Pick<STSClient, 'send'>;
  /** The Security Lake bucket. */
  readonly bucket: string;
  /** The provider role's ARN; `{source}` in it stands for the custom source name. */
  readonly roleArn: string;
  readonly externalId: string;
  /** An S3 client for a set of credentials. @default a new S3Client */
  readonly s3For?: (credentials: () => Promise<TemporaryCredentials>) => Pick<S3Client, 'send'>;
}

export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** The provider role of a custom source. */
export function providerRoleArn(template: string, source: string): string {
  return template.replaceAll('{source}', source);
}

/**
 * Writes each source's objects through that source's provider role. The objects must land in a
 * bucket of the role's own account (`ExpectedBucketOwner`), so a bucket of the same name in
 * someone else's account never receives them.
 */
export function assumedRoleLakeSink(options: AssumedRoleSinkOptions): LakeSink {
  const clients = new Map<string, Pick<S3Client, 'send'>>();
  const s3For = options.s3For ?? ((credentials) => new S3Client({ credentials }));
  const clientFor = (roleArn: string): Pick<S3Client, 'send'> => {
    let client = clients.get(roleArn);
    if (!client) {
      // The SDK calls this again shortly before `expiration`.
      client = s3For(async () => {
        const out = await options.sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: 'audit-pump-lake-export',
            ExternalId: options.externalId,
            DurationSeconds: 3600,
          }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
          throw new Error(`sts:AssumeRole ${roleArn}: no credentials in the answer`);
        return {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: c.Expiration,
        };
      });
      clients.set(roleArn, client);
    }
    return client;
  };
  return {
    async put(source, key, bytes) {
      const roleArn = providerRoleArn(options.roleArn, source);
      const owner = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(roleArn)?.[1];
      await clientFor(roleArn).send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: key,
          Body: bytes,
          ContentType: 'application/vnd.apache.parquet',
          ...(owner ? { ExpectedBucketOwner: owner } : {}),
        }),
      );
    },
  };
}
