/**
 * One lake exporter run, with an in-memory queue, archive and lake: a notice leaves the queue only
 * once every object holding its events is in the lake; a refused write, an unreadable archive
 * object or a message that is no notice stays queued (with the reason); what exceeds the run's
 * byte budget is released untouched.
 */
import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { fixtureEvent } from '../../helpers/archive-fixture.ts';
import { loadOcsfSubset } from '../../../shared/ocsf-validate.ts';
import { drainToLake, type Notice, type NoticeQueue } from '../../../shared/security-lake/drain.ts';
import type { LakeSink } from '../../../shared/security-lake/export.ts';

const subset = loadOcsfSubset();
const TARGET = { prefix: 'audit-pump', region: 'eu-west-1', accountId: '111122223333' };
const NOW = Date.parse('2026-11-20T12:00:00Z');

/** A gzip NDJSON archive object of API Activity events `ageDays` old. */
function object(ids: readonly string[], ageDays: number): Uint8Array {
  return gzipSync(
    ids.map((id) => JSON.stringify(fixtureEvent({ vendor: 'veza', ageDays, nativeId: id }, NOW))).join('\n') + '\n',
  );
}

class FakeQueue implements NoticeQueue {
  readonly removed: string[] = [];
  readonly released: string[] = [];
  constructor(private pending: Notice[]) {}
  async receive(max: number): Promise<Notice[]> {
    const batch = this.pending.slice(0, max);
    this.pending = this.pending.slice(max);
    return batch;
  }
  async remove(handles: readonly string[]): Promise<void> {
    this.removed.push(...handles);
  }
  async release(handles: readonly string[]): Promise<void> {
    this.released.push(...handles);
  }
}

const notice = (handle: string, key: string, size = 100): Notice => ({ handle, key, size });

function lake(refuse: (key: string) => boolean = () => false): LakeSink & { keys: string[] } {
  const keys: string[] = [];
  return {
    keys,
    put: async (_s, key) =>
      refuse(key)
        ? Promise.reject(new Error('AccessDenied: not authorized to perform s3:PutObject'))
        : void keys.push(key),
  };
}

const archiveOf = (objects: Record<string, Uint8Array>) => ({
  get: async (key: string) => objects[key] ?? Promise.reject(new Error(`NoSuchKey: ${key}`)),
});

describe('drainToLake', () => {
  it('writes the events of every notice and then removes the notices', async () => {
    const queue = new FakeQueue([notice('h1', 'events/a.gz'), notice('h2', 'events/b.gz')]);
    const sink = lake();

    const out = await drainToLake({
      queue,
      archive: archiveOf({ 'events/a.gz': object(['1', '2'], 0), 'events/b.gz': object(['3'], 1) }),
      lake: sink,
      target: TARGET,
      subset,
      maxArchiveBytes: 1e6,
    });

    expect(out).toMatchObject({
      notices: 2,
      archiveObjects: 2,
      events: 3,
      removed: 2,
      kept: 0,
      released: 0,
      problems: [],
    });
    expect(sink.keys).toHaveLength(2);
    expect(queue.removed.sort()).toEqual(['h1', 'h2']);
  });

  it('keeps the notices whose events went into a refused object, and removes the others', async () => {
    const queue = new FakeQueue([notice('today', 'events/a.gz'), notice('yesterday', 'events/b.gz')]);

    const out = await drainToLake({
      queue,
      archive: archiveOf({ 'events/a.gz': object(['1'], 0), 'events/b.gz': object(['2'], 1) }),
      lake: lake((key) => key.includes('eventDay=20261119')),
      target: TARGET,
      subset,
      maxArchiveBytes: 1e6,
    });

    expect(queue.removed).toEqual(['today']);
    expect(out.kept).toBe(1);
    expect(out.problems).toEqual([
      expect.stringMatching(/eventDay=20261119\/.*: not written \(1 events from 1 archive objects\): AccessDenied/),
    ]);
  });

  it('keeps a notice whose archive object cannot be read, and one that is no archive notice', async () => {
    const queue = new FakeQueue([
      notice('gone', 'events/missing.gz'),
      { handle: 'odd', size: 0, problem: 'the body is not JSON' },
      notice('ok', 'events/a.gz'),
    ]);

    const out = await drainToLake({
      queue,
      archive: archiveOf({ 'events/a.gz': object(['1'], 0) }),
      lake: lake(),
      target: TARGET,
      subset,
      maxArchiveBytes: 1e6,
    });

    expect(queue.removed).toEqual(['ok']);
    expect(out.problems).toEqual([
      'events/missing.gz: not read: NoSuchKey: events/missing.gz',
      'message not understood as an archive notice: the body is not JSON',
    ]);
  });

  it('reads an object announced twice once, and removes both notices', async () => {
    const queue = new FakeQueue([notice('first', 'events/a.gz'), notice('again', 'events/a.gz')]);

    const out = await drainToLake({
      queue,
      archive: archiveOf({ 'events/a.gz': object(['1', '2'], 0) }),
      lake: lake(),
      target: TARGET,
      subset,
      maxArchiveBytes: 1e6,
    });

    expect(out.events).toBe(2);
    expect(queue.removed).toEqual(['first', 'again']);
  });

  it('stops taking notices past its byte budget and releases the rest of the batch untouched', async () => {
    const pending = Array.from({ length: 12 }, (_, i) => notice(`h${i}`, `events/${i}.gz`, 100));
    const queue = new FakeQueue(pending);
    const objects = Object.fromEntries(pending.map((n, i) => [n.key as string, object([`e${i}`], 0)]));

    const out = await drainToLake({
      queue,
      archive: archiveOf(objects),
      lake: lake(),
      target: TARGET,
      subset,
      maxArchiveBytes: 250,
    });

    expect(out.notices).toBe(3);
    expect(queue.removed).toEqual(['h0', 'h1', 'h2']);
    expect(queue.released).toEqual(['h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9']);
  });

  it('does nothing on an empty queue', async () => {
    const out = await drainToLake({
      queue: new FakeQueue([]),
      archive: archiveOf({}),
      lake: lake(),
      target: TARGET,
      subset,
      maxArchiveBytes: 1e6,
    });
    expect(out).toMatchObject({ notices: 0, events: 0, removed: 0, kept: 0 });
  });
});
