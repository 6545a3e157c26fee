/**
 * The set-up every end-to-end test of a vendor shares: an emulator started for each test, a CLI
 * workspace whose sources file lists one source on it, and the child processes, emulator and folder
 * gone after the test. Each test file says only what is its own: how its emulator starts, what its
 * source looks like.
 */
import { afterEach, beforeEach } from '@jest/globals';
import type { Vendor } from '../../shared/config.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { cli, killChildren, type Outcome } from './cli-process.ts';
import { cliWorkspace, daysAgo, statusOf, type CliWorkspace } from './cli-workspace.ts';

/** What the fixture needs of an emulator. */
export interface E2eEmulator {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export interface VendorSetup<E extends E2eEmulator> {
  readonly sourceId: string;
  readonly vendor: Vendor;
  start(): Promise<E>;
  /** The source's `startFrom`, in days before the sources file is written. @default 7 */
  readonly daysBack?: number;
  /** The source's other fields (but `id`, `vendor`, `baseUrl` and `startFrom`), given the emulator. */
  source(emulator: E): Record<string, unknown>;
}

export interface VendorE2e<E extends E2eEmulator> {
  /** This test's emulator. */
  readonly emulator: E;
  /** This test's workspace. */
  readonly ws: CliWorkspace;
  /** Writes the sources file: the setup's source with `overrides` on top (`undefined` removes a field). */
  writeConfig(overrides?: Record<string, unknown>): Promise<string>;
  /** Stops the emulator, starts the one `start` gives and writes the sources file for it. */
  restart(start: () => Promise<E>): Promise<void>;
  /** `audit-pump run` on the workspace to its end, `extra` after the workspace's arguments. */
  run(...extra: string[]): Promise<Outcome>;
  /** Status and events of the source's summary line in a run's stdout. */
  status(stdout: string): { status: string; events: number } | undefined;
  /** The archive uids of the source's events with these native ids, sorted. */
  uids(nativeIds: readonly string[]): string[];
  /** The native ids of `events` whose archived `raw_data` is not their text byte for byte (or is missing). */
  unlikeArchived(events: ReadonlyArray<{ id: string; text: string }>): Promise<string[]>;
}

/** Registers the per-test set-up and tear-down in the current `describe`; returns its accessors. */
export function useVendorE2e<E extends E2eEmulator>(setup: VendorSetup<E>): VendorE2e<E> {
  let emulator: E | undefined;
  let ws: CliWorkspace | undefined;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`no ${what}: use it inside a test, after beforeEach`);
    return value;
  };
  const sourceOn = (on: E): Record<string, unknown> => ({
    id: setup.sourceId,
    vendor: setup.vendor,
    baseUrl: on.baseUrl,
    startFrom: daysAgo(setup.daysBack ?? 7),
    ...setup.source(on),
  });
  const writeConfig = (overrides: Record<string, unknown> = {}): Promise<string> =>
    started(ws, 'workspace').writeSources([{ ...sourceOn(started(emulator, 'emulator')), ...overrides }]);

  beforeEach(async () => {
    emulator = await setup.start();
    ws = await cliWorkspace(`audit-pump-${setup.sourceId}-`);
    await writeConfig();
  });
  afterEach(async () => {
    killChildren();
    await emulator?.stop();
    await ws?.remove();
  });

  return {
    get emulator() {
      return started(emulator, 'emulator');
    },
    get ws() {
      return started(ws, 'workspace');
    },
    writeConfig,
    restart: async (start) => {
      await emulator?.stop();
      emulator = await start();
      await writeConfig();
    },
    run: (...extra) => cli(started(ws, 'workspace').runArgs(...extra)),
    status: (stdout) => statusOf(stdout, setup.sourceId),
    uids: (nativeIds) => nativeIds.map((id) => eventUid(setup.vendor, setup.sourceId, id)).sort(),
    unlikeArchived: async (events) => {
      const raw = await started(ws, 'workspace').archivedRawData();
      return events.filter((e) => raw.get(eventUid(setup.vendor, setup.sourceId, e.id)) !== e.text).map((e) => e.id);
    },
  };
}
