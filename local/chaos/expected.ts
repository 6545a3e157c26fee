/**
 * What the archive must hold, per vendor: the uid of every event an emulator served (each vendor's
 * nativeId rule through `eventUid`), the exact wire text where the emulator keeps it, and which of
 * them are due once the source is caught up. Also each vendor's cursor progress, the part of a
 * committed cursor that must never go backwards.
 *
 * Native ids (functions/<vendor>/connector.ts `nativeId`): Veza `id` (old shape `request_id`);
 * Authentic8 `<org_id>:<seq_id>` (`seq_id` alone without an org_id); Retraced `id`; Nected `logId`;
 * Carbon Black a content hash plus the occurrence among identical records.
 */
import { createHash } from 'node:crypto';
import { vezaRecord } from '../../functions/veza/schemas.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { authentic8NativeId, type Authentic8Emulator } from '../../functions/authentic8/emulator/emulator.ts';
import type { CarbonBlackEmulator } from '../../functions/carbonblack/emulator/emulator.ts';
import type { NectedEmulator } from '../../functions/nected/emulator/emulator.ts';
import type { RetracedEmulator } from '../../functions/retraced/emulator/emulator.ts';
import type { VezaEmulator } from '../../functions/veza/emulator/emulator.ts';

/** Every uid the vendor holds (with its wire text when known) and the uids due in the archive. */
export interface Expected {
  readonly all: ReadonlyMap<string, string | undefined>;
  readonly due: ReadonlySet<string>;
  /**
   * Records the vendor serves invalid: the dead-letter uid each must have (shared/dead-letter.ts), and its event uid,
   * which must not be archived.
   */
  readonly deadLetters: ReadonlyMap<string, string>;
}

function expected(
  entries: ReadonlyArray<readonly [uid: string, text: string | undefined, due: boolean]>,
  deadLetters = new Map<string, string>(),
): Expected {
  return {
    all: new Map(entries.map(([uid, text]) => [uid, text])),
    due: new Set(entries.filter(([, , due]) => due).map(([uid]) => uid)),
    deadLetters,
  };
}

/** The uid the dead-letter stream gives a raw record (shared/dead-letter.ts). */
export function deadLetterUid(vendor: string, sourceId: string, raw: string): string {
  return eventUid(vendor, sourceId, `raw:${createHash('sha256').update(raw).digest('hex')}`);
}

/**
 * Veza: the export stream serves every persisted event; all are due once caught up, but the invalid ones go to the
 * dead-letter.
 */
export function vezaExpected(emulator: VezaEmulator, sourceId: string): Expected {
  const invalid = emulator.events().filter((e) => !vezaRecord.safeParse(e.record).success);
  const bad = new Set(invalid);
  return expected(
    emulator.events().map((e) => [eventUid('veza', sourceId, e.id), e.text, !bad.has(e)]),
    new Map(invalid.map((e) => [deadLetterUid('veza', sourceId, e.text), eventUid('veza', sourceId, e.id)])),
  );
}

/** Authentic8: every log of the source's org (the main org), of every type. */
export function authentic8Expected(emulator: Authentic8Emulator, sourceId: string): Expected {
  return expected(
    emulator.events().map((e) => [eventUid('authentic8', sourceId, authentic8NativeId(e)), e.text, true]),
  );
}

/**
 * Retraced: every event of the token's group, the pump's own reads included; due when received
 * before `settledBefore` (the last run's now minus the settle lag). The served text depends on the
 * query's field order, so only archived copies are compared with each other.
 */
export function retracedExpected(emulator: RetracedEmulator, sourceId: string, settledBefore: number): Expected {
  return expected(
    emulator.events().map((e) => [eventUid('retraced', sourceId, e.id), undefined, e.received < settledBefore]),
  );
}

/** Nected: every record; due when dated before `settledBefore`. */
export function nectedExpected(emulator: NectedEmulator, sourceId: string, settledBefore: number): Expected {
  const cut = BigInt(Math.floor(settledBefore)) * 1_000_000n;
  return expected(emulator.events().map((e) => [eventUid('nected', sourceId, e.id), e.text, e.dateNs < cut]));
}

/** Carbon Black search: every event (identical copies numbered); due when created before `settledBefore`. */
export function carbonBlackSearchExpected(
  emulator: CarbonBlackEmulator,
  sourceId: string,
  settledBefore: number,
): Expected {
  const events = emulator.events();
  const ids = emulator.nativeIds(events);
  return expected(
    events.map((e, i) => [eventUid('carbonblack', sourceId, ids[i] as string), e.text, e.time < settledBefore]),
  );
}

/** Carbon Black queue: every event that entered the key's queue; all due once the queue is drained. */
export function carbonBlackQueueExpected(emulator: CarbonBlackEmulator, apiId: string, sourceId: string): Expected {
  const events = emulator.enqueued(apiId);
  const ids = emulator.nativeIds(events);
  return expected(events.map((e, i) => [eventUid('carbonblack', sourceId, ids[i] as string), e.text, true]));
}

/** Named numbers that must not decrease from one committed cursor to the next. */
export type Progress = Record<string, number>;

const time = (iso: unknown): number => (typeof iso === 'string' ? Date.parse(iso) : Number.NaN);

/**
 * Veza: the watermark (the newest event time delivered, never past the read time). Not the stream
 * offset in the emulator's token: a reseed after a refused token re-reads an overlap by design, so
 * the offset may go back (the duplicates keep their uid); the watermark may not.
 */
export function vezaProgress(cursor: unknown): Progress {
  return { watermark: time((cursor as { watermark?: unknown }).watermark) || -1 };
}

/** Authentic8: each type's start_seq. */
export function authentic8Progress(cursor: unknown): Progress {
  return { ...(cursor as { types?: Progress }).types };
}

/** Window vendors (Retraced, Nected, Carbon Black search): everything before `from` is delivered. */
export function windowProgress(cursor: unknown): Progress {
  return { from: time((cursor as { from?: unknown }).from) };
}

/** Carbon Black queue: the acknowledged batch's spool key starts with its ISO time. */
export function queueProgress(cursor: unknown): Progress {
  const acked = (cursor as { acked?: string }).acked;
  const iso = acked ? /\/(\d{4}-[^/]*?Z)-[0-9a-f]+\.json$/.exec(acked)?.[1] : undefined;
  return { acked: iso ? Date.parse(iso) : -1 };
}

/** The names whose value went down from `before` to `after` (a vanished name went down too). */
export function regressed(before: Progress, after: Progress): string[] {
  return Object.entries(before)
    .filter(([name, value]) => !(name in after) || (after[name] as number) < value)
    .map(([name]) => name);
}
