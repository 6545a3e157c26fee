/**
 * Contract of the cursor store (DESIGN.md 4.3, invariants 1-3) against a real local DynamoDB:
 * leases taken and renewed with conditional writes, commits conditional on version and owner,
 * and exactly one winner when runs race. Time moves through the injected clock only.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureCursorTable, startDynamo, type LocalDynamo } from '../../local/aws/dynamo.ts';
import { BACKFILL_KEY } from '../../shared/backfill.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { CursorConflictError, LeaseHeldError } from '../../shared/errors.ts';
import { failure } from '../helpers/failure.ts';

const TABLE = 'cursor-store-test';
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
const LEASE_MS = 60_000;

let dynamo: LocalDynamo;
let store: CursorStore;
let clock: number;
let sourceCount = 0;

/** A source id no other test has used, so tests share the table without seeing each other. */
function freshSource(): string {
  sourceCount += 1;
  return `source-${sourceCount}`;
}

/** A fresh source that run-a leased and committed `{ n: 1 }` to (version 1), with `lastEventTime` when given. */
async function committedSource(lastEventTime?: number): Promise<string> {
  const id = freshSource();
  await store.acquireLease(id, 'run-a', LEASE_MS);
  const eventTime = lastEventTime === undefined ? {} : { lastEventTime };
  await store.commit(id, { owner: 'run-a', expectedVersion: 0, cursor: { n: 1 }, leaseMs: LEASE_MS, ...eventTime });
  return id;
}

beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureCursorTable(dynamo.client, TABLE);
  store = new CursorStore({ client: dynamo.client, tableName: TABLE, now: () => clock });
});

afterAll(async () => {
  await dynamo.stop();
});

beforeEach(() => {
  clock = T0;
});

describe('CursorStore leases', () => {
  it('creates the item at version 0 with the lease when a new source is first acquired', async () => {
    // Prepare
    const id = freshSource();
    expect(await store.get(id)).toBeUndefined();

    // Act
    const acquired = await store.acquireLease(id, 'run-a', LEASE_MS);

    // Assess
    const expected = { sourceId: id, version: 0, leaseOwner: 'run-a', leaseExpiresAt: T0 + LEASE_MS, updatedAt: T0 };
    expect(acquired).toEqual(expected);
    expect(await store.get(id)).toEqual(expected);
  });

  it('refuses a second owner with LeaseHeldError naming the holder and the expiry while the lease is live', async () => {
    // Prepare
    const id = freshSource();
    await store.acquireLease(id, 'run-a', LEASE_MS);
    clock = T0 + LEASE_MS - 1;

    // Act
    const error = await failure(store.acquireLease(id, 'run-b', LEASE_MS));

    // Assess
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect(error).toMatchObject({ sourceId: id, holder: 'run-a', expiresAt: T0 + LEASE_MS });
    expect(error.message).toContain('run-a');
    expect(await store.get(id)).toMatchObject({ leaseOwner: 'run-a', leaseExpiresAt: T0 + LEASE_MS });
  });

  it('lets the owner acquire again, which extends its lease', async () => {
    // Prepare
    const id = freshSource();
    await store.acquireLease(id, 'run-a', LEASE_MS);
    clock = T0 + 10_000;

    // Act
    const again = await store.acquireLease(id, 'run-a', LEASE_MS);

    // Assess
    expect(again).toMatchObject({ version: 0, leaseOwner: 'run-a', leaseExpiresAt: T0 + 10_000 + LEASE_MS });
  });

  it('hands an expired lease to another owner and keeps the cursor and its version', async () => {
    // Prepare: run-a commits once, then stops renewing (a hard timeout).
    const id = freshSource();
    await store.acquireLease(id, 'run-a', LEASE_MS);
    await store.commit(id, { owner: 'run-a', expectedVersion: 0, cursor: { page: 1 }, leaseMs: LEASE_MS });
    clock = T0 + LEASE_MS + 1;

    // Act
    const taken = await store.acquireLease(id, 'run-b', LEASE_MS);

    // Assess
    expect(taken).toMatchObject({
      leaseOwner: 'run-b',
      leaseExpiresAt: clock + LEASE_MS,
      version: 1,
      cursor: { page: 1 },
    });
  });

  it('renews the lease of its owner and refuses a renewal by anyone else with CursorConflictError', async () => {
    // Prepare
    const id = freshSource();
    await store.acquireLease(id, 'run-a', LEASE_MS);
    clock = T0 + 30_000;

    // Act
    await store.renewLease(id, 'run-a', LEASE_MS);
    const error = await failure(store.renewLease(id, 'run-b', LEASE_MS));

    // Assess
    expect(error).toBeInstanceOf(CursorConflictError);
    expect(error.message).toContain(id);
    expect(await store.get(id)).toMatchObject({ leaseOwner: 'run-a', leaseExpiresAt: T0 + 30_000 + LEASE_MS });
  });

  it('refuses to renew a lease another owner has taken over', async () => {
    // Prepare
    const id = freshSource();
    await store.acquireLease(id, 'run-a', LEASE_MS);
    clock = T0 + LEASE_MS + 1;
    await store.acquireLease(id, 'run-b', LEASE_MS);

    // Act
    const error = await failure(store.renewLease(id, 'run-a', LEASE_MS));

    // Assess
    expect(error).toBeInstanceOf(CursorConflictError);
    expect(await store.get(id)).toMatchObject({ leaseOwner: 'run-b' });
  });

  it('removes the lease on release so another owner can acquire at once', async () => {
    // Prepare
    const id = freshSource();
    await store.acquireLease(id, 'run-a', LEASE_MS);

    // Act
    await store.releaseLease(id, 'run-a');
    const next = await store.acquireLease(id, 'run-b', LEASE_MS);

    // Assess
    expect(next.leaseOwner).toBe('run-b');
  });

  it('leaves the lease untouched when a non-owner releases it', async () => {
    // Prepare
    const id = freshSource();
    await store.acquireLease(id, 'run-a', LEASE_MS);
    const before = await store.get(id);

    // Act
    await store.releaseLease(id, 'run-b');

    // Assess
    expect(await store.get(id)).toEqual(before);
  });
});

