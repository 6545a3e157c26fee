/**
 * `npm start`: the whole pipeline offline. Starts every vendor emulator with a backlog and live
 * arrivals, the local AWS stack, and runs every source on an accelerated schedule with a live
 * progress view. `--once` drains every backlog, checks the archive and exits with a summary.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseSources, type Source } from '../../shared/config.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { optionSchemas } from '../../functions/registry.ts';
import { readArchive } from '../query/archive-reader.ts';
import { parseCommand, UsageError } from './args.ts';
import { EMULATORS, startEmulator, type RunningEmulator } from '../emulators/emulators.ts';
import { drainSource, localPumps } from './local-run.ts';
import { recordRuns } from './run-journal.ts';
import { ProgressView } from './progress.ts';
import { exportLocalLake, lakeSummary } from '../query/security-lake.ts';
import { startLocalStack } from '../aws/stack.ts';

/** Settle lag of the local sources: well above the emulators' ingest delays (≤ 2 s). */
const LOCAL_SETTLE_LAG_SECONDS = 10;

const WORK_DIR = '.local/start';

/** Runs the offline pipeline; returns the exit code. */
export async function start(args: readonly string[]): Promise<number> {
  const { values } = parseCommand('start', args);
  const backlog = Number(values.backlog);
  const rate = Number(values.rate);
  const intervalMs = Number(values.interval) * 1000;
  if (![backlog, rate, intervalMs].every((n) => Number.isFinite(n) && n >= 0))
    throw new UsageError('start', '--backlog, --rate and --interval must be non-negative numbers');
  // A fresh pipeline each time: emulators regenerate their data, so old cursors would not match.
  rmSync(WORK_DIR, { recursive: true, force: true });
  const archiveDir = join(WORK_DIR, 'archive');
  const emulators: RunningEmulator[] = [];
  for (const vendor of Object.keys(EMULATORS))
    emulators.push(await startEmulator(vendor, { backlog, arrivalsPerSecond: rate }));
  const startFrom = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const sources = localSources(emulators, startFrom);
  const stateDir = join(WORK_DIR, 'state');
  const stack = await startLocalStack({ sources, archiveDir, stateDir, bufferIntervalMs: 1000 });
  const view = new ProgressView(process.stdout);
  const pumps = localPumps(stack, { onResult: (r) => view.result(r), onProgress: (id, s) => view.progress(id, s) });
  process.stdout.write(
    `audit-pump offline: ${sources.length} source(s), emulators ${emulators.map((e) => `${e.vendor}@${e.baseUrl}`).join(', ')}\narchive: ${archiveDir}\n`,
  );
  let stopping = false;
  const stop = () => void (stopping = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  view.start();
  let failed: number;
  try {
    do {
      failed = 0;
      for (const source of stack.config.sources) {
        const result = await drainSource(pumps, source);
        await recordRuns(stateDir, [result]);
        if (result.status === 'failed') failed++;
      }
      if (!values.once && !stopping) await sleepUnless(intervalMs, () => stopping);
    } while (!values.once && !stopping);
  } finally {
    view.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    for (const e of emulators) await e.stop();
    await stack.stop();
  }
  const code = await report(view, emulators, archiveDir, failed);
  if (values['security-lake']) process.stdout.write(`  ${lakeSummary(await exportLocalLake(archiveDir))}\n`);
  return code;
}

/**
 * The sources `npm start` runs: one per emulator, from `startFrom`, read {@link LOCAL_SETTLE_LAG_SECONDS} behind now.
 */
export function localSources(emulators: readonly RunningEmulator[], startFrom: string): readonly Source[] {
  return parseSources(
    {
      sources: emulators.map((e) => ({
        id: `${e.vendor}-local`,
        vendor: e.vendor,
        baseUrl: e.baseUrl,
        credentials: e.credentials,
        startFrom,
        options: e.options,
        // The emulators make an event searchable within 2 s, so the time-window vendors (Retraced,
        // Nected, Carbon Black) can read up to 10 s behind now instead of their production lag of
        // minutes, and the live view shows their new events as they come.
        settleLagSeconds: LOCAL_SETTLE_LAG_SECONDS,
      })),
    },
    optionSchemas(),
  ).sources;
}

async function sleepUnless(ms: number, stop: () => boolean): Promise<void> {
  for (let waited = 0; waited < ms && !stop(); waited += 100) await new Promise((r) => setTimeout(r, 100));
}

/** Prints the summary and checks that every event the emulators served before the last run is archived. */
async function report(
  view: ProgressView,
  emulators: readonly RunningEmulator[],
  archiveDir: string,
  failed: number,
): Promise<number> {
  const archived = await readArchive(archiveDir);
  const dead = await readArchive(archiveDir, 'dead-letter');
  process.stdout.write('\nsummary\n');
  for (const row of view.summary()) {
    process.stdout.write(
      `  ${row.sourceId}: ${row.status}, ${row.runs} run(s), ${row.events} events, ${row.pages} pages, ${row.rejected} dead-lettered${row.error ? `, error: ${row.error}` : ''}\n`,
    );
  }
  const uids = new Set(archived.map((a) => (a.record.metadata as { uid: string }).uid));
  const served = new Set(
    emulators.flatMap((e) => e.eventIds().map((id) => eventUid(e.vendor, `${e.vendor}-local`, id))),
  );
  const strangers = [...uids].filter((u) => !served.has(u)).length;
  const pending = [...served].filter((u) => !uids.has(u)).length;
  process.stdout.write(
    `  archive: ${archived.length} records (${uids.size} distinct uids), ${dead.length} dead-lettered, under ${archiveDir}\n`,
  );
  process.stdout.write(
    `  emulators served ${served.size} events: ${pending} arrived after the last run, ${strangers} archived records are not theirs\n`,
  );
  const total = view.summary().reduce((n, r) => n + r.events, 0);
  if (failed) process.stdout.write(`${failed} source(s) failed\n`);
  if (archived.length < total)
    process.stdout.write(`archive holds ${archived.length} records but ${total} were delivered\n`);
  return failed || strangers || archived.length < total ? 1 : 0;
}
