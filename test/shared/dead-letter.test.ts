/**
 * Dead-letter entries (shared/dead-letter.ts) always fit one Firehose record, however much JSON
 * escaping grows the raw record, and a page holding such a record is delivered and committed: one
 * record can never wedge a source (DESIGN.md 4.3 invariant 6).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readArchive } from '../../local/query/archive-reader.ts';
import { startLocalStack, type LocalStack } from '../../local/aws/stack.ts';
import { seededRandom, randomInt, type Random } from '../../local/emulators/random.ts';
import type { RawRecord } from '../../shared/connector.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { deadLetterRecord, escapedPrefixLength, type DeadLetterEntry } from '../../shared/dead-letter.ts';
import { HttpClient } from '../../shared/http.ts';
import { runSource } from '../../shared/runner.ts';
import { FIREHOSE_LIMITS, FirehoseSink } from '../../shared/sink.ts';
import { scriptedConnector, testSource } from '../helpers/scripted.ts';

const LIMIT = FIREHOSE_LIMITS.maxRecordBytes;
const source = testSource({ id: 'dl-src', baseUrl: 'http://127.0.0.1:9', credentials: { token: 'tok-123456' } });
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const parse = (bytes: Uint8Array): DeadLetterEntry =>
  JSON.parse(Buffer.from(bytes).toString('utf8')) as DeadLetterEntry;

/** The characters that grow most when escaped or encoded, and plain ones. */
const NASTY = [
  '"',
  '\\',
  '\n',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u2028',
  'é',
  '€',
  '😀',
  '\ud800',
  '\udfff',
  'a',
  '{',
  '}',
];

/** A string of about `units` code units drawn from NASTY (one kind, or a mix): a random block, repeated. */
function nastyString(random: Random, units: number): string {
  const kinds = random() < 0.5 ? [NASTY[randomInt(random, 0, NASTY.length - 1)] as string] : NASTY;
  let block = '';
  while (block.length < Math.min(units, 4096)) block += kinds[randomInt(random, 0, kinds.length - 1)] as string;
  return block.repeat(Math.ceil(units / block.length)).slice(0, units);
}

/** The serialized size of `text` as a JSON string's content. */
const escapedBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text)) - 2;

describe('escapedPrefixLength', () => {
  it('agrees with JSON.stringify on every nasty character, alone and in runs', () => {
    for (const c of NASTY) {
      const text = c.repeat(50);
      const budget = escapedBytes(text);
      expect(escapedPrefixLength(text, budget)).toBe(text.length);
      expect(escapedPrefixLength(text, budget - 1)).toBeLessThan(text.length);
    }
  });

  it('never splits a surrogate pair and returns the longest prefix that fits', () => {
    const random = seededRandom(5);
    for (let i = 0; i < 300; i++) {
      const text = nastyString(random, randomInt(random, 1, 200));
      const budget = randomInt(random, 0, escapedBytes(text));
      const n = escapedPrefixLength(text, budget);
      expect(escapedBytes(text.slice(0, n))).toBeLessThanOrEqual(budget);
      const high = text.charCodeAt(n - 1);
      const low = text.charCodeAt(n);
      expect(high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff).toBe(false);
      if (n < text.length) {
        const step =
          high >= 0xd800 && high <= 0xdbff
            ? 1
            : text.charCodeAt(n) >= 0xd800 &&
                text.charCodeAt(n) <= 0xdbff &&
                text.charCodeAt(n + 1) >= 0xdc00 &&
                text.charCodeAt(n + 1) <= 0xdfff
              ? 2
              : 1;
        expect(escapedBytes(text.slice(0, n + step))).toBeGreaterThan(budget);
      }
    }
  });
});