describe('CursorStore commits', () => {
  it('bumps the version, stores the cursor as JSON and the success and event times, and extends the lease', async () => {
    // Prepare
    const id = freshSource();
    await store.acquireLease(id, 'run-a', LEASE_MS);
    clock = T0 + 5_000;
    const cursor = { from: '2026-11-01T00:00:00Z', position: 'tok/é', n: 2 };

    // Act
    const version = await store.commit(id, {
      owner: 'run-a',
      expectedVersion: 0,
      cursor,
      leaseMs: LEASE_MS,
      lastEventTime: T0 - 1_000,
    });

    // Assess
    expect(version).toBe(1);
    expect(await store.get(id)).toEqual({
      sourceId: id,
      version: 1,
      cursor,
      leaseOwner: 'run-a',
      leaseExpiresAt: T0 + 5_000 + LEASE_MS,
      lastSuccessAt: T0 + 5_000,
      lastEventTime: T0 - 1_000,
      updatedAt: T0 + 5_000,
    });
    const raw = await dynamo.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { sourceId: { S: id } }, ConsistentRead: true }),
    );
    expect(raw.Item?.cursor).toEqual({ S: JSON.stringify(cursor) });
  });

  it('keeps the last event time when a commit does not carry one', async () => {
    // Prepare
    const id = await committedSource(42);

    // Act
    await store.commit(id, { owner: 'run-a', expectedVersion: 1, cursor: { n: 2 }, leaseMs: LEASE_MS });

    // Assess
    expect(await store.get(id)).toMatchObject({ version: 2, cursor: { n: 2 }, lastEventTime: 42 });
  });

  it('refuses a commit at a stale version with CursorConflictError and keeps the stored cursor', async () => {
    // Prepare
    const id = await committedSource();

    // Act
    const error = await failure(
      store.commit(id, { owner: 'run-a', expectedVersion: 0, cursor: { n: 99 }, leaseMs: LEASE_MS }),
    );

    // Assess
    expect(error).toBeInstanceOf(CursorConflictError);
    expect(error.message).toContain('version 0');
    expect(await store.get(id)).toMatchObject({ version: 1, cursor: { n: 1 } });
  });

  it("refuses a commit by a run whose lease was taken over, leaving the new owner's cursor unchanged", async () => {
    // Prepare: run-a stalls past its lease, run-b takes over and commits.
    const id = await committedSource();
    clock = T0 + LEASE_MS + 1;
    await store.acquireLease(id, 'run-b', LEASE_MS);

    // Act: run-a wakes up and commits at the version it read.
    const error = await failure(
      store.commit(id, { owner: 'run-a', expectedVersion: 1, cursor: { n: 666 }, leaseMs: LEASE_MS }),
    );

    // Assess
    expect(error).toBeInstanceOf(CursorConflictError);
    expect(await store.get(id)).toMatchObject({ version: 1, cursor: { n: 1 }, leaseOwner: 'run-b' });
  });
});

