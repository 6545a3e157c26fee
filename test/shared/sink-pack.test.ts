/**
 * Packed delivery (shared/sink.ts `pack`): consecutive events share one Firehose record, which the
 * stream deaggregates before partitioning. The invariants of unpacked delivery still hold: a pack
 * is accepted or failed as a whole, a put resolves only when every pack was accepted, and a
 * partial failure retries the failed packs only. Real FirehoseClient against the emulator.
 */
import { describe, expect, it } from '@jest/globals';
import { readArchive } from '../../local/query/archive-reader.ts';
import { ARCHIVE_ERROR_PREFIX, ARCHIVE_PREFIX } from '../../shared/archive-layout.ts';
import { DeliveryError } from '../../shared/errors.ts';
import {
  FIREHOSE_LIMITS,
  PACK_LIMITS,
  toPacks,
  toRecord,
  type FirehoseSink,
  type FirehoseSinkOptions,
} from '../../shared/sink.ts';
import { putRecordBatch } from '../../shared/firehose-request.ts';
import { failure } from '../helpers/failure.ts';
import { farDeadline, recordTexts, sinkBenchPerTest } from '../helpers/core-sink.ts';

const NOV_20 = Date.UTC(2026, 10, 20, 9, 0, 0);
const DAY = 86_400_000;
const PACKED = 'packed';
const PLAIN = 'plain';

const fh = sinkBenchPerTest('sink-pack', {
  [PACKED]: {
    prefix: ARCHIVE_PREFIX,
    errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
    deaggregation: { type: 'JSON' },
    appendDelimiter: true,
  },
  [PLAIN]: { prefix: ARCHIVE_PREFIX, errorOutputPrefix: ARCHIVE_ERROR_PREFIX },
});

/** A packing sink on the deaggregating stream whose waits and retries are recorded instead of slept. */
const sink = (options: Partial<FirehoseSinkOptions> = {}): FirehoseSink =>
  fh.sink({ streamName: PACKED, pack: true, ...options });

/** Events over three days and two vendors, with text that a careless splitter would cut. */
function events(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, n) =>
    toRecord({
      time: NOV_20 + (n % 3) * DAY,
      message: `event ${n} {"}\\ é`,
      metadata: { log_provider: n % 2 ? 'veza' : 'nected', log_name: 'src', uid: `uid-${n}` },
    }),
  );
}

describe('toPacks', () => {
  it('packs at most 500 events and 1,000 KiB into a record, in order, byte for byte', () => {
    // Prepare: 1,201 small events, then events of 300 KiB (three fit, four would not).
    const small = events(1201);
    const big = Array.from({ length: 7 }, (_, n) => Buffer.from(`${'x'.repeat(300 * 1024 - 2)}${n}\n`));

    // Act
    const packs = toPacks(small);
    const bigPacks = toPacks(big);

    // Assess
    expect(PACK_LIMITS).toEqual({ maxEvents: 500, maxBytes: FIREHOSE_LIMITS.maxRecordBytes });
    expect(packs.map((p) => Buffer.from(p).toString().split('\n').length - 1)).toEqual([500, 500, 201]);
    expect(Buffer.concat(packs).equals(Buffer.concat(small))).toBe(true);
    expect(bigPacks.map((p) => p.byteLength / (300 * 1024))).toEqual([3, 3, 1]);
    expect(bigPacks.every((p) => p.byteLength <= FIREHOSE_LIMITS.maxRecordBytes)).toBe(true);
    expect(toPacks([])).toEqual([]);
  });

  it('keeps an event that fills a record on its own, so the size check still rejects an oversized one', () => {
    const atLimit = Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes, 0x61);
    const tooBig = Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes + 1, 0x61);

    expect(toPacks([Buffer.from('a\n'), atLimit, Buffer.from('b\n')]).map((p) => p.byteLength)).toEqual([
      2,
      atLimit.length,
      2,
    ]);
    expect(toPacks([tooBig])).toEqual([tooBig]);
  });
});

