/**
 * `audit-pump backfill` and `audit-pump reconcile`: the Lambda's `{backfill}` and `{reconcile}`
 * events, run with the same `createPump` against the local stack (cursors under --state, archive
 * under --archive). A backfill runs invocation after invocation, as the deployed continuation does.
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CONNECTORS, optionSchemas } from '../functions/registry.ts';
import { loadSourcesFile, type Source } from '../shared/config.ts';
import { createPump, type PumpOptions, type PumpResponse } from '../shared/handler.ts';
import type { BackfillResult } from '../shared/backfill-run.ts';
import type { ReconcileReport } from '../shared/reconcile.ts';
import { LocalArchiveReader } from './local-archive.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

/** Exit code of `reconcile` when events are missing from the archive. */
export const EXIT_MISSING = 3;
/** Simulated Lambda time per invocation (a 15-minute function). */
const INVOCATION_MS = 870_000;
/** A local reconcile is not bounded by a Lambda's time: one day. */
const RECONCILE_MS = 86_400_000;
const MAX_INVOCATIONS = 1000;

const common = {
  config: { type: 'string', default: 'sources.json' },
  source: { type: 'string' },
  archive: { type: 'string', default: '.local/archive' },
  margin: { type: 'string' },
} as const;

async function sourceOf(configFile: string, id: string | undefined): Promise<Source> {
  if (!id) throw new Error('--source <id> is required');
  const file = await loadSourcesFile(configFile, optionSchemas());
  const source = file.sources.find((s) => s.id === id);
  if (!source) throw new Error(`no source "${id}" in ${configFile}`);
  return source;
}

function seconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number of seconds, got "${value}"`);
  return n;
}

async function withPump<T>(source: Source, dirs: { state?: string; archive: string }, options: PumpOptions, fn: (pump: ReturnType<typeof createPump>, stack: LocalStack) => Promise<T>): Promise<T> {
  const connector = CONNECTORS[source.vendor];
  if (!connector) throw new Error(`source ${source.id}: no connector for vendor "${source.vendor}"`);
  mkdirSync(dirs.archive, { recursive: true });
  const stack = await startLocalStack({ sources: [source], archiveDir: dirs.archive, ...(dirs.state ? { stateDir: dirs.state } : {}) });
  try {
    return await fn(createPump(connector, { config: stack.config, clients: stack.clients, spool: stack.spool, ...options }), stack);
  } finally {
    await stack.stop();
  }
}

const isoOf = (ms: number | undefined): string => (ms === undefined ? 'nothing yet' : new Date(ms).toISOString());

/** How far into its range a backfill got, for the progress lines. */
function progressLine(r: BackfillResult): string {
  const span = Date.parse(r.range.to) - Date.parse(r.range.from);
  const share = r.done ? 100 : r.reached === undefined ? 0 : Math.max(0, Math.min(99, Math.floor(((r.reached - Date.parse(r.range.from)) / span) * 100)));
  return `${r.sourceId}: ${r.status}, ${r.events} events, ${r.pages} pages, ${r.rejected} dead-lettered; reached ${isoOf(r.reached)} (${share}%)${r.error ? ` — ${r.error}` : ''}`;
}

/** `backfill --source <id> --from <t> --to <t> [--config] [--state] [--archive] [--restart] [--margin S]` */
export async function backfillCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...common, from: { type: 'string' }, to: { type: 'string' }, state: { type: 'string', default: '.local/state' }, restart: { type: 'boolean', default: false } },
    strict: true,
  });
  if (!values.from || !values.to) throw new Error('--from <time> and --to <time> are required');
  const source = await sourceOf(values.config, values.source);
  const margin = seconds(values.margin, 'margin');
  const request = { sourceId: source.id, from: values.from, to: values.to, ...(margin !== undefined ? { marginSeconds: margin } : {}) };
  const last = await withPump(source, { state: values.state, archive: values.archive }, {}, async (pump) => {
    let result: BackfillResult | undefined;
    for (let i = 0; i < MAX_INVOCATIONS && (result === undefined || (result.more && result.status === 'deadline')); i++) {
      // Only the first invocation restarts; the next ones resume, as the deployed continuation does.
      const response: PumpResponse = await pump({ backfill: { ...request, ...(i === 0 && values.restart ? { restart: true } : {}) } }, INVOCATION_MS);
      result = response.backfill as BackfillResult;
      process.stderr.write(`backfill ${progressLine(result)}\n`);
    }
    return result as BackfillResult;
  });
  process.stdout.write(`${progressLine(last)}\n`);
  process.stdout.write(
    last.done
      ? `backfill of ${source.id} ${last.range.from}..${last.range.to} complete; archive under ${values.archive}\n`
      : `backfill of ${source.id} did not finish (${last.status}); run the same command again to resume it\n`,
  );
  return last.done ? 0 : 1;
}

/** `reconcile --source <id> [--window yesterday|<t1..t2>] [--config] [--archive] [--margin S] [--json]` */
export async function reconcileCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { ...common, window: { type: 'string', default: 'yesterday' }, json: { type: 'boolean', default: false } }, strict: true });
  const source = await sourceOf(values.config, values.source);
  const margin = seconds(values.margin, 'margin');
  const archive = new LocalArchiveReader(values.archive);
  const report = await withPump(source, { archive: values.archive }, { archive }, async (pump) => {
    const response = await pump({ reconcile: { sourceId: source.id, window: values.window, ...(margin !== undefined ? { marginSeconds: margin } : {}) } }, RECONCILE_MS);
    return response.reconcile as ReconcileReport;
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : describeReport(report));
  return report.missing > 0 ? EXIT_MISSING : 0;
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
