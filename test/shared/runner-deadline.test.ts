/**
 * The deadline bounds every AWS call (DESIGN.md 4.3 invariant 4): a Firehose, DynamoDB or Secrets
 * Manager that stops answering cannot keep a run past its deadline with the lease held. The run
 * stops, gives its lease back, keeps the cursor at the last committed page, and the next run
 * delivers everything.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { LOCAL_AWS } from '../../local/aws/dynamo.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { FINAL_CALL_MS } from '../../shared/runner.ts';
import { FirehoseSink } from '../../shared/sink.ts';
import { assertComplete, startHarness, type Harness } from '../helpers/harness.ts';

/** A loopback server that accepts connections and never answers. */
let blackHole: Server;
let endpoint: string;
const sockets = new Set<Socket>();
beforeAll(async () => {
  blackHole = createServer((s) => void sockets.add(s));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => blackHole.close(resolve));
});

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ backlog: 120, pageSize: 50 });
});
afterEach(async () => {
  await h.stop();
});

/** The harness's clock (real time plus its offset) plus `ms`. */
const inMs = (ms: number): number => Date.now() + h.clock.offset + ms;

async function expectStoppedCleanly(): Promise<void> {
  const state = await h.store.get(h.source.id);
  expect(state?.leaseOwner).toBeUndefined();
  expect(state?.cursor).toBeUndefined();
  await h.drain();
  await assertComplete(h);
}

describe('runner: AWS calls that stall at the deadline', () => {
  it('a Firehose that never answers: the put is aborted at the deadline, the lease released, nothing lost', async () => {
    // Prepare
    const client = new FirehoseClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
    const stalled = new FirehoseSink({ client, streamName: h.stack.config.archiveStream });

    // Act
    const result = await h.run({}, { sink: stalled, deadline: inMs(800) }).finally(() => client.destroy());

    // Assess
    expect(result).toMatchObject({ status: 'deadline', more: true, events: 0, pages: 0 });
    await expectStoppedCleanly();
  });

  it('a DynamoDB that never answers the commit: the commit is aborted, the lease released, the page delivered again', async () => {
    // Prepare: every other cursor-store call works.
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
    const stalled = new CursorStore({ client, tableName: h.stack.config.cursorTable });
    const store = Object.create(h.store) as CursorStore;
    store.commit = (id, input, signal) => stalled.commit(id, input, signal);

    // Act
    const result = await h.run({}, { store, deadline: inMs(500) }).finally(() => client.destroy());

    // Assess: the commit had FINAL_CALL_MS, since the page had been delivered.
    expect(FINAL_CALL_MS).toBeGreaterThan(500);
    expect(result).toMatchObject({ status: 'deadline', more: true, pages: 0 });
    await expectStoppedCleanly();
  });

  it('a Secrets Manager that never answers: the run stops waiting at the deadline', async () => {
    // Act
    const result = await h.run({}, { credentials: { get: () => new Promise(() => undefined) }, deadline: inMs(300) });

    // Assess
    expect(result).toMatchObject({ status: 'deadline', more: true, events: 0 });
    await expectStoppedCleanly();
  });

  it('a deadline that has passed when the run starts takes no lease at all', async () => {
    const result = await h.run({}, { deadline: inMs(-1) });

    expect(result).toMatchObject({ status: 'deadline', more: true, events: 0 });
    expect(await h.store.get(h.source.id)).toBeUndefined();
  });
});
