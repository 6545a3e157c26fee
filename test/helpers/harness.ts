/**
 * The Veza adapter of the test world (world.ts), for the runner's fault-injection tests: the real
 * Veza connector against the Veza emulator, whose faults the tests arm through `veza`.
 */
import { vezaConnector } from '../../functions/veza/connector.ts';
import type { FirehoseEmulator } from '../../local/aws/firehose-emulator.ts';
import { startVezaEmulator, type VezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { assertArchivedExactly, rawByUid, startWorld, type World } from './world.ts';

export { Crash, LEASE_MS, assertNoRegression, httpFactory, type StepFaults } from './world.ts';

export const TOKEN = 'harness-token-5d1e0c';

export interface Harness extends World<VezaEmulator> {
  readonly veza: VezaEmulator;
  readonly firehose: FirehoseEmulator;
}

/** A world on a Veza emulator with `backlog` events, read `pageSize` at a time. */
export async function startHarness(
  options: { backlog?: number; pageSize?: number; seed?: number } = {},
): Promise<Harness> {
  const veza = await startVezaEmulator({ token: TOKEN, backlog: options.backlog ?? 230, seed: options.seed ?? 7 });
  const world = await startWorld({
    connector: vezaConnector,
    emulator: veza,
    sourceId: 'veza-harness',
    source: { credentials: { token: TOKEN }, options: { pageSize: options.pageSize ?? 50 } },
    requestTimeoutMs: 3000,
  });
  return Object.assign(world, { veza, firehose: world.stack.firehose });
}

/** Nothing lost, nothing foreign, every duplicate identical; returns the number of duplicate records. */
export async function assertComplete(h: Harness): Promise<{ duplicates: number }> {
  const texts = new Map(h.veza.events().map((e) => [eventUid('veza', h.source.id, e.id), e.text]));
  return assertArchivedExactly(rawByUid(await h.archived()), texts);
}
