/**
 * The Authentic8 connector through the Lambda's pump (`createPump`) on the local AWS stack, the
 * same path `audit-pump run` takes, against the Authentic8 emulator.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { authentic8Connector } from '../../../functions/authentic8/connector.ts';
import {
  authentic8NativeId,
  decryptStandard,
  startAuthentic8Emulator,
  type Authentic8Emulator,
  type Authentic8EmulatorOptions,
  type Authentic8Event,
} from '../../../functions/authentic8/emulator/emulator.ts';
import { eventUid } from '../../../shared/ocsf.ts';
import { runArmedAfterFirstPage, startConnectorStand, stopConnectorStands } from '../../helpers/connector-stand.ts';
import type { ConnectorStand } from '../../helpers/connector-stand.ts';
import { rawMismatches, uidsOf as archivedUids } from '../../helpers/connector-archive.ts';

const SOURCE_ID = 'authentic8-test';
const TOKEN = Buffer.from('connector-test-token-a8c').toString('base64');
const DAY_MS = 86_400_000;
const SEVERAL = ['URL', 'AUTH', 'ADMIN_AUDIT', 'BLOCKED URL', 'DOWNLOAD'];

type Harness = ConnectorStand<Authentic8Emulator>;

interface SetUp {
  options?: Record<string, unknown>;
  token?: string;
  startFrom?: string;
  emulator?: Partial<Authentic8EmulatorOptions>;
}

afterEach(stopConnectorStands);

function setUp(s: SetUp = {}): Promise<Harness> {
  return startConnectorStand({
    connector: authentic8Connector,
    sourceId: SOURCE_ID,
    emulator: () => startAuthentic8Emulator({ token: TOKEN, seed: 21, backlog: 300, ...s.emulator }),
    source: () => ({
      credentials: { token: s.token ?? TOKEN },
      startFrom: s.startFrom ?? new Date(Date.now() - 7 * DAY_MS).toISOString(),
      options: { org: 'Acme Corp', types: SEVERAL, ...s.options },
    }),
  });
}

const uidOf = (event: Authentic8Event): string => eventUid('authentic8', SOURCE_ID, authentic8NativeId(event));
const uidsOf = (records: ReadonlyArray<Record<string, unknown>>): string[] => archivedUids(records).sort();
const of = (events: readonly Authentic8Event[], types: readonly string[]): Authentic8Event[] =>
  events.filter((e) => types.includes(e.type));

/** Pages of a round: each type's pages, plus one empty caught-up page when the round ends on empty types. */
function pagesFor(events: readonly Authentic8Event[], types: readonly string[], limit = 1000): number {
  const counts = types.map((t) => events.filter((e) => e.type === t).length);
  const pages = counts.reduce((sum, n) => sum + Math.ceil(n / limit), 0);
  return counts.at(-1) === 0 || pages === 0 ? pages + 1 : pages;
}

