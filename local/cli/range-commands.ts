/**
 * `audit-pump backfill` and `audit-pump reconcile`: the Lambda's `{backfill}` and `{reconcile}`
 * events, run with the same `createPump` against the local stack (cursors under --state, archive
 * under --archive). A backfill runs invocation after invocation, as the deployed continuation does.
 */
import { mkdirSync } from 'node:fs';
import { connectorOf } from '../../functions/registry.ts';
import type { Source } from '../../shared/config.ts';
import { createPump, type PumpOptions, type PumpResponse } from '../../shared/handler.ts';
import type { BackfillResult } from '../../shared/backfill-run.ts';
import { checkRange } from '../../shared/backfill.ts';
import { parseWindow, type ReconcileReport } from '../../shared/reconcile.ts';
import { parseCommand, UsageError } from './args.ts';
import { conciseError } from './error-text.ts';
import { hasEvents } from '../query/events-table.ts';
import { LocalArchiveReader } from '../query/local-archive.ts';
import { readCursors } from './local-state.ts';
import { ProgressView, isTerminal, retryNotice } from './progress.ts';
import { pickSource, requireLocalCredentials } from './sources.ts';
import { startLocalStack, type LocalStack } from '../aws/stack.ts';

/** Exit code of `reconcile` when events are missing from the archive. */
export const EXIT_MISSING = 3;
/** Simulated Lambda time per invocation (a 15-minute function). */
const INVOCATION_MS = 870_000;
/** A local reconcile is not bounded by a Lambda's time: one day. */
const RECONCILE_MS = 86_400_000;
const MAX_INVOCATIONS = 1000;

/** The source, runnable locally (inline credentials). */
async function sourceOf(configFile: string, id: string): Promise<Source> {
  const source = await pickSource(configFile, id);
  requireLocalCredentials([source], configFile);
  return source;
}

function seconds(value: string | undefined, name: string, command: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(command, `--${name} must be a whole number of seconds, got "${value}"`);
  return n;
}

async function withPump<T>(
  source: Source,
  dirs: { state?: string; archive: string },
  options: PumpOptions,
  fn: (pump: ReturnType<typeof createPump>, stack: LocalStack) => Promise<T>,
): Promise<T> {
  const connector = connectorOf(source.vendor);
  mkdirSync(dirs.archive, { recursive: true });
  const stack = await startLocalStack({
    sources: [source],
    archiveDir: dirs.archive,
    ...(dirs.state ? { stateDir: dirs.state } : {}),
  });
  try {
    return await fn(
      createPump(connector, { config: stack.config, clients: stack.clients, spool: stack.spool, ...options }),
      stack,
    );
  } finally {
    await stack.stop();
  }
}

const isoOf = (ms: number | undefined): string => (ms === undefined ? 'nothing yet' : new Date(ms).toISOString());

/** How far into its range a backfill got, for the progress lines. */
function progressLine(r: BackfillResult): string {
  const span = Date.parse(r.range.to) - Date.parse(r.range.from);
  const share = r.done
    ? 100
    : r.reached === undefined
      ? 0
      : Math.max(0, Math.min(99, Math.floor(((r.reached - Date.parse(r.range.from)) / span) * 100)));
  return `${r.sourceId}: ${r.status}, ${r.events} events, ${r.pages} pages, ${r.rejected} dead-lettered; reached ${isoOf(r.reached)} (${share}%)${r.error ? ` — ${conciseError(r.error)}` : ''}`;
}

/** `backfill --source <id> --from <t> --to <t> [--config] [--state] [--archive] [--restart] [--margin S] [--json]` */
export async function backfillCommand(args: readonly string[]): Promise<number> {
  const { values } = parseCommand('backfill', args);
  const source = await sourceOf(values.config, values.source);
  const margin = seconds(values.margin, 'margin', 'backfill');
  const request = {
    sourceId: source.id,
    from: values.from,
    to: values.to,
    ...(margin !== undefined ? { marginSeconds: margin } : {}),
  };
  const view = new ProgressView(process.stderr, isTerminal(process.stderr), undefined, false);
  const options: PumpOptions = {
    onProgress: (id, stats) => view.progress(id, stats),
    onResult: (r) => view.result(r),
    onRetry: (id, e) => void process.stderr.write(`audit-pump backfill: ${retryNotice(id, e)}\n`),
  };
  view.start();
  const last = await withPump(source, { state: values.state, archive: values.archive }, options, async (pump) => {
    let result: BackfillResult | undefined;
    for (
      let i = 0;
      i < MAX_INVOCATIONS && (result === undefined || (result.more && result.status === 'deadline'));
      i++
    ) {
      // Only the first invocation restarts; the next ones resume, as the deployed continuation does.
      const response: PumpResponse = await pump(
        { backfill: { ...request, ...(i === 0 && values.restart ? { restart: true } : {}) } },
        INVOCATION_MS,
      );
      result = response.backfill as BackfillResult;
      process.stderr.write(`backfill ${progressLine(result)}\n`);
    }
    return result as BackfillResult;
  }).finally(() => view.stop());
  if (values.json) process.stdout.write(`${JSON.stringify(last, null, 2)}\n`);
  else {
    process.stdout.write(`${progressLine(last)}\n`);
    process.stdout.write(
      last.done
        ? `backfill of ${source.id} ${last.range.from}..${last.range.to} complete; archive under ${values.archive}\n`
        : `backfill of ${source.id} did not finish (${last.status}); run the same command again to resume it\n`,
    );
  }
  return last.done ? 0 : 1;
}

