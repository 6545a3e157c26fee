/**
 * `audit-pump status`: per source, how it is doing: lag, last result and error, dead-lettered
 * records, next scheduled run, lease. Two readers fill the same rows: the local state (cursors,
 * the run journal, the local archive's dead letters) and the deployed table and metrics
 * (local/cli/status-deployed.ts).
 */
import type { Source } from '../../shared/config.ts';
import type { CursorState } from '../../shared/cursor-store.ts';
import { nextRun } from '../../shared/schedule.ts';
import { readArchive } from '../query/archive-reader.ts';
import { alignedTable, cursorRow } from './cursor-view.ts';
import { conciseError } from './error-text.ts';
import { formatSeconds } from './progress.ts';
import { readJournal } from './run-journal.ts';

/** One source's status row. */
export interface SourceStatus {
  readonly sourceId: string;
  readonly vendor?: string;
  readonly position?: string;
  /** Seconds the cursor trails the vendor (deployed: the CursorLag metric; local: since the newest event delivered). */
  readonly lagSeconds?: number;
  readonly lastSuccessAt?: string;
  /** How the last run ended: its status locally; `ok` or `failed` from the RunFailed metric when deployed. */
  readonly lastResult?: string;
  readonly lastRunAt?: string;
  readonly lastError?: string;
  readonly deadLettered?: number;
  /** The period `deadLettered` counts: `all` locally, `24h` deployed. */
  readonly deadLetteredOver?: string;
  readonly schedule?: string;
  readonly nextRunAt?: string;
  /** Who holds the lease until when, when one is held. */
  readonly lease?: string;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The live cursors by source id (backfill items left out), and every source id: configured first, then stored ones. */
export function sourceIds(
  sources: readonly Source[] | undefined,
  cursors: readonly CursorState[],
): { ids: string[]; live: Map<string, CursorState> } {
  const live = new Map(cursors.filter((c) => !c.sourceId.includes('#')).map((c) => [c.sourceId, c]));
  const ids = [...new Set([...(sources ?? []).map((s) => s.id), ...live.keys()])];
  return { ids, live };
}

/** The fields every reader derives the same way: position, lease, last success, schedule and next run. */
export function baseStatus(
  id: string,
  source: Source | undefined,
  cursor: CursorState | undefined,
  now: number,
): SourceStatus {
  const row = cursor ? cursorRow(cursor, now) : undefined;
  const lastRun = cursor?.lastSuccessAt;
  const next = source ? nextRun(source.schedule, now, lastRun) : undefined;
  const lease = row?.lease && !row.lease.expired ? `${row.lease.holder} until ${row.lease.until ?? '?'}` : undefined;
  return {
    sourceId: id,
    ...(source ? { vendor: source.vendor, schedule: source.schedule } : {}),
    position: row?.position ?? 'never ran',
    ...(row?.lagSeconds !== undefined ? { lagSeconds: row.lagSeconds } : {}),
    ...(row?.lastSuccessAt ? { lastSuccessAt: row.lastSuccessAt } : {}),
    ...(next !== undefined ? { nextRunAt: iso(next) as string } : {}),
    ...(lease ? { lease } : {}),
  };
}

/** Status from the local state under `stateDir` (already read into `cursors`) and the archive under `archiveDir`. */
export async function localStatus(input: {
  sources?: readonly Source[];
  cursors: readonly CursorState[];
  stateDir: string;
  archiveDir: string;
  now?: number;
}): Promise<SourceStatus[]> {
  const now = input.now ?? Date.now();
  const { ids, live } = sourceIds(input.sources, input.cursors);
  const journal = readJournal(input.stateDir);
  const deadLetters = new Map<string, number>();
  for (const { record } of await readArchive(input.archiveDir, 'dead-letter')) {
    const id = String((record.metadata as { log_name?: unknown } | undefined)?.log_name ?? '');
    deadLetters.set(id, (deadLetters.get(id) ?? 0) + 1);
  }
  return ids.map((id) => {
    const last = journal[id];
    return {
      ...baseStatus(
        id,
        input.sources?.find((s) => s.id === id),
        live.get(id),
        now,
      ),
      ...(last
        ? {
            lastResult: last.status,
            lastRunAt: last.at,
            ...(last.error ? { lastError: conciseError(last.error) } : {}),
          }
        : {}),
      deadLettered: deadLetters.get(id) ?? 0,
      deadLetteredOver: 'all',
    };
  });
}

/** The rows as a text table; a source's last error and lease on lines of their own below it. */
export function formatStatus(rows: readonly SourceStatus[]): string {
  const header = ['source', 'last result', 'lag', 'last success', 'dead-lettered', 'next run', 'position'];
  const cells = rows.map((r) => [
    r.sourceId,
    r.lastResult ? `${r.lastResult}${r.lastRunAt ? ` at ${r.lastRunAt}` : ''}` : '-',
    r.lagSeconds === undefined ? '-' : formatSeconds(r.lagSeconds),
    r.lastSuccessAt ?? '-',
    r.deadLettered === undefined ? '-' : `${r.deadLettered}${r.deadLetteredOver === '24h' ? ' (24h)' : ''}`,
    r.nextRunAt ? `${r.nextRunAt} (${r.schedule})` : '-',
    r.position ?? '-',
  ]);
  const notes = rows.flatMap((r) => [
    ...(r.lastError ? [`${r.sourceId}: last error: ${r.lastError}`] : []),
    ...(r.lease ? [`${r.sourceId}: lease held by ${r.lease}`] : []),
  ]);
  return `${alignedTable(header, cells)}${notes.length ? `${notes.join('\n')}\n` : ''}`;
}
