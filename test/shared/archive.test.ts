/**
 * Reading the archive back for reconciliation: the S3 reader (over a small fake of the client's
 * `send`), the local reader, object parsing, and which events count for a source and window.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { ListObjectsV2Command, type GetObjectCommand } from '@aws-sdk/client-s3';
import { LocalArchiveReader } from '../../local/query/local-archive.ts';
import {
  ArchiveFormatError,
  archivePrefix,
  archivedUids,
  parseArchiveObject,
  utcDays,
  type ArchiveReader,
} from '../../shared/archive.ts';
import { S3ArchiveReader, type S3Sender } from '../../shared/archive-s3.ts';
import { testSource } from '../helpers/scripted.ts';

const T0 = Date.parse('2026-11-20T00:00:00Z');
const HOUR = 3_600_000;
const event = (uid: string, time: number, logName = 'veza-a') => ({
  time,
  metadata: { uid, log_name: logName, log_provider: 'veza' },
});
const ndjson = (...events: unknown[]) => gzipSync(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
const SOURCE = testSource({ id: 'veza-a', baseUrl: 'https://x.example.com', credentials: { token: 't' } });

/** A fake S3 client: objects by key, listed `pageSize` keys at a time; records every command. */
function fakeS3(objects: Record<string, Uint8Array>, pageSize = 2): S3Sender & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async send(command) {
      if (command instanceof ListObjectsV2Command) {
        const { Bucket, Prefix = '', ContinuationToken } = command.input;
        calls.push(`list ${Bucket} ${Prefix} ${ContinuationToken ?? ''}`.trim());
        const keys = Object.keys(objects)
          .filter((k) => k.startsWith(Prefix))
          .sort();
        const start = Number(ContinuationToken ?? 0);
        const next = start + pageSize < keys.length ? { NextContinuationToken: String(start + pageSize) } : {};
        return { Contents: keys.slice(start, start + pageSize).map((Key) => ({ Key })), ...next };
      }
      const { Key = '' } = (command as GetObjectCommand).input;
      calls.push(`get ${Key}`);
      const body = objects[Key];
      if (!body) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return { Body: { transformToByteArray: async () => body } };
    },
  };
}

async function collect(reader: ArchiveReader, days: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of reader.events('veza', days)) out.push(e);
  return out;
}

describe('S3ArchiveReader', () => {
  it("lists each day's partition of the vendor (following continuation tokens) and reads every object", async () => {
    // Prepare
    const s3 = fakeS3({
      'events/vendor=veza/dt=2026-11-20/a.gz': ndjson(event('u1', T0)),
      'events/vendor=veza/dt=2026-11-20/b.gz': ndjson(event('u2', T0 + HOUR), event('u3', T0 + 2 * HOUR)),
      'events/vendor=veza/dt=2026-11-20/c.gz': ndjson(event('u4', T0 + 3 * HOUR)),
      'events/vendor=veza/dt=2026-11-21/d.gz': ndjson(event('u5', T0 + 25 * HOUR)),
      'events/vendor=nected/dt=2026-11-20/e.gz': ndjson(event('n1', T0)),
    });

    // Act
    const events = await collect(new S3ArchiveReader({ bucket: 'archive', client: s3 }), ['2026-11-20']);

    // Assess
    expect(events.map((e) => (e as ReturnType<typeof event>).metadata.uid)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(s3.calls.filter((c) => c.startsWith('list'))).toEqual([
      'list archive events/vendor=veza/dt=2026-11-20/',
      'list archive events/vendor=veza/dt=2026-11-20/ 2',
    ]);
    expect(s3.calls.filter((c) => c.startsWith('get'))).toHaveLength(3);
  });

  it('refuses a Parquet archive with a clear message', async () => {
    const s3 = fakeS3({ 'events/vendor=veza/dt=2026-11-20/a.parquet': Buffer.from('PAR1....PAR1') });
    await expect(collect(new S3ArchiveReader({ bucket: 'archive', client: s3 }), ['2026-11-20'])).rejects.toThrow(
      /is Parquet; reconciliation reads the gzip NDJSON archive/,
    );
  });
});

describe('LocalArchiveReader', () => {
  it('reads the same layout from the local archive directory; a day without a partition is empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-pump-archive-'));
    try {
      await mkdir(join(dir, archivePrefix('veza', '2026-11-20')), { recursive: true });
      await writeFile(
        join(dir, archivePrefix('veza', '2026-11-20'), 'x.gz'),
        ndjson(event('u1', T0), event('u2', T0 + 1)),
      );
      const events = await collect(new LocalArchiveReader(dir), ['2026-11-19', '2026-11-20']);
      expect(events).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('archive helpers', () => {
  it("the partition prefix is the archive layout's, with vendor and day filled in", () => {
    expect(archivePrefix('veza')).toBe('events/vendor=veza/');
    expect(archivePrefix('veza', '2026-11-20')).toBe('events/vendor=veza/dt=2026-11-20/');
  });

  it('a window touches the UTC days from its start to its last millisecond', () => {
    expect(utcDays({ from: T0, to: T0 + 24 * HOUR })).toEqual(['2026-11-20']);
    expect(utcDays({ from: T0 - HOUR, to: T0 + 24 * HOUR + 1 })).toEqual(['2026-11-19', '2026-11-20', '2026-11-21']);
  });

  it('objects are gzip or plain NDJSON; a line that is not JSON is an error', () => {
    expect(parseArchiveObject('k', Buffer.from('{"a":1}\n{"a":2}\n'))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => parseArchiveObject('k', gzipSync('{"a":1}\nnope\n'))).toThrow(ArchiveFormatError);
  });

  it('counts the events of the source (metadata.log_name) with time in [from, to), each uid once', async () => {
    const reader: ArchiveReader = {
      async *events() {
        yield event('in', T0 + HOUR);
        yield event('in', T0 + HOUR); // a duplicate delivery
        yield event('edge-from', T0);
        yield event('edge-to', T0 + 2 * HOUR);
        yield event('other-source', T0 + HOUR, 'veza-b');
        yield { time: T0 + HOUR, metadata: {} };
      },
    };
    expect([...(await archivedUids(reader, SOURCE, { from: T0, to: T0 + 2 * HOUR }))].sort()).toEqual([
      'edge-from',
      'in',
    ]);
  });
});
