/**
 * The live progress view of `npm start`, `audit-pump run` and `backfill`: one line per source with
 * events, pages, cursor lag and errors. On a terminal it redraws in place; otherwise (CI, pipes) it
 * prints a line when a source's run ends and, every few seconds, a line for each source still
 * running that moved, so logs stay readable and long work is never silent.
 */
import type { RetryEvent } from '../../shared/http.ts';
import type { RunResult, RunStats } from '../../shared/runner.ts';

/** How often the piped view reports the sources still running. */
export const PIPED_TICK_MS = 5000;

interface Row {
  events: number;
  pages: number;
  rejected: number;
  runs: number;
  lag?: number;
  status: string;
  error?: string;
  /** Counters of the run in progress (added to the totals while it runs). */
  live?: RunStats;
}

export class ProgressView {
  private readonly rows = new Map<string, Row>();
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;
  /** What the piped view last printed per source, so a tick prints only what moved. */
  private readonly ticked = new Map<string, string>();

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly live = isTerminal(process.stdout),
    private readonly tickMs = PIPED_TICK_MS,
    /** Errors in the rows: yes for `npm start`'s dashboard; no where a summary prints them (errors once). */
    private readonly showErrors = true,
  ) {}

  start(): void {
    this.timer = this.live ? setInterval(() => this.draw(), 250) : setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** Progress inside a run (after each committed page). */
  progress(sourceId: string, stats: Readonly<RunStats>): void {
    const row = this.row(sourceId);
    this.rows.set(sourceId, {
      ...row,
      status: 'running',
      live: { ...stats },
      ...(stats.cursorLagSeconds !== undefined ? { lag: stats.cursorLagSeconds } : {}),
    });
  }

  /** A run ended. */
  result(r: RunResult): void {
    const row = this.row(r.sourceId);
    const next: Row = {
      events: row.events + r.events,
      pages: row.pages + r.pages,
      rejected: row.rejected + r.rejected,
      runs: row.runs + 1,
      status: r.status,
      ...(r.cursorLagSeconds !== undefined
        ? { lag: r.cursorLagSeconds }
        : row.lag !== undefined
          ? { lag: row.lag }
          : {}),
      ...(r.error ? { error: r.error } : {}),
    };
    this.rows.set(r.sourceId, next);
    if (!this.live)
      this.out.write(
        `${this.line(r.sourceId, next)}  (run: +${r.events} events, ${r.pages} pages, ${r.durationMs} ms)\n`,
      );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.live) this.draw();
  }

  /** Totals per source. */
  summary(): Array<{ sourceId: string } & Row> {
    return [...this.rows.entries()].map(([sourceId, { live: _live, ...row }]) => ({ sourceId, ...row }));
  }

  private row(sourceId: string): Row {
    return this.rows.get(sourceId) ?? { events: 0, pages: 0, rejected: 0, runs: 0, status: 'waiting' };
  }

  private line(sourceId: string, row: Row): string {
    const events = row.events + (row.live?.events ?? 0);
    const pages = row.pages + (row.live?.pages ?? 0);
    const lag = row.lag === undefined ? '-' : formatSeconds(row.lag);
    const err = row.error && this.showErrors ? `  error: ${row.error}` : '';
    return `${sourceId.padEnd(20)} ${row.status.padEnd(10)} events ${String(events).padStart(7)}  pages ${String(pages).padStart(5)}  rejected ${String(row.rejected).padStart(3)}  lag ${lag.padStart(7)}${err}`;
  }

  /** Piped: a line for each running source whose counters moved since the last one. */
  tick(): void {
    for (const [id, row] of this.rows) {
      if (row.status !== 'running') continue;
      const line = this.line(id, row);
      if (this.ticked.get(id) === line) continue;
      this.ticked.set(id, line);
      this.out.write(`${line}\n`);
    }
  }

  private draw(): void {
    const lines = [...this.rows.keys()].map((id) => this.line(id, this.rows.get(id) as Row));
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
    for (const l of lines) this.out.write(`\x1b[2K${l}\n`);
    this.drawn = lines.length;
  }
}

/** 75 → "1m15s". */
export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** True when `stream` is a terminal a live view can redraw (not CI, not a pipe). */
export function isTerminal(stream: NodeJS.WritableStream & { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY) && !process.env.CI;
}

/** A retry or throttle notice for stderr: `veza-main: vendor asked for 60 s (HTTP 429); waiting`. */
export function retryNotice(sourceId: string, event: RetryEvent): string {
  const wait =
    event.waitMs >= 10_000 ? `${Math.round(event.waitMs / 1000)} s` : `${(event.waitMs / 1000).toFixed(1)} s`;
  const why = event.status !== undefined ? `HTTP ${event.status}` : event.reason;
  return event.throttled
    ? `${sourceId}: vendor asked for ${wait} (${why}); waiting (attempt ${event.attempt} was refused)`
    : `${sourceId}: ${why} on attempt ${event.attempt}; retrying in ${wait}`;
}
