/**
 * Stored cursors as people read them: where each stands in words (the connector's own `describe`),
 * how far behind it is, when it last succeeded and what its newest event was (ISO time), and who
 * holds its lease until when. Used by `cursor show`, `status` and `run`'s summary.
 */
import { CONNECTORS } from '../../functions/registry.ts';
import type { Connector } from '../../shared/connector.ts';
import type { CursorState } from '../../shared/cursor-store.ts';
import { formatSeconds } from './progress.ts';
import { describeHolder } from '../aws/state-lock.ts';

/** One cursor, ready to print or to serialize. */
export interface CursorRow {
  readonly sourceId: string;
  readonly position: string;
  readonly version: number;
  /** The stored cursor itself (the connector's JSON), for scripts. */
  readonly cursor?: unknown;
  /** Seconds since the newest event delivered; absent before the first. */
  readonly lagSeconds?: number;
  readonly lastSuccessAt?: string;
  readonly lastEventAt?: string;
  readonly lease?: {
    readonly holder: string;
    readonly owner: string;
    readonly until?: string;
    readonly expired: boolean;
    readonly releasable: boolean;
  };
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The stored cursor in words, by the connector whose cursor schema it fits (a backfill's range read too). */
export function describePosition(
  state: Pick<CursorState, 'cursor' | 'cursorError'>,
  connectors: readonly Connector[] = Object.values(CONNECTORS),
): string {
  if (state.cursorError !== undefined) return `unreadable cursor (${state.cursorError})`;
  if (state.cursor === undefined) return 'at startFrom (no page committed yet)';
  const range = state.cursor as { range?: { from?: unknown; to?: unknown }; inner?: unknown; done?: unknown };
  if (range.range && typeof range.range.from === 'string' && 'inner' in range) {
    const span = `range ${range.range.from} .. ${String(range.range.to)}`;
    return range.done === true ? `${span} done` : `${span}: ${describePosition({ cursor: range.inner }, connectors)}`;
  }
  for (const connector of connectors) {
    const parsed = connector.cursorSchema.safeParse(state.cursor);
    if (parsed.success) return connector.describe ? connector.describe(parsed.data) : JSON.stringify(parsed.data);
  }
  return `at ${JSON.stringify(state.cursor).slice(0, 120)}`;
}

/** A stored state as a row, at time `now`. */
export function cursorRow(state: CursorState, now = Date.now()): CursorRow {
  const lastSuccessAt = iso(state.lastSuccessAt);
  const lastEventAt = iso(state.lastEventTime);
  return {
    sourceId: state.sourceId,
    position: describePosition(state),
    version: state.version,
    ...(state.cursor !== undefined ? { cursor: state.cursor } : {}),
    ...(state.lastEventTime !== undefined
      ? { lagSeconds: Math.max(0, Math.round((now - state.lastEventTime) / 1000)) }
      : {}),
    ...(lastSuccessAt ? { lastSuccessAt } : {}),
    ...(lastEventAt ? { lastEventAt } : {}),
    ...(state.leaseOwner ? { lease: leaseOf(state, now) } : {}),
  };
}

function leaseOf(state: CursorState, now: number): NonNullable<CursorRow['lease']> {
  const holder = describeHolder(state.leaseOwner ?? '');
  const until = iso(state.leaseExpiresAt);
  return {
    holder: holder.text,
    owner: state.leaseOwner ?? '',
    ...(until ? { until } : {}),
    expired: (state.leaseExpiresAt ?? 0) <= now,
    releasable: holder.dead,
  };
}

/** Who holds a source's lease and until when, and what to do about a dead holder. */
export function leaseText(state: CursorState, sourceId: string, now = Date.now()): string {
  const lease = leaseOf(state, now);
  const until = lease.until === undefined ? '' : lease.expired ? ` (expired ${lease.until})` : ` until ${lease.until}`;
  return `lease held by ${lease.holder}${until}${lease.releasable ? `; release it with: audit-pump cursor unlock ${sourceId}` : ''}`;
}

/** Where a source's cursor stands, in a line: its position and the lease if one is held. */
export function positionLine(state: CursorState | undefined): string {
  if (!state) return 'no cursor stored yet';
  return `cursor ${describePosition(state)}${state.leaseOwner ? `; ${leaseText(state, state.sourceId)}` : ''}`;
}

/** The lease column: `-`, or the holder and until when. */
function leaseCell(row: CursorRow): string {
  if (!row.lease) return '-';
  const when =
    row.lease.until === undefined
      ? ''
      : row.lease.expired
        ? `, expired ${row.lease.until}`
        : ` until ${row.lease.until}`;
  return `${row.lease.holder}${when}`;
}

/** Rows as an aligned text table. */
export function formatCursorTable(rows: readonly CursorRow[]): string {
  const header = ['source', 'position', 'lag', 'last success', 'last event', 'lease'];
  const cells = rows.map((r) => [
    r.sourceId,
    r.position,
    r.lagSeconds === undefined ? '-' : formatSeconds(r.lagSeconds),
    r.lastSuccessAt ?? '-',
    r.lastEventAt ?? '-',
    leaseCell(r),
  ]);
  return alignedTable(header, cells);
}

/** An aligned text table; the last column is not padded. */
export function alignedTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`;
}