describe('Authentic8 connector: draining', () => {
  it('drains several types into the archive, every log once with raw_data byte-exact, one sequence per type', async () => {
    // Prepare
    const h = await setUp();
    const served = of(h.emulator.events(), SEVERAL);

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({
      status: 'caught-up',
      more: false,
      events: served.length,
      rejected: 0,
      pages: pagesFor(served, SEVERAL),
    });
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(served.map(uidOf).sort());
    expect(rawMismatches(served, records, uidOf)).toEqual([]);
    const { types, pending } = (await h.cursor())?.cursor as { types: Record<string, number>; pending?: string[] };
    expect(Object.keys(types).sort()).toEqual([...SEVERAL].sort());
    expect(pending).toBeUndefined();
    expect(h.emulator.extractCalls.every((c) => c.limit === 1000 && c.org === 'Acme Corp')).toBe(true);
  });

  it('pages each type by next_seq while is_more, with the limit of the options', async () => {
    // Prepare
    const h = await setUp({ options: { limit: 40 } });
    const served = of(h.emulator.events(), SEVERAL);

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: served.length, pages: pagesFor(served, SEVERAL, 40) });
    const urlCalls = h.emulator.extractCalls.filter((c) => c.type === 'URL');
    expect(urlCalls.length).toBe(Math.ceil(of(served, ['URL']).length / 40));
    expect(urlCalls[0]).toHaveProperty('start_time');
    const seqs = urlCalls.slice(1).map((c) => c.start_seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(rawMismatches(served, await h.archived(), uidOf)).toEqual([]);
  });

  it('with types "all", asks get_log_types and drains every type of the org', async () => {
    // Prepare
    const h = await setUp({ options: { types: 'all' } });
    const served = h.emulator.events();

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: served.length, rejected: 0 });
    expect(new Set(h.emulator.extractCalls.map((c) => c.type)).size).toBe(25);
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(served.map(uidOf).sort());
    expect(rawMismatches(served, records, uidOf)).toEqual([]);
    const { types } = (await h.cursor())?.cursor as { types: Record<string, number> };
    expect(Object.keys(types).sort()).toEqual([...new Set(served.map((e) => e.type))].sort());
  });

  it('reads types whose names have spaces, and keeps their sequences under those names', async () => {
    // Prepare
    const spaced = ['BLOCKED URL', 'LOCATION CHANGE', 'CASE MANAGER'];
    const h = await setUp({ options: { types: spaced } });
    const served = of(h.emulator.events(), spaced);

    // Act
    const result = await h.run();

    // Assess
    expect(served.length).toBeGreaterThan(10);
    expect(result).toMatchObject({ status: 'caught-up', events: served.length });
    expect(Object.keys(((await h.cursor())?.cursor as { types: object }).types).sort()).toEqual([...spaced].sort());
    expect(rawMismatches(served, await h.archived(), uidOf)).toEqual([]);
  });

  it('reads only the logs that arrived since on the next run, from each stored sequence', async () => {
    // Prepare
    const h = await setUp();
    await h.run();
    const stored = ((await h.cursor())?.cursor as { types: Record<string, number> }).types;
    const calls = h.emulator.extractCalls.length;
    h.emulator.addEvents(7, { type: 'URL' });
    h.emulator.addEvents(3, { type: 'BLOCKED URL' });
    h.emulator.addEvents(4, { type: 'SESSION' });

    // Act
    const second = await h.run();

    // Assess
    expect(second).toMatchObject({ status: 'caught-up', events: 10 });
    const again = h.emulator.extractCalls.slice(calls);
    expect(again.map((c) => [c.type, c.start_seq])).toEqual(SEVERAL.map((t) => [t, stored[t]]));
    const served = of(h.emulator.events(), SEVERAL);
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(served.map(uidOf).sort());
    expect(rawMismatches(served, records, uidOf)).toEqual([]);
  });

  it('leaves a type with no logs unopened, and opens it by time once logs arrive', async () => {
    // Prepare: POST DATA is only logged with encryption, so the plaintext org has none yet.
    const h = await setUp({ options: { types: ['URL', 'POST DATA'] } });
    await h.run();
    const first = ((await h.cursor())?.cursor as { types: Record<string, number> }).types;
    const late = h.emulator.addEvents(2, { type: 'POST DATA' });

    // Act
    const second = await h.run();

    // Assess
    expect(Object.keys(first)).toEqual(['URL']);
    expect(second).toMatchObject({ status: 'caught-up', events: 2 });
    expect(
      h.emulator.extractCalls
        .filter((c) => c.type === 'POST DATA')
        .every((c) => 'start_time' in c && !('start_seq' in c)),
    ).toBe(true);
    expect(uidsOf(await h.archived())).toEqual(expect.arrayContaining(late.map(uidOf)));
  });

  it('opens each type a day before startFrom, so nothing older is read', async () => {
    // Prepare: logs over 20 days, startFrom 10 days ago.
    const startFrom = new Date(Date.now() - 10 * DAY_MS).toISOString();
    const h = await setUp({ startFrom, emulator: { backlogStart: new Date(Date.now() - 20 * DAY_MS), backlog: 400 } });
    const served = of(h.emulator.events(), SEVERAL).filter((e) => e.createTs * 1000 >= Date.parse(startFrom) - DAY_MS);

    // Act
    const result = await h.run();

    // Assess
    expect(served.length).toBeLessThan(of(h.emulator.events(), SEVERAL).length);
    expect(result).toMatchObject({ status: 'caught-up', events: served.length });
    expect(uidsOf(await h.archived())).toEqual(served.map(uidOf).sort());
  });

  it('drains as well when a drained next_seq is the last seq_id + 1 rather than the scanned position', async () => {
    // Prepare
    const h = await setUp({ emulator: { drainedNextSeq: 'echo' } });
    const served = of(h.emulator.events(), SEVERAL);
    await h.run();

    // Act
    const second = await h.run();

    // Assess
    expect(second).toMatchObject({ status: 'caught-up', events: 0 });
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(served.map(uidOf).sort());
  });
});