/** `reconcile --source <id> [--window yesterday|<t1..t2>] [--config] [--archive] [--state] [--margin S] [--json]` */
export async function reconcileCommand(args: readonly string[]): Promise<number> {
  const { values } = parseCommand('reconcile', args);
  const source = await sourceOf(values.config, values.source);
  const margin = seconds(values.margin, 'margin', 'reconcile');
  // A window the vendor cannot answer for yet is refused before anything else is looked at.
  checkRange(parseWindow(values.window, Date.now()), source, Date.now());
  // Against an empty archive every vendor event would be "missing": say what is wrong instead.
  if (!hasEvents(values.archive)) {
    throw new Error(
      `nothing to compare: the archive under ${values.archive} holds no events; run \`audit-pump run --config ${values.config}\` first (or pass --archive <dir>)`,
    );
  }
  const archive = new LocalArchiveReader(values.archive);
  const report = await withPump(source, { archive: values.archive }, { archive }, async (pump) => {
    const response = await pump(
      {
        reconcile: {
          sourceId: source.id,
          window: values.window,
          ...(margin !== undefined ? { marginSeconds: margin } : {}),
        },
      },
      RECONCILE_MS,
    );
    return response.reconcile as ReconcileReport;
  });
  const note = report.missing > 0 ? await notReachedNote(source.id, report, values.state) : undefined;
  process.stdout.write(
    values.json
      ? `${JSON.stringify(note ? { ...report, note } : report, null, 2)}\n`
      : `${describeReport(report)}${note ? `${note}\n` : ''}`,
  );
  return report.missing > 0 ? EXIT_MISSING : 0;
}

/**
 * When the live cursor has not delivered past the window yet, the "missing" events are simply not
 * read yet: a note that says so, or undefined when the live run has passed the window.
 */
async function notReachedNote(
  sourceId: string,
  report: ReconcileReport,
  stateDir: string,
): Promise<string | undefined> {
  const live = (await readCursors(stateDir, 'reconcile')).find((s) => s.sourceId === sourceId);
  const end = Date.parse(report.window.to);
  if (live === undefined)
    return `note: ${sourceId} has no live cursor under ${stateDir}: the live run has not read this window yet; run it (audit-pump run) or backfill the window, then reconcile again`;
  if (live.lastEventTime === undefined || live.lastEventTime < end) {
    const reached =
      live.lastEventTime === undefined ? 'no event yet' : `events up to ${new Date(live.lastEventTime).toISOString()}`;
    return `note: the live cursor of ${sourceId} has delivered ${reached}, not past the window's end ${report.window.to}: the live run has not reached this window yet; run it or backfill the window, then reconcile again`;
  }
  return undefined;
}
/** The report as the CLI prints it; the metric line is what the Lambda emits as EMF. */
export function describeReport(r: ReconcileReport): string {
  const lines = [
    `reconcile ${r.sourceId} ${r.window.from}..${r.window.to}`,
    `  vendor: ${r.vendorEvents} events in ${r.pages} pages${r.invalid ? ` (+${r.invalid} invalid records, dead-lettered by the pump, not compared)` : ''}`,
    `  archive: ${r.archivedEvents} events${r.unexpected ? ` (${r.unexpected} not returned by the vendor)` : ''}`,
    `  missing: ${r.missing}`,
    ...r.missingSample.map((m) => `    ${m.nativeId}  uid ${m.uid}`),
    ...(r.missing > r.missingSample.length ? [`    ... and ${r.missing - r.missingSample.length} more`] : []),
    `metric MissingEvents{sourceId=${r.sourceId}} ${r.missing}`,
  ];
  return `${lines.join('\n')}\n`;
}