describe('FirehoseSink with packing', () => {
  it('delivers 1,200 events as 3 records; the stream deaggregates them into their own partitions, byte for byte', async () => {
    const records = events(1200);

    await sink().put(records, farDeadline());

    expect(fh.emulator.stats).toMatchObject({ calls: 1, recordsAccepted: 3, recordsDelivered: 1200, recordsFailed: 0 });
    expect(await fh.archivedLines()).toEqual(recordTexts(records));
    const keys = new Set((await readArchive(fh.dir)).map((a) => a.key.split('/').slice(0, 3).join('/')));
    expect(keys.size).toBe(6);
  });

  it('bills at most 1.25 times the payload, where one record per event bills 5 KB each', async () => {
    const records = events(1000);
    const payload = records.reduce((n, r) => n + r.byteLength, 0);

    await sink().put(records, farDeadline());
    const packed = fh.emulator.stats.bytesBilled;
    await sink({ streamName: PLAIN, pack: false }).put(records, farDeadline());

    expect(packed / payload).toBeLessThanOrEqual(1.25);
    expect((fh.emulator.stats.bytesBilled - packed) / payload).toBeGreaterThan(10);
  });

  it('retries only the failed pack of a partial failure, so nothing is archived twice or split', async () => {
    // Prepare: the first of three packs fails once.
    const records = events(1200);
    fh.emulator.faults.failNextRecords = 1;

    // Act
    await sink().put(records, farDeadline());

    // Assess: pack 0 failed, was sent again alone, and every event is archived exactly once.
    expect(fh.emulator.stats).toMatchObject({ calls: 2, recordsAccepted: 3, recordsFailed: 1, recordsDelivered: 1200 });
    expect(fh.retries).toEqual([[1, false]]);
    expect(await fh.archivedLines()).toEqual(recordTexts(records));
  });

  it('counts the events of every pack not accepted in DeliveryError.failed, and archives no part of them', async () => {
    fh.emulator.faults.recordFailureRate = 1;

    const error = await failure(sink({ maxAttempts: 2 }).put(events(1200), farDeadline()));

    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ failed: 1200 });
    expect(error.message).toMatch(/3 of 3 records holding 1200 events not accepted/);
    expect(fh.emulator.stats.recordsDelivered).toBe(0);
    expect(await fh.archivedLines()).toEqual([]);
  });

  it('a partial failure on the last attempt fails the put: the failed packs are not archived, not even in part', async () => {
    // Prepare: packs 0 and 1 fail, pack 2 is accepted, and there is no second attempt.
    const records = events(1200);
    fh.emulator.faults.failNextRecords = 2;

    // Act
    const error = await failure(sink({ maxAttempts: 1 }).put(records, farDeadline()));

    // Assess
    expect(error).toMatchObject({ failed: 1000 });
    expect(fh.emulator.stats).toMatchObject({ recordsAccepted: 1, recordsDelivered: 200 });
    expect(await fh.archivedLines()).toEqual(recordTexts(records.slice(1000)));
  });

  it('a stream without deaggregation cannot partition packed records: they land under the error prefix', async () => {
    await sink({ streamName: PLAIN }).put(events(10), farDeadline());
    await fh.emulator.flush();

    expect(await readArchive(fh.dir)).toEqual([]);
    expect(fh.emulator.stats).toMatchObject({ recordsAccepted: 1, recordsDelivered: 0 });
  });
});

describe('putRecordBatch', () => {
  it('keeps the real records in the command input, and sends them byte for byte', async () => {
    const records = [
      Buffer.from(`${JSON.stringify({ time: NOV_20, metadata: { log_provider: 'veza' }, m: 'é\u0000"' })}\n`),
    ];

    const command = putRecordBatch(PLAIN, records);
    await fh.client.send(command);

    expect(command.input.Records?.[0]?.Data).toBe(records[0]);
    expect(await fh.archivedLines()).toEqual(recordTexts(records));
  });
});