describe('CursorStore reset', () => {
  it('removes the cursor and bumps the version, so a run in flight at the old version cannot commit', async () => {
    // Prepare: run-a committed, then stalled past its lease.
    const id = await committedSource(7);
    clock = T0 + LEASE_MS + 1;

    // Act
    await store.reset(id);
    const late = await failure(
      store.commit(id, { owner: 'run-a', expectedVersion: 1, cursor: { n: 2 }, leaseMs: LEASE_MS }),
    );

    // Assess
    expect(late).toBeInstanceOf(CursorConflictError);
    const state = await store.get(id);
    expect(state?.version).toBe(2);
    expect(state).not.toHaveProperty('cursor');
    expect(state).not.toHaveProperty('lastEventTime');
  });

  it('is refused with CursorConflictError while a live lease is held, and the cursor stays', async () => {
    // Prepare
    const id = await committedSource();

    // Act
    const error = await failure(store.reset(id));

    // Assess
    expect(error).toBeInstanceOf(CursorConflictError);
    expect(error.message).toContain('holds the lease');
    expect(await store.get(id)).toMatchObject({ version: 1, cursor: { n: 1 } });
  });
});

describe('CursorStore reads', () => {
  it('lists every stored source sorted by id', async () => {
    // Prepare: a table of its own, filled out of order.
    const table = 'cursor-store-list';
    await ensureCursorTable(dynamo.client, table);
    const listing = new CursorStore({ client: dynamo.client, tableName: table, now: () => clock });
    for (const id of ['veza-main', 'authentic8-a', 'nected-eu', 'carbonblack-1'])
      await listing.acquireLease(id, 'run-a', LEASE_MS);

    // Act
    const states = await listing.list();

    // Assess
    expect(states.map((s) => s.sourceId)).toEqual(['authentic8-a', 'carbonblack-1', 'nected-eu', 'veza-main']);
    expect(states.every((s) => s.version === 0 && s.leaseOwner === 'run-a')).toBe(true);
  });

  it('lists, for a keyed store, only the items of its key space, under their source ids', async () => {
    // Prepare: live and backfill items of two sources in one table.
    const table = 'cursor-store-keyed-list';
    await ensureCursorTable(dynamo.client, table);
    const live = new CursorStore({ client: dynamo.client, tableName: table, now: () => clock });
    const backfills = new CursorStore({ client: dynamo.client, tableName: table, now: () => clock, key: BACKFILL_KEY });
    for (const id of ['veza-main', 'nected-eu']) await live.acquireLease(id, 'run-a', LEASE_MS);
    await backfills.acquireLease('veza-main', 'run-b', LEASE_MS);

    // Act
    const listed = await backfills.list();

    // Assess
    expect(listed.map((s) => [s.sourceId, s.leaseOwner])).toEqual([['veza-main', 'run-b']]);
    expect((await live.list()).map((s) => s.sourceId)).toEqual(['nected-eu', 'veza-main', 'veza-main#backfill']);
  });

  it('returns a stored cursor that is not JSON with cursorError set instead of throwing', async () => {
    // Prepare: an item edited by hand, as an operator might.
    const id = freshSource();
    await dynamo.client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { sourceId: { S: id }, version: { N: '3' }, cursor: { S: '{"from": 2026-11-01' } },
      }),
    );

    // Act
    const state = await store.get(id);

    // Assess
    expect(state).toMatchObject({ sourceId: id, version: 3 });
    expect(state).not.toHaveProperty('cursor');
    expect(state?.cursorError).toMatch(/^stored cursor is not JSON: /);
  });
});

describe('CursorStore under races', () => {
  it('gives the lease to exactly one of 20 owners acquiring at once', async () => {
    // Prepare
    const id = freshSource();
    const owners = Array.from({ length: 20 }, (_, i) => `run-${i}`);

    // Act
    const results = await Promise.allSettled(owners.map((owner) => store.acquireLease(id, owner, LEASE_MS)));

    // Assess
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    expect(lost.every((e) => e instanceof LeaseHeldError)).toBe(true);
    expect((await store.get(id))?.leaseOwner).toBe(won[0]?.leaseOwner);
  });

  it('accepts exactly one of 20 commits made at the same version', async () => {
    // Prepare
    const id = freshSource();
    await store.acquireLease(id, 'run-a', LEASE_MS);
    const attempts = Array.from({ length: 20 }, (_, i) => ({
      owner: 'run-a',
      expectedVersion: 0,
      cursor: { attempt: i },
      leaseMs: LEASE_MS,
    }));

    // Act
    const results = await Promise.allSettled(attempts.map((input) => store.commit(id, input)));

    // Assess
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(winners).toHaveLength(1);
    expect(losers.every((e) => e instanceof CursorConflictError)).toBe(true);
    expect(await store.get(id)).toMatchObject({ version: 1, cursor: { attempt: winners[0] } });
  });
});
