/**
 * The deployed lake exporter's run, without AWS: take the notices of new archive objects from the
 * queue (up to a byte budget), read those objects, write their events to Security Lake
 * (shared/security-lake/export.ts), and remove a notice only once every lake object holding events
 * of its archive object was written. Anything else (a refused write, an unreadable object or
 * notice) stays queued for the next run, and the queue's redrive policy moves what keeps failing
 * to the dead-letter queue, which is alarmed: nothing leaves the queue unwritten.
 */
import { parseArchiveObject } from '../archive.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { OcsfSubset } from '../ocsf-validate.ts';
import { exportToLake, type ArchivedEvent, type LakeExport, type LakeSink, type LakeTarget } from './export.ts';

/** A queued notice of a new archive object. */
export interface Notice {
  readonly handle: string;
  /** The archive object's key; absent when the message could not be read as a notice. */
  readonly key?: string;
  /** The object's size in bytes (as S3 reported it). */
  readonly size: number;
  /** Why the message is not a notice this exporter understands. */
  readonly problem?: string;
}

/** The notice queue (SQS deployed). */
export interface NoticeQueue {
  /** Up to `max` notices, hidden from other readers until removed or released. */
  receive(max: number): Promise<Notice[]>;
  remove(handles: readonly string[]): Promise<void>;
  /** Makes notices visible again at once (taken past the byte budget, not worked on). */
  release(handles: readonly string[]): Promise<void>;
}

/** The archive bucket, read by key. */
export interface ArchiveObjects {
  get(key: string): Promise<Uint8Array>;
}

export interface DrainOptions {
  readonly queue: NoticeQueue;
  readonly archive: ArchiveObjects;
  readonly lake: LakeSink;
  readonly target: LakeTarget;
  readonly subset: OcsfSubset;
  /** Archive bytes (as stored, compressed) one run takes on; at least one notice is always taken. */
  readonly maxArchiveBytes: number;
  readonly log?: Logger;
}

export interface DrainResult {
  readonly notices: number;
  readonly archiveObjects: number;
  readonly events: number;
  readonly export: LakeExport;
  /** Notices removed (their events are in the lake), kept for the next run, released unread. */
  readonly removed: number;
  readonly kept: number;
  readonly released: number;
  /** Why each kept notice was kept. */
  readonly problems: string[];
}

/** SQS hands out at most 10 messages a call. */
const RECEIVE_MAX = 10;

/** Takes notices until the byte budget is spent; the rest of the last batch is released. */
async function takeNotices(queue: NoticeQueue, maxBytes: number): Promise<{ taken: Notice[]; released: number }> {
  const taken: Notice[] = [];
  const overflow: string[] = [];
  let bytes = 0;
  while (bytes < maxBytes) {
    const batch = await queue.receive(RECEIVE_MAX);
    if (batch.length === 0) break;
    for (const notice of batch) {
      if (bytes >= maxBytes) overflow.push(notice.handle);
      else taken.push(notice);
      bytes += notice.size;
    }
  }
  if (overflow.length) await queue.release(overflow);
  return { taken, released: overflow.length };
}

/** One exporter run. Throws only when the queue itself fails; undone work is in `kept` and `problems`. */
export async function drainToLake(options: DrainOptions): Promise<DrainResult> {
  const log = options.log ?? silentLogger;
  const { taken, released } = await takeNotices(options.queue, options.maxArchiveBytes);
  const problems: string[] = [];
  const failedKeys = new Set<string>();
  const keys = [...new Set(taken.flatMap((n) => (n.key === undefined ? [] : [n.key])))];
  const records: ArchivedEvent[] = [];
  for (const key of keys) {
    try {
      for (const event of parseArchiveObject(key, await options.archive.get(key)))
        records.push({ archiveKey: key, event });
    } catch (error) {
      failedKeys.add(key);
      problems.push(`${key}: not read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const result = await exportToLake(records, options.target, options.lake, options.subset);
  for (const failure of result.failed) {
    problems.push(
      `${failure.key}: not written (${failure.events} events from ${failure.archiveKeys.length} archive objects): ${failure.error}`,
    );
    for (const key of failure.archiveKeys) failedKeys.add(key);
  }
  const done = taken.filter((n) => n.key !== undefined && !failedKeys.has(n.key));
  for (const n of taken)
    if (n.key === undefined)
      problems.push(`message not understood as an archive notice: ${n.problem ?? 'no object key'}`);
  if (done.length) await options.queue.remove(done.map((n) => n.handle));
  for (const [reason, count] of Object.entries(result.held))
    log.warn('events not sent to Security Lake (they stay in the archive)', { reason, count });
  if (result.misfits)
    log.warn('values of the wrong type for their column written as null', { misfits: result.misfits });
  return {
    notices: taken.length,
    archiveObjects: keys.length,
    events: records.length,
    export: result,
    removed: done.length,
    kept: taken.length - done.length,
    released,
    problems,
  };
}
