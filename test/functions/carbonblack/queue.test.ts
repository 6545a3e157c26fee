/**
 * The Carbon Black connector in queue mode: the `_queue` read is destructive, so each batch goes to
 * the spool before it is parsed or delivered and is replayed from there after a crash. Runs go
 * through `createPump` (and, for commit-time crashes, `runSource` with crashing steps) on the local
 * stack; one test kills a real pump process right after its spool write.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { carbonBlackConnector } from '../../../functions/carbonblack/connector.ts';
import { queueSpoolPrefix } from '../../../functions/carbonblack/queue.ts';
import { readArchive } from '../../../local/query/archive-reader.ts';
import { startLocalStack } from '../../../local/aws/stack.ts';
import { createPump } from '../../../shared/handler.ts';
import { FileSpool } from '../../../shared/spool.ts';
import { eventUid } from '../../../shared/ocsf.ts';
import {
  CB_KEY,
  CB_SOURCE_ID,
  Crash,
  sorted,
  startStand,
  stopStands,
  uidsOf,
  type CbStand,
  type CbStandOptions,
} from '../../helpers/carbonblack.ts';

const BATCH = 60;
const LEASE_MS = 60_000;

afterEach(stopStands);

/** A queue-mode stand: batches of at most BATCH records; the key's queue holds the last three days. */
const queueStand = (options: CbStandOptions = {}): Promise<CbStand> =>
  startStand({
    ...options,
    emulator: { queueBatch: BATCH, ...options.emulator },
    source: { ...options.source, options: { mode: 'queue', ...options.source?.options } },
  });

/** Every event that entered the key's queue is archived (`duplicates` allowed or not), nothing else. */
async function expectComplete(h: CbStand, { duplicates = false } = {}): Promise<string[]> {
  const archived = uidsOf(await h.archived());
  const expected = h.uids(h.emulator.enqueued(CB_KEY.id));
  expect(sorted([...new Set(archived)])).toEqual(sorted(expected));
  if (!duplicates) expect(archived).toHaveLength(expected.length);
  return archived;
}

const spooled = (h: CbStand): Promise<string[]> => h.stack.spool.list(queueSpoolPrefix(CB_SOURCE_ID));

describe('Carbon Black queue mode', () => {
  it("drains the key's queue batch by batch, archives every queued event once and leaves the spool empty", async () => {
    // Prepare
    const h = await queueStand();
    const queued = h.emulator.queued(CB_KEY.id).length;

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: queued, pages: Math.ceil(queued / BATCH) + 1 });
    expect(h.emulator.queued(CB_KEY.id)).toEqual([]);
    await expectComplete(h);
    expect(await spooled(h)).toEqual([]);
  });

  it('gives identical records distinct uids, the same ones search mode gives them', async () => {
    // Prepare
    const h = await queueStand({ emulator: { backlog: 10 } });
    const copies = h.emulator.addEvents(1, { identical: 5 });

    // Act
    await h.run();

    // Assess
    const archived = await expectComplete(h);
    const copyUids = h.uids(copies);
    expect(new Set(copyUids).size).toBe(5);
    expect(archived.filter((u) => copyUids.includes(u))).toHaveLength(5);
  });

  it('waits out a 429 on the queue read and loses nothing', async () => {
    // Prepare
    const h = await queueStand();
    Object.assign(h.emulator.faults, { rateLimitNext: 1, retryAfterSeconds: 3 });

    // Act
    const result = await h.run();

    // Assess
    expect(h.sleeps).toEqual([3000]);
    expect(result.status).toBe('caught-up');
    await expectComplete(h);
  });

  it('refuses to read the queue without a spool, leaving the queue untouched', async () => {
    // Prepare
    const h = await queueStand();
    const before = h.emulator.queued(CB_KEY.id).length;
    const pump = createPump(carbonBlackConnector, {
      config: h.stack.config,
      clients: h.stack.clients,
    });

    // Act
    const [result] = (await pump({ sourceId: CB_SOURCE_ID }, 60_000)).results;

    // Assess
    expect(result).toMatchObject({ status: 'failed' });
    expect(result?.error).toMatch(/ConfigError: .*queue mode needs a spool \(set SPOOL_BUCKET\)/);
    expect(h.emulator.queued(CB_KEY.id)).toHaveLength(before);
    expect(h.emulator.stats.queue).toBe(0);
  });

  it('starts queue mode afresh, with a warning, when the stored cursor is from search mode', async () => {
    // Prepare
    const h = await queueStand();
    await h.runAs({ options: { mode: 'search' } });
    const searched = uidsOf(await h.archived()).length;

    // Act
    const result = await h.run();

    // Assess
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/cursor is for search mode; starting queue mode afresh/),
      }),
    );
    expect(result).toMatchObject({ status: 'caught-up', events: h.emulator.enqueued(CB_KEY.id).length });
    expect(searched).toBe(h.emulator.events().length);
  });
});

