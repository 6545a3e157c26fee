/**
 * Archived events → Security Lake objects, the part the local writer and the deployed exporter
 * share: group by OCSF class and `eventDay`, one Parquet object per group (split past
 * {@link MAX_EVENTS_PER_OBJECT}), each written through a {@link LakeSink}. An object's name is a
 * hash of its events' `metadata.uid`s, so writing the same batch again replaces the object
 * instead of adding a second copy. Events no custom source can take (the Base Event, class 0,
 * which Security Lake has no event class for) are counted, never written, and stay in the archive.
 */
import { createHash } from 'node:crypto';
import type { OcsfSubset } from '../ocsf-validate.ts';
import { eventDay, lakePrefix, securityLakeEventClass, sourceName } from './layout.ts';
import { byTime, writeLakeParquet, type LakeEvent } from './parquet.ts';

/**
 * Most events in one object. About 400 bytes an event in Parquet (npm run bench), so an object
 * stays near 80 MB at most, in row groups of 50,000 rows: well under Security Lake's 256 MB per
 * row group, and within the exporter's memory.
 */
export const MAX_EVENTS_PER_OBJECT = 200_000;

/** An event and the archive object it was read from. */
export interface ArchivedEvent {
  readonly archiveKey: string;
  readonly event: Readonly<Record<string, unknown>>;
}

/** Where the objects go: the source-name prefix and the partition values. */
export interface LakeTarget {
  readonly prefix: string;
  readonly region: string;
  readonly accountId: string;
}

/** One object to write. */
export interface PlannedObject {
  readonly classUid: number;
  readonly source: string;
  /** Key relative to the lake bucket's root. */
  readonly key: string;
  readonly events: readonly LakeEvent[];
  /** The archive objects its events come from. */
  readonly archiveKeys: readonly string[];
}

export interface LakePlan {
  readonly objects: PlannedObject[];
  /** Events no object takes, by reason. */
  readonly held: Record<string, number>;
}

/** Writes one object of one source; throws when it could not. */
export interface LakeSink {
  put(source: string, key: string, bytes: Uint8Array): Promise<void>;
}

const isEvent = (e: Readonly<Record<string, unknown>>): e is LakeEvent =>
  typeof e.time === 'number' && Number.isFinite(e.time) && typeof e.class_uid === 'number';

/** Groups `records` into objects: one class and one `eventDay` each, at most `maxEvents` events. */
export function planLakeObjects(
  records: readonly ArchivedEvent[],
  target: LakeTarget,
  subset: OcsfSubset,
  maxEvents = MAX_EVENTS_PER_OBJECT,
): LakePlan {
  const held: Record<string, number> = {};
  const hold = (reason: string): void => void (held[reason] = (held[reason] ?? 0) + 1);
  const groups = new Map<
    string,
    { classUid: number; day: string; records: Array<{ event: LakeEvent; archiveKey: string }> }
  >();
  for (const { event, archiveKey } of records) {
    if (!isEvent(event)) {
      hold('not an OCSF event (no numeric time or class_uid)');
      continue;
    }
    if (securityLakeEventClass(event.class_uid) === undefined || !subset.classes[String(event.class_uid)]) {
      hold(`class ${event.class_uid}: no Security Lake event class`);
      continue;
    }
    const day = eventDay(event.time);
    const id = `${event.class_uid}/${day}`;
    const group = groups.get(id) ?? { classUid: event.class_uid, day, records: [] };
    group.records.push({ event, archiveKey });
    groups.set(id, group);
  }
  const objects: PlannedObject[] = [];
  for (const { classUid, day, records: members } of groups.values()) {
    const source = sourceName(target.prefix, classUid);
    const keyOf = new Map(members.map((m) => [m.event, m.archiveKey]));
    const sorted = byTime(members.map((m) => m.event));
    for (let start = 0; start < sorted.length; start += maxEvents) {
      const events = sorted.slice(start, start + maxEvents);
      const archiveKeys = [...new Set(events.map((e) => keyOf.get(e) as string))].sort();
      const key = `${lakePrefix({ source, region: target.region, accountId: target.accountId, day })}${objectName(events)}`;
      objects.push({ classUid, source, key, events, archiveKeys });
    }
  }
  return { objects, held };
}

/** `<hash of the events' uids>.parquet`: the same events make the same name. */
function objectName(events: readonly LakeEvent[]): string {
  const hash = createHash('sha256');
  for (const event of events) hash.update(`${String((event.metadata as { uid?: unknown } | undefined)?.uid)}\n`);
  return `${hash.digest('hex').slice(0, 32)}.parquet`;
}

/** What one export did. */
export interface LakeExport {
  readonly written: Array<{
    readonly key: string;
    readonly events: number;
    readonly bytes: number;
    readonly archiveKeys: readonly string[];
  }>;
  readonly failed: Array<{
    readonly key: string;
    readonly events: number;
    readonly error: string;
    readonly archiveKeys: readonly string[];
  }>;
  readonly held: Record<string, number>;
  /** Values of the wrong kind for their column, written as null. */
  readonly misfits: number;
}

/** Plans and writes every object; a failed write is reported (with its archive keys), the others still go. */
export async function exportToLake(
  records: readonly ArchivedEvent[],
  target: LakeTarget,
  sink: LakeSink,
  subset: OcsfSubset,
  maxEvents = MAX_EVENTS_PER_OBJECT,
): Promise<LakeExport> {
  const plan = planLakeObjects(records, target, subset, maxEvents);
  const out: LakeExport = { written: [], failed: [], held: plan.held, misfits: 0 };
  let misfits = 0;
  for (const object of plan.objects) {
    try {
      const parquet = writeLakeParquet(object.classUid, object.events, subset, object.archiveKeys);
      misfits += parquet.misfits;
      await sink.put(object.source, object.key, parquet.bytes);
      out.written.push({
        key: object.key,
        events: object.events.length,
        bytes: parquet.bytes.length,
        archiveKeys: object.archiveKeys,
      });
    } catch (error) {
      out.failed.push({
        key: object.key,
        events: object.events.length,
        error: error instanceof Error ? error.message : String(error),
        archiveKeys: object.archiveKeys,
      });
    }
  }
  return { ...out, misfits };
}
