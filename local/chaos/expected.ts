/**
 * What the archive must hold, per vendor: the uid of every event an emulator served (each vendor's
 * nativeId rule through `eventUid`), the exact wire text where the emulator keeps it, and which of
 * them are due once the source is caught up (each vendor's stand says which: functions/<vendor>/emulator/stand.ts).
 * Also cursor progress, the part of a committed cursor that must never go backwards.
 *
 * Native ids (functions/<vendor>/connector.ts `nativeId`): Veza `id` (old shape `request_id`);
 * Authentic8 `<org_id>:<seq_id>` (`seq_id` alone without an org_id); Retraced `id`; Nected `logId`;
 * Carbon Black a content hash plus the occurrence among identical records.
 */
import { createHash } from 'node:crypto';
import { eventUid } from '../../shared/ocsf.ts';

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

export function expectedOf(
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

/** Named numbers that must not decrease from one committed cursor to the next. */
export type Progress = Record<string, number>;

export const time = (iso: unknown): number => (typeof iso === 'string' ? Date.parse(iso) : Number.NaN);

/** Window vendors (Retraced, Nected, Carbon Black search): everything before `from` is delivered. */
export function windowProgress(cursor: unknown): Progress {
  return { from: time((cursor as { from?: unknown }).from) };
}

/** The names whose value went down from `before` to `after` (a vanished name went down too). */
export function regressed(before: Progress, after: Progress): string[] {
  return Object.entries(before)
    .filter(([name, value]) => !(name in after) || (after[name] as number) < value)
    .map(([name]) => name);
}
