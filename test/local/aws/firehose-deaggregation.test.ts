/**
 * The Firehose emulator's processors, as the deployed streams configure them: multi-record
 * deaggregation (JSON, or DELIMITED by a custom delimiter; at most 500 sub-records a record), the
 * appended newline, and billing counters (each record rounded up to 5 KB).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FirehoseClient, PutRecordBatchCommand, DescribeDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_AWS } from '../../../local/aws/dynamo.ts';
import { readArchive } from '../../../local/query/archive-reader.ts';
import {
  BILLING_INCREMENT_BYTES,
  billedBytes,
  startFirehoseEmulator,
  type FirehoseEmulator,
} from '../../../local/aws/firehose-emulator.ts';
import { MAX_SUB_RECORDS, appendDelimiter, deaggregate } from '../../../local/aws/firehose-processors.ts';
import { validateStreamConfig } from '../../../local/aws/firehose-writer.ts';

const NOV_20 = Date.UTC(2026, 10, 20);
const PREFIX = 'events/vendor=!{partitionKeyFromQuery:vendor}/dt=!{partitionKeyFromQuery:dt}/';
const ERRORS = 'errors/!{firehose:error-output-type}/';
const texts = (parts: Buffer[] | { error: string }): string[] | { error: string } =>
  Array.isArray(parts) ? parts.map((p) => p.toString('utf8')) : parts;

describe('deaggregate (JSON)', () => {
  it('splits newline-delimited and back-to-back objects, whatever their strings hold', () => {
    // Prepare: braces, quotes, escaped quotes and backslashes inside strings; multi-byte characters.
    const a = '{"m":"}{\\"\\\\","n":{"x":[1,{"y":"]"}]}}';
    const b = '{"m":"é ✓ 𝄞"}';

    // Act / Assess
    expect(texts(deaggregate(Buffer.from(`${a}\n${b}\n`), { type: 'JSON' }))).toEqual([a, b]);
    expect(texts(deaggregate(Buffer.from(`${a}${b}`), { type: 'JSON' }))).toEqual([a, b]);
    expect(texts(deaggregate(Buffer.from(` \r\n${a}\t\n`), { type: 'JSON' }))).toEqual([a]);
  });

  it.each([
    ['an array of objects', '[{"a":1},{"a":2}]'],
    ['a bare value', '{"a":1}\n42\n'],
    ['an unterminated object', '{"a":1}\n{"a":"2}\n'],
  ])('refuses %s, as Firehose documents', (_name, input) => {
    expect(deaggregate(Buffer.from(input), { type: 'JSON' })).toEqual({
      error: expect.stringMatching(/RecordDeAggregation/),
    });
  });

  it('deaggregates at most 500 sub-records from one record', () => {
    const line = '{"a":1}\n';

    expect(deaggregate(Buffer.from(line.repeat(MAX_SUB_RECORDS)), { type: 'JSON' })).toHaveLength(500);
    expect(deaggregate(Buffer.from(line.repeat(MAX_SUB_RECORDS + 1)), { type: 'JSON' })).toEqual({
      error: expect.stringMatching(/501 sub-records/),
    });
  });
});

describe('deaggregate (DELIMITED) and appendDelimiter', () => {
  it('splits on the delimiter, dropping empty pieces, and appends one newline', () => {
    expect(texts(deaggregate(Buffer.from('a####b####'), { type: 'DELIMITED', delimiter: '####' }))).toEqual(['a', 'b']);
    expect(appendDelimiter(Buffer.from('{"a":1}')).toString()).toBe('{"a":1}\n');
  });

  it('needs dynamic partitioning and a delimiter, as CreateDeliveryStream does', () => {
    expect(() =>
      validateStreamConfig('s', { prefix: 'flat/', errorOutputPrefix: 'e/', deaggregation: { type: 'JSON' } }),
    ).toThrow(/dynamic partitioning/);
    expect(() =>
      validateStreamConfig('s', {
        prefix: PREFIX,
        errorOutputPrefix: ERRORS,
        deaggregation: { type: 'DELIMITED', delimiter: '' },
      }),
    ).toThrow(/delimiter/);
    expect(() =>
      validateStreamConfig('s', {
        prefix: PREFIX,
        errorOutputPrefix: ERRORS,
        deaggregation: { type: 'JSON' },
        appendDelimiter: true,
      }),
    ).not.toThrow();
  });
});

describe('Firehose emulator with a deaggregating stream', () => {
  let dir: string;
  let emulator: FirehoseEmulator;
  let client: FirehoseClient;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firehose-deagg-'));
    emulator = await startFirehoseEmulator({
      archiveDir: dir,
      streams: {
        s: { prefix: PREFIX, errorOutputPrefix: ERRORS, deaggregation: { type: 'JSON' }, appendDelimiter: true },
      },
    });
    client = new FirehoseClient({ ...LOCAL_AWS, endpoint: emulator.endpoint, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const event = (vendor: string, day: number): string =>
    JSON.stringify({ time: NOV_20 + day * 86_400_000, metadata: { log_provider: vendor } });

  it('partitions every sub-record on its own, sends the unpartitionable ones to errors, and bills the record', async () => {
    // Prepare: one record of four events: two vendors, two days, one without a vendor.
    const data = Buffer.from([event('veza', 0), event('nected', 0), event('veza', 1), '{"time":1}'].join('\n') + '\n');

    // Act
    await client.send(new PutRecordBatchCommand({ DeliveryStreamName: 's', Records: [{ Data: data }] }));
    await emulator.flush();

    // Assess
    const keys = (await readArchive(dir)).map((a) => a.key.split('/').slice(0, 3).join('/')).sort();
    expect(keys).toEqual([
      'events/vendor=nected/dt=2026-11-20',
      'events/vendor=veza/dt=2026-11-20',
      'events/vendor=veza/dt=2026-11-21',
    ]);
    expect(emulator.stats).toMatchObject({
      recordsAccepted: 1,
      recordsDelivered: 3,
      bytesAccepted: data.length,
      bytesBilled: BILLING_INCREMENT_BYTES,
    });
  });

  it('lists its processors in DescribeDeliveryStream', async () => {
    const out = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 's' }));

    const processors =
      out.DeliveryStreamDescription?.Destinations?.[0]?.ExtendedS3DestinationDescription?.ProcessingConfiguration
        ?.Processors;
    expect(processors?.map((p) => p.Type)).toEqual(['RecordDeAggregation', 'AppendDelimiterToRecord']);
  });
});

describe('billedBytes', () => {
  it('rounds each record up to the next 5 KB', () => {
    expect([1, 5120, 5121, 1_024_000].map(billedBytes)).toEqual([5120, 5120, 10240, 1_024_000]);
  });
});
