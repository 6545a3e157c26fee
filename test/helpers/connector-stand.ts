/**
 * A connector under test against its emulator: the emulator, the local AWS stack (state and
 * archive in a temp dir) and the Lambda's own pump (`createPump`, as `audit-pump run` uses it).
 * One movable clock drives the emulator, the runner and the cursor store, so "an hour later" is
 * instant. The HTTP client's waits are recorded, never slept.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optionSchemas } from '../../functions/registry.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import { startLocalStack, type LocalStack } from '../../local/aws/stack.ts';
import { parseSources } from '../../shared/config.ts';
import type { Connector } from '../../shared/connector.ts';
import { CursorStore, type CursorState } from '../../shared/cursor-store.ts';
import { createPump } from '../../shared/handler.ts';
import type { Logger } from '../../shared/logger.ts';
import type { RunResult } from '../../shared/runner.ts';

/** A Lambda's remaining time that leaves room for a vendor's longest rate-limit wait. */
export const LONG_RUN_MS = 870_000;

export interface LogLine {
  level: keyof Logger;
  message: string;
  attributes: Record<string, unknown> | undefined;
}

export interface StandEmulator {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export interface ConnectorStandInput<E extends StandEmulator> {
  readonly connector: Connector;
  readonly sourceId: string;
  /** Starts the emulator on a free loopback port, dated by the stand's clock. */
  readonly emulator: (now: () => number) => Promise<E>;
  /** The source's fields but id and vendor (`baseUrl` defaults to the emulator's). */
  readonly source: (emulator: E, now: () => number) => Record<string, unknown>;
  /**
   * Whether a recorded wait moves the HTTP client's clock, as a real wait would (for waits that
   * must use up the run's time); otherwise the HTTP client reads the stand's clock.
   */
  readonly waitsMoveHttpClock?: boolean;
}

export interface ConnectorStand<E extends StandEmulator> {
  readonly emulator: E;
  readonly stack: LocalStack;
  readonly store: CursorStore;
  /** Every wait the HTTP client asked for; none is actually slept. */
  readonly sleeps: number[];
  readonly logs: LogLine[];
  /** Milliseconds added to the real clock of the emulator, the runner and the cursor store. */
  readonly clock: { offset: number };
  /** Called after each committed page with the run's page count (to act mid-run). */
  onPage: (pages: number) => void;
  /** One pump invocation of the source, as the scheduler would make it. */
  run(remainingMs?: number): Promise<RunResult>;
  /** Every archived event, after the Firehose emulator has written its buffers. */
  archived(): Promise<Array<Record<string, unknown>>>;
  cursor(): Promise<CursorState | undefined>;
}

const cleanups: Array<() => Promise<void>> = [];
/** Stops every stand started since the last call (call it from afterEach). */
export async function stopConnectorStands(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** Has `stopConnectorStands` run `cleanup` too (for a server a test starts beside its stand). */
export function stopWithStands(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Starts a stand; `stopConnectorStands` stops it. */
export async function startConnectorStand<E extends StandEmulator>(
  input: ConnectorStandInput<E>,
): Promise<ConnectorStand<E>> {
  const clock = { offset: 0 };
  const now = (): number => Date.now() + clock.offset;
  const emulator = await input.emulator(now);
  cleanups.push(() => emulator.stop());
  const dir = await mkdtemp(join(tmpdir(), `${input.connector.vendor}-connector-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const fields = { baseUrl: emulator.baseUrl, ...input.source(emulator, now) };
  const { sources } = parseSources(
    { sources: [{ id: input.sourceId, vendor: input.connector.vendor, ...fields }] },
    optionSchemas(),
  );
  const archiveDir = join(dir, 'archive');
  const stack = await startLocalStack({ sources, stateDir: join(dir, 'state'), archiveDir });
  cleanups.push(() => stack.stop());
  const sleeps: number[] = [];
  let waited = 0;
  const logs: LogLine[] = [];
  const log = (level: keyof Logger) => (message: string, attributes?: Record<string, unknown>) =>
    void logs.push({ level, message, attributes });
  const store = new CursorStore({ client: stack.clients.dynamodb, tableName: stack.config.cursorTable, now });
  const pump = createPump(input.connector, {
    config: stack.config,
    clients: stack.clients,
    now,
    http: {
      sleep: async (ms) => void (sleeps.push(ms), (waited += input.waitsMoveHttpClock ? ms : 0)),
      now: () => now() + waited,
    },
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    onProgress: (_id, stats) => stand.onPage(stats.pages),
  });
  const stand: ConnectorStand<E> = {
    emulator,
    stack,
    store,
    sleeps,
    logs,
    clock,
    onPage: () => undefined,
    async run(remainingMs = LONG_RUN_MS) {
      const [result] = (await pump({ sourceId: input.sourceId }, remainingMs)).results;
      if (!result) throw new Error('the pump returned no result');
      return result;
    },
    async archived() {
      await stack.firehose.flush();
      return (await readArchive(archiveDir)).map((a) => a.record);
    },
    cursor: () => store.get(input.sourceId),
  };
  return stand;
}

/** A run with `arm` called once its first page is committed (to break a later page); the hook is removed after. */
export async function runArmedAfterFirstPage(
  h: { onPage: (pages: number) => void; run(): Promise<RunResult> },
  arm: () => void,
): Promise<RunResult> {
  h.onPage = (pages) => {
    if (pages === 1) arm();
  };
  const result = await h.run();
  h.onPage = () => undefined;
  return result;
}
