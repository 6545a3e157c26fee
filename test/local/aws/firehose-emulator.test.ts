import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  InvalidArgumentException,
  PutRecordBatchCommand,
  PutRecordCommand,
  ResourceNotFoundException,
  ServiceUnavailableException,
  type PutRecordBatchCommandOutput,
} from '@aws-sdk/client-firehose';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LOCAL_AWS } from '../../../local/aws/dynamo.ts';
import {
  startFirehoseEmulator,
  type FirehoseEmulator,
  type FirehoseEmulatorOptions,
} from '../../../local/aws/firehose-emulator.ts';

const STREAM = 'audit-archive';
const PREFIX = 'events/vendor=!{partitionKeyFromQuery:vendor}/dt=!{partitionKeyFromQuery:dt}/';
const ERROR_PREFIX = 'errors/!{firehose:error-output-type}/';
const NOV_2 = Date.UTC(2026, 10, 2, 13, 0, 0);
const NOV_3 = Date.UTC(2026, 10, 3, 0, 0, 1);
const OBJECT_NAME = new RegExp(`^${STREAM}-1-\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9a-f-]{36}\\.gz$`);

let dir: string;
let emulator: FirehoseEmulator;
let client: FirehoseClient;

async function start(options: Partial<FirehoseEmulatorOptions> = {}): Promise<void> {
  emulator = await startFirehoseEmulator({
    archiveDir: dir,
    streams: { [STREAM]: { prefix: PREFIX, errorOutputPrefix: ERROR_PREFIX } },
    ...options,
  });
  client = new FirehoseClient({ ...LOCAL_AWS, endpoint: emulator.endpoint, maxAttempts: 1 });
}

function event(vendor: string, time: number, n: number): Uint8Array {
  return Buffer.from(
    `${JSON.stringify({ time, message: `event ${n}`, metadata: { log_provider: vendor, log_name: `${vendor}-main` } })}\n`,
  );
}

function put(records: Uint8Array[], stream = STREAM): Promise<PutRecordBatchCommandOutput> {
  return client.send(
    new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: records.map((Data) => ({ Data })) }),
  );
}

/** Every object under the archive, relative path → gunzipped content. */
async function archive(): Promise<Map<string, Buffer>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
  const out = new Map<string, Buffer>();
  for (const f of files) {
    const path = join(f.parentPath, f.name);
    out.set(path.slice(dir.length + 1), gunzipSync(await readFile(path)));
  }
  return out;
}

function under(objects: Map<string, Buffer>, prefix: string): Buffer[] {
  return [...objects].filter(([key]) => key.startsWith(prefix)).map(([, body]) => body);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firehose-emulator-'));
});

afterEach(async () => {
  client?.destroy();
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Firehose emulator delivery', () => {
  it('archives accepted records byte for byte under their vendor= and dt= keys', async () => {
    await start();
    const records = [event('veza', NOV_2, 1), event('veza', NOV_2 + 1, 2), event('veza', NOV_2 + 2, 3)];

    const out = await put(records);
    await emulator.flush();

    expect(out.FailedPutCount).toBe(0);
    expect(out.Encrypted).toBe(false);
    const objects = await archive();
    expect([...objects.keys()]).toHaveLength(1);
    const [key, body] = [...objects][0] as [string, Buffer];
    expect(key.startsWith('events/vendor=veza/dt=2026-11-02/')).toBe(true);
    expect(key.split('/').pop()).toMatch(OBJECT_NAME);
    expect(body.equals(Buffer.concat(records))).toBe(true);
    expect(emulator.stats).toMatchObject({ calls: 1, recordsAccepted: 3, recordsFailed: 0, objectsWritten: 1 });
  });

  it('writes one object per vendor and date', async () => {
    await start();
    const [a, b, c, d] = [
      event('veza', NOV_2, 1),
      event('veza', NOV_3, 2),
      event('nected', NOV_2, 3),
      event('veza', NOV_2, 4),
    ];

    await put([a, b, c, d] as Uint8Array[]);
    await emulator.flush();

    const objects = await archive();
    expect(objects.size).toBe(3);
    expect(under(objects, 'events/vendor=veza/dt=2026-11-02/')).toEqual([Buffer.concat([a, d] as Uint8Array[])]);
    expect(under(objects, 'events/vendor=veza/dt=2026-11-03/')).toEqual([Buffer.from(b as Uint8Array)]);
    expect(under(objects, 'events/vendor=nected/dt=2026-11-02/')).toEqual([Buffer.from(c as Uint8Array)]);
  });

  it('sends a record that cannot be partitioned to the error prefix with its raw data', async () => {
    await start();
    const notJson = Buffer.from('not json\n');
    const noVendor = Buffer.from('{"time":1790000000000}\n');

    const out = await put([notJson, noVendor]);
    await emulator.flush();

    expect(out.FailedPutCount).toBe(0);
    const [errors, ...rest] = under(await archive(), 'errors/partitioning-failed/');
    expect(rest).toHaveLength(0);
    const lines = (errors as Buffer)
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => Buffer.from(l.rawData as string, 'base64'))).toEqual([notJson, noVendor]);
    expect(lines[0]).toMatchObject({
      errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
      errorMessage: 'Non JSON record provided',
    });
  });

  it('accepts PutRecord and delivers any bytes under a timestamp-only prefix, uncompressed', async () => {
    await start({
      streams: {
        raw: { prefix: 'raw/!{timestamp:yyyy}/', errorOutputPrefix: 'raw-errors/', compression: 'UNCOMPRESSED' },
      },
    });
    const year = new Date().getUTCFullYear();

    const out = await client.send(
      new PutRecordCommand({ DeliveryStreamName: 'raw', Record: { Data: Buffer.from('not json\n') } }),
    );
    await emulator.stop();

    expect(out).toMatchObject({ RecordId: expect.stringMatching(/^\d{56}$/), Encrypted: false });
    const files = await readdir(join(dir, 'raw', String(year)));
    expect(files).toEqual([expect.stringMatching(/^raw-1-.*[0-9a-f]$/)]);
    // No partition keys in the prefix: nothing is parsed, so any bytes are delivered as sent.
    expect(await readFile(join(dir, 'raw', String(year), files[0] as string), 'utf8')).toBe('not json\n');
  });

  it('writes a buffer once it reaches bufferBytes or bufferIntervalMs, without flush', async () => {
    await start({ bufferBytes: 200, bufferIntervalMs: 100 });

    await put([event('veza', NOV_2, 1), event('veza', NOV_2, 2)]);
    await put([event('nected', NOV_2, 3)]);
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(under(await archive(), 'events/vendor=veza/')).toHaveLength(1);
    expect(under(await archive(), 'events/vendor=nected/')).toHaveLength(1);
  });

  it('describes a stream as ACTIVE with its name and ARN', async () => {
    await start();

    const out = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: STREAM }));

    expect(out.DeliveryStreamDescription).toMatchObject({
      DeliveryStreamName: STREAM,
      DeliveryStreamARN: `arn:aws:firehose:us-east-1:123456789012:deliverystream/${STREAM}`,
      DeliveryStreamStatus: 'ACTIVE',
      HasMoreDestinations: false,
    });
    expect(out.DeliveryStreamDescription?.CreateTimestamp).toBeInstanceOf(Date);
  });
});

