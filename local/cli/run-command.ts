/**
 * `audit-pump run`: the sources, invocation after invocation, with the Lambda's code path against
 * the local AWS stack, until each is caught up. Progress on stderr (a live view in a terminal, a
 * line every few seconds when piped, retry and throttle notices); the summary on stdout, as text
 * or with --json.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CursorStore } from '../../shared/cursor-store.ts';
import type { RunResult } from '../../shared/runner.ts';
import { SecretsCredentials } from '../../shared/secrets.ts';
import { parseCommand } from './args.ts';
import { positionLine } from './cursor-view.ts';
import { formatProbes, probeSources } from './dry-run.ts';
import { conciseError } from './error-text.ts';
import { stopOnInterrupt } from './interrupt.ts';
import { drainSource, localPumps } from './local-run.ts';
import { recordRuns } from './run-journal.ts';
import { exportLocalLake, lakeSummary } from '../query/security-lake.ts';
import { ProgressView, isTerminal, retryNotice } from './progress.ts';
import { pickSources, requireLocalCredentials } from './sources.ts';
import { startLocalStack } from '../aws/stack.ts';

/** One source's outcome as `run --json` prints it. */
interface SourceOutcome {
  readonly sourceId: string;
  readonly status: string;
  readonly events: number;
  readonly pages: number;
  readonly rejected: number;
  readonly error?: string;
  /** Where the cursor stands when the run did not finish (busy, stopped). */
  readonly cursor?: string;
}

/** Exit code of a run stopped with Ctrl-C. */
const EXIT_STOPPED = 130;

export async function runCommand(args: readonly string[]): Promise<number> {
  const { values } = parseCommand('run', args);
  const sources = await pickSources(values.config, values.source ?? []);
  if (values['dry-run']) {
    const probes = await probeSources(sources, new SecretsCredentials());
    process.stdout.write(
      values.json ? `${JSON.stringify({ dryRun: true, sources: probes }, null, 2)}\n` : formatProbes(probes),
    );
    return probes.every((p) => p.ok) ? 0 : 1;
  }
  requireLocalCredentials(sources, values.config);
  mkdirSync(values.archive, { recursive: true });
  const stack = await startLocalStack({ sources, stateDir: values.state, archiveDir: values.archive });
  const view = new ProgressView(process.stderr, isTerminal(process.stderr), undefined, false);
  const stop = stopOnInterrupt('run');
  const where = new Map<string, string>();
  view.start();
  try {
    const pumps = localPumps(stack, {
      onResult: (r) => view.result(r),
      onProgress: (id, s) => view.progress(id, s),
      onRetry: (id, e) => void process.stderr.write(`audit-pump run: ${retryNotice(id, e)}\n`),
      stop: stop.signal,
    });
    const store = new CursorStore({ client: stack.clients.dynamodb, tableName: stack.config.cursorTable });
    for (const source of stack.config.sources) {
      if (stop.signal.aborted) break;
      const result: RunResult = await drainSource(pumps, source, { stop: stop.signal });
      await recordRuns(values.state, [result]);
      if (result.status === 'busy' || result.status === 'stopped')
        where.set(source.id, positionLine(await store.get(source.id)));
    }
  } finally {
    view.stop();
    stop.dispose();
    await stack.stop();
  }
  const outcomes: SourceOutcome[] = view.summary().map((row) => {
    const cursor = where.get(row.sourceId);
    return {
      sourceId: row.sourceId,
      status: row.status,
      events: row.events,
      pages: row.pages,
      rejected: row.rejected,
      ...(row.error ? { error: conciseError(row.error) } : {}),
      ...(cursor ? { cursor } : {}),
    };
  });
  // Anything but caught up (failed, busy, stopped, skipped for a placeholder secret) is not done.
  const unfinished = outcomes.filter((o) => o.status !== 'caught-up').length + (sources.length - outcomes.length);
  const stopped = stop.signal.aborted;
  // The lake is written from the archive the run left, before anything is printed, so --json can say what it wrote.
  const lake = values['security-lake'] && !stopped ? await exportLocalLake(values.archive) : undefined;
  if (values.json) {
    const securityLake = lake && { dir: join(lake.dir, 'ext'), objects: lake.written.length, held: lake.held };
    const report = { sources: outcomes, stopped, archive: values.archive, ...(securityLake ? { securityLake } : {}) };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(
      summaryText(outcomes, { stopped, unfinished, total: sources.length, archive: values.archive }),
    );
    if (lake) process.stdout.write(`${lakeSummary(lake)}\n`);
  }
  return stopped ? EXIT_STOPPED : unfinished ? 1 : 0;
}

function summaryText(
  outcomes: readonly SourceOutcome[],
  run: { stopped: boolean; unfinished: number; total: number; archive: string },
): string {
  const lines = outcomes.map((o) => {
    const detail = o.cursor ?? o.error;
    return `${o.sourceId}: ${o.status}, ${o.events} events, ${o.pages} pages, ${o.rejected} dead-lettered${detail ? ` — ${detail}` : ''}`;
  });
  if (run.stopped)
    lines.push('stopped by request: every committed page is archived; run the same command again to go on');
  else
    lines.push(
      run.unfinished
        ? `${run.unfinished} source(s) did not finish; see above`
        : `all ${run.total} source(s) caught up; archive under ${run.archive}`,
    );
  return `${lines.join('\n')}\n`;
}
