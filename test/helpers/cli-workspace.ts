/**
 * A temporary folder for one end-to-end test of the command line: the sources file, the `--state`
 * and `--archive` folders of `audit-pump run`, and what they hold afterwards. Every e2e test of a
 * vendor drives the real binary (test/helpers/cli-process.ts) against such a folder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readArchive } from '../../local/query/archive-reader.ts';
import { startDynamo } from '../../local/aws/dynamo.ts';
import { LOCAL_CURSOR_TABLE } from '../../shared/archive-layout.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { cli, summaryOf, type Outcome } from './cli-process.ts';

export interface CliWorkspace {
  readonly dir: string;
  /** The sources file. */
  readonly config: string;
  readonly state: string;
  readonly archive: string;
  /** `run --config <config> --state <state> --archive <archive>`, then `extra`. */
  runArgs(...extra: string[]): string[];
  /** Writes a sources file listing `sources` (to the workspace's own unless `file` is given); returns its path. */
  writeSources(sources: readonly object[], file?: string): Promise<string>;
  /** The `metadata.uid` of every archived event, sorted. */
  archivedUids(): Promise<string[]>;
  /** The `raw_data` of every archived event by its `metadata.uid`. */
  archivedRawData(): Promise<Map<string, unknown>>;
  /** The stored cursor of a source, read from the state folder. */
  storedCursor(sourceId: string): Promise<unknown>;
  remove(): Promise<void>;
}

/** Creates a workspace under the system's temp folder. */
export async function cliWorkspace(prefix: string): Promise<CliWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const [config, state, archive] = [join(dir, 'sources.json'), join(dir, 'state'), join(dir, 'archive')];
  return {
    dir,
    config,
    state,
    archive,
    runArgs: (...extra) => ['run', '--config', config, '--state', state, '--archive', archive, ...extra],
    writeSources: async (sources, file = config) => {
      await writeFile(file, JSON.stringify({ sources }, null, 2));
      return file;
    },
    archivedUids: async () =>
      (await readArchive(archive)).map((a) => (a.record.metadata as { uid: string }).uid).sort(),
    archivedRawData: async () =>
      new Map(
        (await readArchive(archive)).map(({ record }) => [(record.metadata as { uid: string }).uid, record.raw_data]),
      ),
    storedCursor: async (sourceId) => {
      const dynamo = await startDynamo({ path: state });
      try {
        return (await new CursorStore({ client: dynamo.client, tableName: LOCAL_CURSOR_TABLE }).get(sourceId))?.cursor;
      } finally {
        await dynamo.stop();
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A temp folder where `audit-pump start --once` ran, and how that run ended. */
export interface StartedOnce {
  /** The folder: the run's working directory, so its state and archive are under `.local/start`. */
  readonly cwd: string;
  readonly out: Outcome;
  remove(): Promise<void>;
}

/** Runs `audit-pump start --once <args>` in a new temp folder. */
export async function startOnce(prefix: string, ...args: string[]): Promise<StartedOnce> {
  const cwd = await mkdtemp(join(tmpdir(), prefix));
  const out = await cli(['start', '--once', ...args], cwd);
  return { cwd, out, remove: () => rm(cwd, { recursive: true, force: true }) };
}

/** An ISO time `days` days before now: a source's `startFrom`. */
export const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();

/** Status and events of a source's summary line in a run's stdout. */
export function statusOf(stdout: string, sourceId: string): { status: string; events: number } | undefined {
  const line = summaryOf(stdout, sourceId);
  return line && { status: line.status, events: line.events };
}
