/**
 * The Authentic8 adapter of the test world (world.ts), for the connector's fault tests: the real
 * connector against the Authentic8 emulator, one source on one org and some log types.
 */
import { authentic8Connector } from '../../functions/authentic8/connector.ts';
import {
  authentic8NativeId,
  startAuthentic8Emulator,
  type Authentic8Emulator,
  type Authentic8EmulatorOptions,
  type Authentic8Event,
} from '../../functions/authentic8/emulator/emulator.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { assertArchivedExactly, rawByUid, startWorld, type World } from './world.ts';

export const A8_TOKEN = Buffer.from('harness-authentic8-token').toString('base64');
export const A8_SOURCE_ID = 'authentic8-harness';
export { LEASE_MS as A8_LEASE_MS } from './world.ts';

export interface A8Harness extends Omit<World<Authentic8Emulator>, 'archived'> {
  /** Archived raw_data texts by uid (flushes the Firehose emulator first). */
  archived(): Promise<Map<string, string[]>>;
  /** The emulated logs of the source's org with their uids. */
  served(): Array<{ uid: string; event: Authentic8Event }>;
}

/** `org` is the source's org option; `orgPath` the emulated org it names (both the main org by default). */
export async function startA8Harness(
  options: {
    org?: string;
    orgPath?: string;
    types?: string[] | 'all';
    limit?: number;
    emulator?: Partial<Authentic8EmulatorOptions>;
  } = {},
): Promise<A8Harness> {
  const emulator = await startAuthentic8Emulator({ token: A8_TOKEN, seed: 3, backlog: 200, ...options.emulator });
  const org = options.org ?? 'Acme Corp';
  const world = await startWorld({
    connector: authentic8Connector,
    emulator,
    sourceId: A8_SOURCE_ID,
    source: {
      credentials: { token: A8_TOKEN },
      options: { org, types: options.types ?? 'all', ...(options.limit ? { limit: options.limit } : {}) },
    },
    requestTimeoutMs: 3000,
  });
  return {
    ...world,
    archived: async () => rawByUid(await world.archived()),
    served: () =>
      emulator
        .events(options.orgPath ?? org)
        .filter((e) => !Array.isArray(options.types) || options.types.includes(e.type))
        .map((event) => ({ uid: eventUid('authentic8', A8_SOURCE_ID, authentic8NativeId(event)), event })),
  };
}

/**
 * Every served log archived, nothing foreign, every copy byte-identical to the served text; returns the duplicate
 * count.
 */
export async function assertA8Complete(h: A8Harness): Promise<{ duplicates: number }> {
  return assertArchivedExactly(await h.archived(), new Map(h.served().map(({ uid, event }) => [uid, event.text])));
}
