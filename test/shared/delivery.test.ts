/**
 * Page delivery (shared/delivery.ts): a page goes to the sinks in chunks of about one
 * PutRecordBatch, the next chunk prepared while one is in flight but never two in flight; the page
 * resolves only when every chunk was accepted, and a failed chunk stops the page there.
 */
import { describe, expect, it } from '@jest/globals';
import * as z from 'zod';
import { defineConnector, type Page } from '../../shared/connector.ts';
import { DELIVERY_CHUNK_BYTES, deliverPage, type DeliveryDeps } from '../../shared/delivery.ts';
import { DeliveryError } from '../../shared/errors.ts';
import { eventHead, StatusId } from '../../shared/ocsf.ts';
import type { Sink } from '../../shared/sink.ts';
import { failure } from '../helpers/failure.ts';
import { testSource } from '../helpers/scripted.ts';

const KiB = 1024;
const source = testSource({ id: 'src', baseUrl: 'http://127.0.0.1:9', credentials: { token: 't' } });
const connector = defineConnector<number, { id: string; pad?: string | undefined }>({
  vendor: 'veza',
  product: { vendorName: 'Test', name: 'Test' },
  ocsfClasses: ['ApiActivity'],
  cursorSchema: z.number(),
  recordSchema: z.object({ id: z.string(), pad: z.string().optional() }),
  credentialsSchema: z.object({ token: z.string() }),
  optionsSchema: z.object({}),
  initialCursor: () => 0,
  fetchPage: async () => ({ records: [], next: 0, caughtUp: true }),
  nativeId: (r) => r.id,
  normalize: (r, base) =>
    eventHead(
      {
        cls: 'ApiActivity',
        activityId: 1,
        time: Number(r.id.slice(1)),
        message: r.pad ?? '',
        statusId: StatusId.Success,
      },
      base,
      { vendorName: 'Test', name: 'Test' },
    ),
});

/** `count` records of about `size` bytes each; ids `e0`, `e1`, ...; `bad` ones fail validation. */
function page(count: number, size: number, bad: number[] = []): Page<number> {
  const records = Array.from({ length: count }, (_, i) => {
    const value = bad.includes(i) ? { id: i } : { id: `e${i}`, pad: 'x'.repeat(size) };
    return { raw: JSON.stringify(value), value };
  });
  return { records, next: 1, caughtUp: true };
}

/** A sink recording each put (each takes 5 ms); `fail` rejects the nth put (1-based). */
function recordingSink(options: { fail?: number } = {}) {
  const puts: Array<{ ids: string[]; bytes: number }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sink: Sink = {
    name: 'archive',
    put: async (records) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      if (puts.length + 1 === options.fail) throw new DeliveryError('put refused', records.length);
      const ids = records
        .map((r) => (JSON.parse(Buffer.from(r).toString('utf8')) as { metadata: { uid: string }; time: number }).time)
        .map((t) => `e${t}`);
      puts.push({ ids, bytes: records.reduce((n, r) => n + r.byteLength, 0) });
    },
  };
  return { sink, puts, maxInFlight: () => maxInFlight };
}

function deps(
  sink: Sink,
  deadLetter: Sink = { name: 'dlq', put: async () => undefined },
): DeliveryDeps<number, { id: string; pad?: string | undefined }> {
  return { connector, source, sink, deadLetter, deadline: Date.now() + 60_000, now: Date.now };
}

describe('deliverPage', () => {
  it('sends a page of 20 MB in chunks of at most one batch, in order, one chunk in flight at a time', async () => {
    // Prepare: 100 events of ~200 KiB (the padding, and the raw record holding it again).
    const { sink, puts, maxInFlight } = recordingSink();

    // Act
    const delivered = await deliverPage(deps(sink), page(100, 100 * KiB));

    // Assess
    expect(delivered).toEqual({ events: 100, rejected: 0, lastEventTime: 99 });
    expect(puts.length).toBeGreaterThanOrEqual(5);
    expect(puts.every((p) => p.bytes <= DELIVERY_CHUNK_BYTES + 210 * KiB)).toBe(true);
    expect(puts.flatMap((p) => p.ids)).toEqual(Array.from({ length: 100 }, (_, i) => `e${i}`));
    expect(maxInFlight()).toBe(1);
  });

  it('a small page is one put, and its dead-lettered records go to the dead-letter sink', async () => {
    const { sink, puts } = recordingSink();
    const dead: Uint8Array[] = [];

    const delivered = await deliverPage(
      deps(sink, { name: 'dlq', put: async (r) => void dead.push(...r) }),
      page(10, 100, [3, 7]),
    );

    expect(delivered).toMatchObject({ events: 8, rejected: 2 });
    expect(puts).toHaveLength(1);
    expect(dead.map((r) => (JSON.parse(Buffer.from(r).toString('utf8')) as { stage: string }).stage)).toEqual([
      'validate',
      'validate',
    ]);
  });

  it('a chunk that fails fails the page: nothing after it is sent, and nothing is counted', async () => {
    // Prepare: the second of at least three chunks is refused.
    const { sink, puts } = recordingSink({ fail: 2 });

    // Act
    const error = await failure(deliverPage(deps(sink), page(100, 100 * KiB)));

    // Assess
    expect(error).toBeInstanceOf(DeliveryError);
    expect(puts).toHaveLength(1);
  });

  it('asks before each chunk, once the chunk before it was accepted (the runner keeps its lease there)', async () => {
    // Prepare
    const { sink, puts } = recordingSink();
    const asked: number[] = [];
    const beforeChunk = async (): Promise<void> => void asked.push(puts.length);

    // Act
    await deliverPage({ ...deps(sink), beforeChunk }, page(100, 100 * KiB));

    // Assess: one question a chunk, each after every earlier chunk was accepted.
    expect(asked).toEqual(puts.map((_, n) => n));
  });

  it("stops the page where the question fails: nothing more is sent, the error is the page's", async () => {
    // Prepare: the lease was taken over before the third chunk.
    const { sink, puts } = recordingSink();
    const takenOver = new Error('another run took the source');
    const beforeChunk = async (): Promise<void> => {
      if (puts.length === 2) throw takenOver;
    };

    // Act
    const error = await failure(deliverPage({ ...deps(sink), beforeChunk }, page(100, 100 * KiB)));

    // Assess
    expect(error).toBe(takenOver);
    expect(puts).toHaveLength(2);
  });
});
