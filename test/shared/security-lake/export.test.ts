/**
 * Archived events → Security Lake objects: grouping by class and eventDay, splitting, stable object
 * names (a retried batch replaces its object), what is held back and why, and a refused write
 * reported with the archive objects behind it while the other objects still go.
 */
import { describe, expect, it } from '@jest/globals';
import { fixtureEvent } from '../../helpers/archive-fixture.ts';
import { loadOcsfSubset } from '../../../shared/ocsf-validate.ts';
import {
  exportToLake,
  planLakeObjects,
  type ArchivedEvent,
  type LakeSink,
} from '../../../shared/security-lake/export.ts';
import { eventDay, securityLakeEventClass, sourceName } from '../../../shared/security-lake/layout.ts';
import { writeLakeParquet, type LakeEvent } from '../../../shared/security-lake/parquet.ts';

const subset = loadOcsfSubset();
const TARGET = { prefix: 'ap', region: 'eu-west-1', accountId: '111122223333' };
const NOW = Date.parse('2026-11-20T12:00:00Z');

/** API Activity events `ageDays` old, one per id, read from `archiveKey`. */
function records(ids: readonly string[], ageDays: number, archiveKey: string): ArchivedEvent[] {
  return ids.map((id, i) => ({
    archiveKey,
    event: { ...fixtureEvent({ vendor: 'veza', ageDays, nativeId: id }, NOW - i * 1000) } as Record<string, unknown>,
  }));
}

const memorySink = (): LakeSink & { objects: Map<string, Uint8Array> } => {
  const objects = new Map<string, Uint8Array>();
  return { objects, put: async (_source, key, bytes) => void objects.set(key, bytes) };
};

describe('planLakeObjects', () => {
  it('makes one object per class and eventDay, under the source of the class', () => {
    const plan = planLakeObjects([...records(['a', 'b'], 0, 'k1'), ...records(['c'], 1, 'k2')], TARGET, subset);

    expect(plan.objects.map((o) => o.key.replace(/[0-9a-f]{32}/, '<hash>')).sort()).toEqual([
      'ext/ap-6003/region=eu-west-1/accountId=111122223333/eventDay=20261119/<hash>.parquet',
      'ext/ap-6003/region=eu-west-1/accountId=111122223333/eventDay=20261120/<hash>.parquet',
    ]);
    expect(plan.objects.map((o) => o.archiveKeys)).toEqual([['k1'], ['k2']]);
  });

  it('splits a group past the limit into objects of consecutive times, each sorted', () => {
    const plan = planLakeObjects(records(['a', 'b', 'c', 'd', 'e'], 0, 'k'), TARGET, subset, 2);

    const times = plan.objects.map((o) => o.events.map((e) => e.time));
    expect(times.map((t) => t.length)).toEqual([2, 2, 1]);
    expect(times.flat()).toEqual([...times.flat()].sort((x, y) => x - y));
  });

  it('names an object after its events: the same events make the same key, others another', () => {
    const once = planLakeObjects(records(['a', 'b'], 0, 'k'), TARGET, subset).objects[0]?.key;
    const again = planLakeObjects(records(['a', 'b'], 0, 'k-other'), TARGET, subset).objects[0]?.key;
    const more = planLakeObjects(records(['a', 'b', 'c'], 0, 'k'), TARGET, subset).objects[0]?.key;

    expect(again).toBe(once);
    expect(more).not.toBe(once);
  });

  it('holds back what no custom source takes, with the reason', () => {
    const base = { archiveKey: 'k', event: { ...records(['z'], 0, 'k')[0]?.event, class_uid: 0 } };
    const broken = { archiveKey: 'k', event: { class_uid: 6003, message: 'no time' } };

    const plan = planLakeObjects([base, broken, ...records(['a'], 0, 'k')], TARGET, subset);

    expect(plan.held).toEqual({
      'class 0: no Security Lake event class': 1,
      'not an OCSF event (no numeric time or class_uid)': 1,
    });
    expect(plan.objects.map((o) => o.events.length)).toEqual([1]);
  });
});

describe('exportToLake', () => {
  it('writes the other objects when one write is refused, and reports that one with its archive objects', async () => {
    const sink = memorySink();
    const refusing: LakeSink = {
      put: async (source, key, bytes) =>
        key.includes('eventDay=20261119') ? Promise.reject(new Error('AccessDenied')) : sink.put(source, key, bytes),
    };

    const out = await exportToLake([...records(['a'], 0, 'k1'), ...records(['b'], 1, 'k2')], TARGET, refusing, subset);

    expect(out.written.map((w) => w.archiveKeys)).toEqual([['k1']]);
    expect(out.failed).toEqual([
      { key: expect.stringContaining('eventDay=20261119/'), events: 1, error: 'AccessDenied', archiveKeys: ['k2'] },
    ]);
    expect([...sink.objects.keys()]).toEqual([out.written[0]?.key]);
  });
});

describe('writeLakeParquet', () => {
  it("refuses events of another class than the object's", () => {
    const events = records(['a'], 0, 'k').map((r) => r.event) as LakeEvent[];
    expect(() => writeLakeParquet(3002, events, subset)).toThrow(
      'a Parquet object holds one OCSF class: 3002 was asked, an event has class_uid 6003',
    );
  });

  it('writes a Parquet file (PAR1 at both ends)', () => {
    const { bytes } = writeLakeParquet(6003, records(['a'], 0, 'k').map((r) => r.event) as LakeEvent[], subset);
    expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
    expect(Buffer.from(bytes.subarray(-4)).toString()).toBe('PAR1');
  });
});

describe('layout', () => {
  it('names the Security Lake event class after the OCSF caption, none for the Base Event', () => {
    expect([6003, 6001, 6006, 4002, 3001, 3002, 2004, 0].map(securityLakeEventClass)).toEqual([
      'API_ACTIVITY',
      'WEB_RESOURCES_ACTIVITY',
      'FILE_HOSTING_ACTIVITY',
      'HTTP_ACTIVITY',
      'ACCOUNT_CHANGE',
      'AUTHENTICATION',
      'DETECTION_FINDING',
      undefined,
    ]);
  });

  it("keeps source names within Security Lake's 20 characters and refuses a prefix that would not", () => {
    expect(sourceName('audit-pump', 6003)).toBe('audit-pump-6003');
    expect(sourceName('a'.repeat(15), 6003)).toHaveLength(20);
    expect(() => sourceName('a'.repeat(16), 6003)).toThrow('Security Lake source prefix "aaaaaaaaaaaaaaaa" must match');
  });

  it('takes eventDay from the UTC day of the event time', () => {
    expect(eventDay(Date.parse('2026-11-19T23:59:59.999Z'))).toBe('20261119');
    expect(eventDay(Date.parse('2026-11-20T00:00:00Z'))).toBe('20261120');
  });
});
