/**
 * A small generated archive for the query tests: OCSF events of every vendor (made with the shared
 * eventHead, as connectors do), written in the archive layout (DESIGN.md 4.5): gzip NDJSON under
 * `events/vendor=<v>/dt=<day>/`, one object per vendor and day.
 */
import { writeEventsArchive } from '../../local/emulators/generated-records.ts';
import { parseSources, type Source, type Vendor } from '../../shared/config.ts';
import { vendorNames } from '../../functions/registry.ts';
import { eventHead, eventUid, type OcsfEvent } from '../../shared/ocsf.ts';

export const DAY_MS = 86_400_000;

/** The UTC day of an epoch-ms time, as the archive's `dt`. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function sourceOf(vendor: Vendor): Source {
  const [source] = parseSources({
    sources: [
      {
        id: `${vendor}-main`,
        vendor,
        baseUrl: 'https://vendor.example',
        secretName: `audit-pump/${vendor}`,
        startFrom: '2020-01-01T00:00:00Z',
      },
    ],
  }).sources;
  if (!source) throw new Error('no source');
  return source;
}

export interface FixtureEvent {
  vendor: Vendor;
  /** Days before now. */
  ageDays: number;
  failed?: boolean;
  email?: string;
  nativeId: string;
  /** Extra top-level fields, e.g. `unmapped`. */
  extra?: Record<string, unknown>;
}

/** One API Activity event as a connector would make it. */
export function fixtureEvent(e: FixtureEvent, now = Date.now()): OcsfEvent {
  const source = sourceOf(e.vendor);
  const time = now - e.ageDays * DAY_MS;
  const raw = JSON.stringify({ id: e.nativeId, at: new Date(time).toISOString() });
  const event = eventHead(
    {
      cls: 'ApiActivity',
      activityId: 1,
      time,
      message: `create by ${e.email ?? 'someone'}`,
      statusId: e.failed ? 2 : 1,
    },
    { source, uid: eventUid(e.vendor, source.id, e.nativeId), rawData: raw, receivedAt: now },
    { vendorName: e.vendor, name: e.vendor },
  );
  event.actor = { user: e.email ? { email_addr: e.email, uid: `u-${e.email}` } : { uid: 'u-anonymous' } };
  event.api = { operation: 'CreateThing' };
  event.src_endpoint = { ip: '198.51.100.7' };
  return Object.assign(event, e.extra);
}

/** Writes `events` (any JSON objects with `metadata.log_provider` and `time`) under `archiveDir`. */
export const writeArchive = writeEventsArchive;

/**
 * The standard fixture: per vendor, two fresh events (one failed, by ana), one 3 days old by bob,
 * one 40 days old failed (outside the named queries' windows), and the first event delivered twice.
 */
export function standardEvents(now = Date.now()): OcsfEvent[] {
  return vendorNames().flatMap((vendor) => {
    const fresh = fixtureEvent({ vendor, ageDays: 0, email: 'ana@example.com', nativeId: `${vendor}-1` }, now);
    return [
      fresh,
      { ...fresh },
      fixtureEvent({ vendor, ageDays: 0, failed: true, email: 'ana@example.com', nativeId: `${vendor}-2` }, now),
      fixtureEvent({ vendor, ageDays: 3, email: 'bob@example.com', nativeId: `${vendor}-3` }, now),
      fixtureEvent({ vendor, ageDays: 40, failed: true, nativeId: `${vendor}-4` }, now),
    ];
  });
}
