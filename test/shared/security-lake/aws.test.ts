/**
 * The exporter's AWS adapters, against aws-sdk-client-mock: notices read from EventBridge's S3
 * events (keys decoded when encoded, strangers refused with the reason), SQS batch failures
 * surfaced, and lake objects written through each source's own provider role, assumed with the
 * external id, into a bucket of the role's account only.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import {
  assumedRoleLakeSink,
  objectKey,
  parseNotice,
  providerRoleArn,
  s3ArchiveObjects,
  sqsNoticeQueue,
} from '../../../shared/security-lake/aws.ts';

const ARCHIVE = 'pump-archive';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/notices';
const ROLE = 'arn:aws:iam::111122223333:role/AmazonSecurityLake-Provider-{source}-eu-west-1';
const body = (key: string, bucket = ARCHIVE) =>
  JSON.stringify({
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { bucket: { name: bucket }, object: { key, size: 1234 } },
  });

const sqs = mockClient(SQSClient);
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
afterEach(() => {
  sqs.reset();
  sts.reset();
  s3.reset();
});

describe('parseNotice', () => {
  it('reads the key and size of an S3 "Object Created" event of the archive', () => {
    expect(parseNotice('h', body('events/vendor=veza/dt=2026-11-20/a.gz'), ARCHIVE)).toEqual({
      handle: 'h',
      key: 'events/vendor=veza/dt=2026-11-20/a.gz',
      size: 1234,
    });
  });

  it('decodes a URL-encoded key, as S3 notifications write them', () => {
    expect(objectKey('events/vendor%3Dveza/dt%3D2026-11-20/a.gz')).toBe('events/vendor=veza/dt=2026-11-20/a.gz');
  });

  it('says why a message is no notice: not JSON, another event, another bucket', () => {
    expect(parseNotice('h', 'nope', ARCHIVE).problem).toBe('the body is not JSON');
    expect(parseNotice('h', JSON.stringify({ 'detail-type': 'Object Deleted' }), ARCHIVE).problem).toMatch(
      /^not an S3 "Object Created" event/,
    );
    expect(parseNotice('h', body('events/a.gz', 'elsewhere'), ARCHIVE).problem).toBe(
      'an object of bucket elsewhere, not of the archive pump-archive',
    );
  });
});

describe('sqsNoticeQueue', () => {
  it('receives with a short wait, so an empty answer means an empty queue', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [{ ReceiptHandle: 'r1', Body: body('events/a.gz') }] });

    const notices = await sqsNoticeQueue(sqs as unknown as SQSClient, QUEUE, ARCHIVE).receive(10);

    expect(notices).toEqual([{ handle: 'r1', key: 'events/a.gz', size: 1234 }]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 2,
    });
  });

  it('removes in batches of ten and fails when SQS reports a failed entry', async () => {
    sqs
      .on(DeleteMessageBatchCommand)
      .resolvesOnce({})
      .resolvesOnce({ Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'expired' }] });
    const queue = sqsNoticeQueue(sqs as unknown as SQSClient, QUEUE, ARCHIVE);

    await expect(queue.remove(Array.from({ length: 11 }, (_, i) => `r${i}`))).rejects.toThrow(
      'SQS DeleteMessageBatch: 1 entries failed (0: expired)',
    );
    expect(sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([10, 1]);
  });

  it('releases by making the notices visible again at once', async () => {
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    await sqsNoticeQueue(sqs as unknown as SQSClient, QUEUE, ARCHIVE).release(['r1']);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'r1', VisibilityTimeout: 0 },
    ]);
  });
});

describe('s3ArchiveObjects', () => {
  it('reads an archive object by key', async () => {
    s3.on(GetObjectCommand, { Bucket: ARCHIVE, Key: 'events/a.gz' }).resolves({
      Body: { transformToByteArray: async () => new Uint8Array([1, 2]) } as never,
    });
    expect(await s3ArchiveObjects(s3 as unknown as S3Client, ARCHIVE).get('events/a.gz')).toEqual(
      new Uint8Array([1, 2]),
    );
  });
});

describe('assumedRoleLakeSink', () => {
  const credentials = {
    AccessKeyId: 'AKIA',
    SecretAccessKey: 'secret',
    SessionToken: 'token',
    Expiration: new Date(Date.now() + 3_600_000),
  };

  it("writes each source through its own provider role, assumed with the external id, into a bucket of the role's account", async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves({ Credentials: credentials });
    s3.on(PutObjectCommand).resolves({});
    const seen: string[] = [];
    const sink = assumedRoleLakeSink({
      sts: sts as unknown as STSClient,
      bucket: 'aws-security-data-lake-eu-west-1-x',
      roleArn: ROLE,
      externalId: 'ext-42',
      s3For: (provider) =>
        ({
          send: async (command: PutObjectCommand) => {
            seen.push((await provider()).accessKeyId);
            return s3.send(command as never);
          },
        }) as never,
    });

    // Act
    await sink.put('audit-pump-6003', 'ext/audit-pump-6003/k.parquet', new Uint8Array([1]));
    await sink.put('audit-pump-3002', 'ext/audit-pump-3002/k.parquet', new Uint8Array([2]));

    // Assess
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      {
        RoleArn: providerRoleArn(ROLE, 'audit-pump-6003'),
        RoleSessionName: 'audit-pump-lake-export',
        ExternalId: 'ext-42',
        DurationSeconds: 3600,
      },
      {
        RoleArn: 'arn:aws:iam::111122223333:role/AmazonSecurityLake-Provider-audit-pump-3002-eu-west-1',
        RoleSessionName: 'audit-pump-lake-export',
        ExternalId: 'ext-42',
        DurationSeconds: 3600,
      },
    ]);
    expect(seen).toEqual(['AKIA', 'AKIA']);
    expect(s3.commandCalls(PutObjectCommand).map((c) => ({ ...c.args[0].input, Body: undefined }))).toEqual([
      {
        Bucket: 'aws-security-data-lake-eu-west-1-x',
        Key: 'ext/audit-pump-6003/k.parquet',
        ContentType: 'application/vnd.apache.parquet',
        ExpectedBucketOwner: '111122223333',
        Body: undefined,
      },
      {
        Bucket: 'aws-security-data-lake-eu-west-1-x',
        Key: 'ext/audit-pump-3002/k.parquet',
        ContentType: 'application/vnd.apache.parquet',
        ExpectedBucketOwner: '111122223333',
        Body: undefined,
      },
    ]);
  });

  it('fails the write when the role cannot be assumed', async () => {
    sts.on(AssumeRoleCommand).rejects(new Error('AccessDenied: not authorized to perform sts:AssumeRole'));
    const sink = assumedRoleLakeSink({
      sts: sts as unknown as STSClient,
      bucket: 'lake',
      roleArn: ROLE,
      externalId: 'ext-42',
      s3For: (provider) => ({ send: async () => provider() }) as never,
    });

    await expect(sink.put('audit-pump-6003', 'k', new Uint8Array())).rejects.toThrow(
      'not authorized to perform sts:AssumeRole',
    );
  });
});
