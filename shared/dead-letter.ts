/**
 * Dead-letter entries: records that failed validation or normalization, or that are too large for
 * Firehose, go to the dead-letter stream with the reason and the raw record (DESIGN.md 4.3
 * invariant 6). They carry the same `metadata.log_provider`/`log_name` and `time` as events, so the
 * dead-letter stream partitions them the same way (`dead-letter/vendor=<v>/dt=<day>/`).
 */
import { createHash } from 'node:crypto';
import { eventUid } from './ocsf.ts';
import { FIREHOSE_LIMITS, toRecord } from './sink.ts';
import type { Source } from './config.ts';

export type DeadLetterStage = 'validate' | 'normalize' | 'oversize';

/** One dead-lettered record, as written to the dead-letter stream. */
export interface DeadLetterEntry {
  time: number;
  stage: DeadLetterStage;
  reason: string;
  metadata: { version: '1.1.0'; uid: string; log_provider: string; log_name: string };
  /** Present when the raw record had to be cut to fit Firehose's record limit. */
  raw_sha256?: string;
  raw_truncated?: boolean;
  raw_data: string;
}

/** Room left for the entry's other fields when a huge raw record must be cut. */
const RAW_BUDGET = FIREHOSE_LIMITS.maxRecordBytes - 16 * 1024;

/** Builds a dead-letter record (already serialized for the sink). */
export function deadLetterRecord(source: Source, raw: string, stage: DeadLetterStage, reason: string, now: number): Uint8Array {
  const digest = createHash('sha256').update(raw).digest('hex');
  const entry: DeadLetterEntry = {
    time: now,
    stage,
    reason: reason.slice(0, 2000),
    metadata: { version: '1.1.0', uid: eventUid(source.vendor, source.id, `raw:${digest}`), log_provider: source.vendor, log_name: source.id },
    raw_data: raw,
  };
  if (Buffer.byteLength(raw) > RAW_BUDGET) {
    // The full record cannot pass Firehose; keep its digest and as much of it as fits, and say so.
    entry.raw_data = Buffer.from(raw).subarray(0, RAW_BUDGET).toString('utf8');
    entry.raw_truncated = true;
    entry.raw_sha256 = digest;
  }
  return toRecord(entry);
}