describe('Authentic8 connector: orgs', () => {
  it('reads an org named by a path with an escaped slash', async () => {
    // Prepare
    const h = await setUp({ options: { org: 'Acme Corp/OSINT\\/HUMINT' } });
    const served = of(h.emulator.events('Acme Corp/OSINT\\/HUMINT'), SEVERAL);

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: served.length });
    expect(uidsOf(await h.archived())).toEqual(served.map(uidOf).sort());
  });

  it.each([
    ['an unknown org', 'Initech', /No org matching 'Initech'/],
    ['an ambiguous org name', 'Analysts', /No org matching 'Analysts' uniquely/],
    ["another customer's org", 'Globex', /No org matching 'Globex'/],
  ])(
    'fails on %s with a message naming the org and how to write a path, storing no cursor',
    async (_name, org, said) => {
      // Prepare
      const h = await setUp({ options: { org } });

      // Act
      const result = await h.run();

      // Assess
      expect(result).toMatchObject({ status: 'failed', events: 0, pages: 0 });
      expect(result.error).toMatch(new RegExp(`^VendorError: authentic8 has no org "${org}" for this token`));
      expect(result.error).toMatch(said);
      expect(result.error).toContain('org path Parent/Child');
      expect((await h.cursor())?.cursor).toBeUndefined();
    },
  );

  it('archives the ENC logs of an org with encrypted logs as they are, marked encrypted', async () => {
    // Prepare
    const h = await setUp({ options: { org: 'EU/Analysts', types: ['ENC', 'URL'] } });
    const org = h.emulator.org('Acme Corp/EU/Analysts');
    const served = org.events;

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: served.length, rejected: 0 });
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(served.map(uidOf).sort());
    expect(rawMismatches(served, records, uidOf)).toEqual([]);
    expect(
      records.every((r) => r.class_uid === 0 && (r.metadata as { labels: string[] }).labels.includes('encrypted')),
    ).toBe(true);
    const sample = JSON.parse(records[0]?.raw_data as string) as { enc: string; key_name: string };
    expect(sample.key_name).toBe(org.keyName);
    expect(JSON.parse(decryptStandard(sample.enc, org.privateKeyPem ?? ''))).toHaveProperty('org_id', org.id);
  });
});

describe('Authentic8 connector: errors', () => {
  it('fails on a refused token after fetching the secret once more, never echoing the token, storing no cursor', async () => {
    // Prepare
    const wrong = Buffer.from('not-the-right-token-0000').toString('base64');
    const h = await setUp({ token: wrong });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'failed', events: 0, pages: 0 });
    expect(result.error).toMatch(
      /^AuthError: authentic8 refused the auth token: extractlog answered "KeyError: '\[REDACTED\]'" inside an HTTP 200/,
    );
    expect(result.error).not.toContain(wrong);
    expect(h.emulator.stats.requests).toBe(2);
    expect((await h.cursor())?.cursor).toBeUndefined();
  });

  it('recovers from an HTTP 401 by fetching the secret again', async () => {
    // Prepare
    const h = await setUp({ emulator: { faults: { unauthorizedNext: 1 } } });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: of(h.emulator.events(), SEVERAL).length });
  });

  it('fails on an in-band error mid-run keeping the cursor at the last delivered page, and the rerun completes', async () => {
    // Prepare: once the URL page is committed, the next extractlog answers an in-band error.
    // (The runner may have prefetched the next page before the fault was armed: the fault hits page 2 or 3.)
    const h = await setUp();
    const served = of(h.emulator.events(), SEVERAL);

    // Act
    const failed = await runArmedAfterFirstPage(h, () => (h.emulator.faults.commandErrorNext = 1));
    const rerun = await h.run();

    // Assess
    const delivered = of(served, SEVERAL.slice(0, failed.pages)).length;
    expect([1, 2]).toContain(failed.pages);
    expect(failed).toMatchObject({ status: 'failed', events: delivered });
    expect(failed.error).toMatch(/VendorError: authentic8 extractlog failed: "OperationalError: log store unavailable/);
    expect(rerun).toMatchObject({ status: 'caught-up', events: served.length - delivered });
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(served.map(uidOf).sort());
  });
});