describe('Firehose emulator limits', () => {
  it('rejects 501 records with InvalidArgumentException', async () => {
    await start();

    const call = put(Array.from({ length: 501 }, (_, n) => event('veza', NOV_2, n)));

    await expect(call).rejects.toBeInstanceOf(InvalidArgumentException);
    expect(emulator.stats.recordsAccepted).toBe(0);
  });

  it('rejects a record over 1,000 KiB but accepts one of exactly 1,000 KiB', async () => {
    await start();

    const over = put([event('veza', NOV_2, 1), Buffer.alloc(1000 * 1024 + 1, 0x61)]);
    const exact = put([Buffer.alloc(1000 * 1024, 0x61)]);

    await expect(over).rejects.toBeInstanceOf(InvalidArgumentException);
    await expect(exact).resolves.toMatchObject({ FailedPutCount: 0 });
  });

  it('rejects a batch over 4 MiB with InvalidArgumentException', async () => {
    await start();

    const call = put(Array.from({ length: 5 }, () => Buffer.alloc(1000 * 1024, 0x61)));

    await expect(call).rejects.toBeInstanceOf(InvalidArgumentException);
  });

  it('answers ResourceNotFoundException for an unknown stream', async () => {
    await start();

    await expect(put([event('veza', NOV_2, 1)], 'nope')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('Firehose emulator faults', () => {
  it('fails the next entries in request order and leaves them out of the archive', async () => {
    await start({ faults: { failNextRecords: 2 } });
    const records = [1, 2, 3].map((n) => event('veza', NOV_2, n));

    const out = await put(records);
    await emulator.flush();

    expect(out.FailedPutCount).toBe(2);
    expect(out.RequestResponses?.map((r) => r.ErrorCode ?? 'ok')).toEqual([
      'ServiceUnavailableException',
      'ServiceUnavailableException',
      'ok',
    ]);
    expect(out.RequestResponses?.[0]?.ErrorMessage).toBe('Slow down.');
    expect(out.RequestResponses?.[2]?.RecordId).toBeDefined();
    expect(under(await archive(), 'events/')).toEqual([Buffer.from(records[2] as Uint8Array)]);
    expect(emulator.stats).toMatchObject({ recordsAccepted: 1, recordsFailed: 2 });
  });

  it('fails a seeded share of entries and archives exactly the others', async () => {
    await start({ seed: 7, faults: { recordFailureRate: 0.5 } });
    const records = Array.from({ length: 40 }, (_, n) => event('veza', NOV_2, n));

    const out = await put(records);
    await emulator.flush();

    const kept = records.filter((_, i) => out.RequestResponses?.[i]?.RecordId !== undefined);
    expect(out.FailedPutCount).toBe(records.length - kept.length);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(35);
    expect(under(await archive(), 'events/')).toEqual([Buffer.concat(kept)]);
  });

  it('throttles the next calls with ServiceUnavailableException (HTTP 503), then recovers', async () => {
    await start();
    emulator.faults.throttleNextCalls = 1;

    const throttled = await put([event('veza', NOV_2, 1)]).catch((error: unknown) => error);
    const next = await put([event('veza', NOV_2, 2)]);

    expect(throttled).toBeInstanceOf(ServiceUnavailableException);
    expect((throttled as ServiceUnavailableException).$metadata.httpStatusCode).toBe(503);
    expect(next.FailedPutCount).toBe(0);
    expect(emulator.stats).toMatchObject({ calls: 2, throttled: 1, recordsAccepted: 1 });
  });

  it('drops the connection without answering, then recovers', async () => {
    await start({ faults: { dropConnectionNextCalls: 1 } });

    await expect(put([event('veza', NOV_2, 1)])).rejects.toThrow();
    await expect(put([event('veza', NOV_2, 2)])).resolves.toMatchObject({ FailedPutCount: 0 });
    expect(emulator.stats.recordsAccepted).toBe(1);
  });
});