describe('deadLetterRecord', () => {
  it('keeps a raw record whole when its serialized entry fits', () => {
    const raw = JSON.stringify({ s: '"'.repeat(1000) });

    const entry = parse(deadLetterRecord(source, raw, 'validate', 'bad', 1));

    expect(entry.raw_data).toBe(raw);
    expect(entry.raw_truncated).toBeUndefined();
  });

  it('fits any escape-heavy raw record around the limit, keeping its digest, size and the longest excerpt', () => {
    // Prepare: sizes around the points where raw bytes, or escaped bytes, cross 1,000 KiB.
    const random = seededRandom(11);
    for (let i = 0; i < 16; i++) {
      const units = randomInt(random, 0, 1)
        ? randomInt(random, LIMIT / 6 - 2000, LIMIT / 6 + 2000)
        : randomInt(random, LIMIT - 20_000, LIMIT + 5000);
      const raw = nastyString(random, Math.floor(units));

      // Act
      const bytes = deadLetterRecord(source, raw, 'validate', `reason ${nastyString(random, 3000)}`, 1);

      // Assess
      expect(bytes.byteLength).toBeLessThanOrEqual(LIMIT);
      const entry = parse(bytes);
      if (entry.raw_truncated) {
        expect(raw.startsWith(entry.raw_data)).toBe(true);
        expect(entry.raw_sha256).toBe(sha256(raw));
        expect(entry.raw_bytes).toBe(Buffer.byteLength(raw));
        // Within one escaped character (6 bytes, or a 4-byte pair) of the limit: the longest that fits.
        expect(bytes.byteLength).toBeGreaterThan(LIMIT - 8);
      } else {
        expect(entry.raw_data).toBe(raw);
      }
      expect(entry.reason.length).toBeLessThanOrEqual(2000);
    }
  });

  it('fits the two records that wedged a source: 600 KB of quotes, and 1.5 MB of 40,000 small objects', () => {
    const quotes = JSON.stringify({ id: 'q', s: '"'.repeat(600_000) });
    const objects = JSON.stringify({
      id: 'o',
      items: Array.from({ length: 40_000 }, (_, i) => ({ k: `v${i}`, n: i, ok: true })),
    });

    for (const raw of [quotes, objects]) {
      const bytes = deadLetterRecord(source, raw, 'oversize', 'too big', 1);
      expect(bytes.byteLength).toBeLessThanOrEqual(LIMIT);
      expect(parse(bytes).raw_sha256).toBe(sha256(raw));
    }
  });
});

describe('a page holding a record that grows when escaped', () => {
  const connector = scriptedConnector({
    async fetchPage(_ctx, c) {
      if (c.n > 0) return { records: [], next: c, caughtUp: true };
      const raw = (value: unknown): RawRecord => ({ raw: JSON.stringify(value), value });
      // A record that fails validation and is 1.2 MB once escaped, another over the limit that validates.
      const records = [
        raw({ id: 'a', t: 1 }),
        raw({ id: 5, s: '"'.repeat(600_000) }),
        raw({ id: 'b', t: 2 }),
        raw({ id: 'big', t: 3, s: '\\'.repeat(600_000) }),
        raw({ id: 'c', t: 4 }),
      ];
      return { records, next: { n: 1 }, caughtUp: false };
    },
  });

  let dir: string;
  let stack: LocalStack;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dead-letter-'));
    // As deployed: packed records, deaggregated by the streams.
    stack = await startLocalStack({ sources: [], archiveDir: dir });
  });
  afterAll(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is delivered through a Firehose that enforces its limits, the bad records dead-lettered, and the cursor moves', async () => {
    // Prepare
    const store = new CursorStore({ client: stack.dynamo.client, tableName: stack.config.cursorTable });
    const client = stack.clients.firehose;

    // Act
    const result = await runSource(connector, source, {
      store,
      sink: new FirehoseSink({ client, streamName: stack.config.archiveStream, pack: true }),
      deadLetter: new FirehoseSink({ client, streamName: stack.config.deadLetterStream, pack: true }),
      credentials: { get: async () => ({ token: 'tok-123456' }) },
      http: ({ source: s, deadline }) => new HttpClient({ origin: s.baseUrl, deadline }),
      owner: 'one',
      leaseMs: 60_000,
      deadline: Date.now() + 60_000,
    });

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: 3, rejected: 2 });
    expect((await store.get(source.id))?.cursor).toEqual({ n: 1 });
    await stack.firehose.flush();
    const events = (await readArchive(dir)).map(({ record }) => record.time);
    expect(events.sort()).toEqual([1, 2, 4]);
    const letters = (await readArchive(dir, 'dead-letter')).map(({ record }) => record as unknown as DeadLetterEntry);
    expect(letters.map((l) => [l.stage, l.raw_truncated])).toEqual([
      ['validate', true],
      ['oversize', true],
    ]);
  });
});
