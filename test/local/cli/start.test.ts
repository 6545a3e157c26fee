/**
 * The sources `npm start` runs: one per emulator, read 10 s behind now, so a time-window vendor's
 * new events reach the archive within seconds instead of after its production settle lag.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { readArchive } from '../../../local/query/archive-reader.ts';
import { EMULATORS, startEmulator, type RunningEmulator } from '../../../local/emulators/emulators.ts';
import { drainSource, localPumps } from '../../../local/cli/local-run.ts';
import { NECTED_LOCAL_API_KEY, startNectedEmulator } from '../../../functions/nected/emulator/emulator.ts';
import { startLocalStack } from '../../../local/aws/stack.ts';
import { localSources } from '../../../local/cli/start.ts';
import { eventUid } from '../../../shared/ocsf.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const START_FROM = new Date(Date.now() - 7 * 86_400_000).toISOString();

describe('localSources', () => {
  it('gives every emulator one source, read 10 s behind now', async () => {
    const emulators: RunningEmulator[] = [];
    for (const vendor of Object.keys(EMULATORS))
      emulators.push(await startEmulator(vendor, { backlog: 5, arrivalsPerSecond: 0 }));
    cleanups.push(() => Promise.all(emulators.map((e) => e.stop())));

    const sources = localSources(emulators, START_FROM);

    expect(sources.map((s) => s.id).sort()).toEqual(
      Object.keys(EMULATORS)
        .map((v) => `${v}-local`)
        .sort(),
    );
    for (const source of sources) expect(source.settleLagSeconds).toBe(10);
  });

  it('reads Nected events 12 s old, which the production lag of 5 minutes would still hold back', async () => {
    const nected = await startNectedEmulator({ apiKey: NECTED_LOCAL_API_KEY, seed: 3, backlog: 20 });
    const dir = await mkdtemp(join(tmpdir(), 'audit-pump-start-'));
    cleanups.push(
      () => nected.stop(),
      () => rm(dir, { recursive: true, force: true }),
    );
    const recent = nected.addEvents(3, { ageMs: 12_000 });
    const running: RunningEmulator = {
      vendor: 'nected',
      baseUrl: nected.baseUrl,
      credentials: { apiKey: NECTED_LOCAL_API_KEY },
      options: { api: 'v1', branch: 'main' },
      eventIds: () => nected.events().map((e) => e.id),
      stop: () => nected.stop(),
    };
    const sources = localSources([running], START_FROM);
    const stack = await startLocalStack({ sources, archiveDir: join(dir, 'archive'), bufferIntervalMs: 50 });
    cleanups.push(() => stack.stop());

    const result = await drainSource(localPumps(stack), sources[0] as (typeof sources)[number]);

    expect(result).toMatchObject({ status: 'caught-up', events: 23 });
    await stack.stop();
    const uids = new Set(
      (await readArchive(join(dir, 'archive'))).map((a) => (a.record.metadata as { uid: string }).uid),
    );
    for (const event of recent) expect(uids.has(eventUid('nected', 'nected-local', event.id))).toBe(true);
  });
});