describe('Carbon Black queue mode: crashes', () => {
  it('loses nothing when the run dies right after the spool write: the rerun delivers the spooled batch', async () => {
    // Prepare
    const h = await queueStand();
    h.afterSpoolPut = () => {
      throw new Crash('process died after the spool write');
    };
    const crashed = await h.run();
    const left = h.emulator.queued(CB_KEY.id).length;
    const batch = await spooled(h);
    h.afterSpoolPut = () => undefined;

    // Act
    const rerun = await h.run();

    // Assess
    expect(crashed).toMatchObject({ status: 'failed', events: 0 });
    expect(left).toBe(h.emulator.enqueued(CB_KEY.id).length - BATCH);
    expect(batch).toHaveLength(1);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        message: 'carbonblack: delivering a spooled queue batch again',
        attributes: expect.objectContaining({ key: batch[0] }),
      }),
    );
    expect(rerun.status).toBe('caught-up');
    await expectComplete(h);
    expect(await spooled(h)).toEqual([]);
  });

  it('re-delivers the batch with the same uids when the run dies after delivery, before the commit', async () => {
    // Prepare
    const h = await queueStand();
    const crashed = await h.runSteps('afterDelivery', 2);
    h.clock.offset += LEASE_MS + 1000;

    // Act
    const rerun = await h.runSteps();

    // Assess
    expect(crashed.status).toBe('failed');
    expect(rerun.status).toBe('caught-up');
    const archived = await expectComplete(h, { duplicates: true });
    expect(archived.length - new Set(archived).size).toBe(BATCH);
    expect(await spooled(h)).toEqual([]);
  });

  it('does not deliver a batch again when the run dies after the commit, before the spool delete', async () => {
    // Prepare
    const h = await queueStand();
    await h.runSteps('afterCommit', 1);
    const leftover = await spooled(h);
    h.clock.offset += LEASE_MS + 1000;

    // Act
    const rerun = await h.runSteps();

    // Assess
    expect(leftover).toHaveLength(1);
    expect(rerun.status).toBe('caught-up');
    await expectComplete(h);
    expect(await spooled(h)).toEqual([]);
  });

  it('moves a batch that is not JSON out of the replay path, reports it, and reads on', async () => {
    // Prepare
    const h = await queueStand();
    h.emulator.faults.truncateNext = 1;
    const failed = await h.run();

    // Act
    const rerun = await h.run();

    // Assess
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(
      /MalformedPageError: carbonblack _queue: spooled batch carbonblack\/cb-test\/.* moved to carbonblack-quarantine\/cb-test\//,
    );
    expect(rerun.status).toBe('caught-up');
    const quarantined = await h.stack.spool.list('carbonblack-quarantine/');
    expect(quarantined).toHaveLength(1);
    expect(Buffer.from(await h.stack.spool.get(quarantined[0] as string)).toString('utf8')).toMatch(/^\{"num_found":/);
    expect(uidsOf(await h.archived())).toHaveLength(h.emulator.enqueued(CB_KEY.id).length - BATCH);
  });
});

describe('Carbon Black queue mode: a killed process', () => {
  const CHILD = fileURLToPath(new URL('../../helpers/carbonblack-crash-child.ts', import.meta.url));

  it('loses nothing when the pump process is killed after the spool write, before delivery', async () => {
    // Prepare
    const h = await queueStand();
    const [stateDir, archiveDir] = [join(h.stateDir, '..', 'child-state'), join(h.stateDir, '..', 'child-archive')];
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CHILD,
        h.emulator.baseUrl,
        h.emulator.orgKey,
        CB_KEY.id,
        CB_KEY.secret,
        stateDir,
        archiveDir,
        '1000',
      ],
      {
        env: { ...process.env, NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString('utf8')));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('close', (_code, signal) => resolve(signal)),
    );
    for (const started = Date.now(); !/spooled /.test(out) && Date.now() - started < 15_000 && child.exitCode === null;)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    const signal = await exited;
    const consumed = h.emulator.enqueued(CB_KEY.id).length - h.emulator.queued(CB_KEY.id).length;
    const durable = await new FileSpool(join(stateDir, 'spool')).list('');
    await new Promise((r) => setTimeout(r, 1100)); // the dead process's 1 s lease expires

    // Act
    const { secretName: _moved, ...source } = h.source;
    const stack = await startLocalStack({
      sources: [{ ...source, id: 'cb-crash', credentials: { apiId: CB_KEY.id, apiSecret: CB_KEY.secret } }],
      stateDir,
      archiveDir,
    });
    try {
      const pump = createPump(carbonBlackConnector, {
        config: stack.config,
        clients: stack.clients,
        spool: stack.spool,
      });
      const [result] = (await pump({ sourceId: 'cb-crash' }, 60_000)).results;
      await stack.firehose.flush();

      // Assess
      expect([signal, out]).toEqual(['SIGKILL', expect.stringMatching(/^spooled carbonblack\/cb-crash\/\S+\.json\n$/)]);
      expect(consumed).toBe(BATCH);
      expect(durable).toEqual([out.slice('spooled '.length).trim()]);
      expect(result).toMatchObject({ status: 'caught-up' });
      const archived = (await readArchive(archiveDir)).map((a) => (a.record.metadata as { uid: string }).uid);
      const expected = h.emulator
        .nativeIds(h.emulator.enqueued(CB_KEY.id))
        .map((id) => eventUid('carbonblack', 'cb-crash', id));
      expect(sorted(archived)).toEqual(sorted(expected));
    } finally {
      await stack.stop();
    }
  }, 30_000);
});
