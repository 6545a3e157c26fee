/**
 * The benchmark report: each figure with its goal and whether it is met, the machine it ran on,
 * and the details behind the figures; printed as a table or as JSON (`--json`).
 */
import { cpus, loadavg, totalmem } from 'node:os';

/** One measured figure. `goal` reads like "≤ 1.10" or "≥ 100000". */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly goal: string;
  readonly met: boolean;
}

/** The machine and runtime the figures come from. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average when the benchmark started and ended: figures from a busy machine are noisy. */
  readonly loadBefore: number;
  readonly loadAfter?: number;
}

export interface Report {
  readonly machine: Machine;
  readonly date: string;
  readonly mode: 'full' | 'smoke';
  readonly figures: Figure[];
  /** What each section measured besides its figures (sizes, counts, per-step times). */
  readonly details: Record<string, unknown>;
  /** Lines printed under the table (e.g. each drain's server service time). */
  readonly notes?: string[];
}

/**
 * A figure that must stay at or below `goal`; judged as reported (rounded to `digits`), so `value` and `met` never
 * disagree.
 */
export function atMost(name: string, value: number, unit: string, goal: number, digits = 0): Figure {
  const shown = round(value, digits);
  return { name, value: shown, unit, goal: `≤ ${goal.toFixed(digits)}`, met: shown <= goal };
}

/** A figure that must reach at least `goal`; judged as reported, as {@link atMost}. */
export function atLeast(name: string, value: number, unit: string, goal: number, digits = 0): Figure {
  const shown = round(value, digits);
  return { name, value: shown, unit, goal: `≥ ${goal.toFixed(digits)}`, met: shown >= goal };
}

/** The goal a {@link reported} figure has: none; it is shown, not judged. */
export const REPORTED = 'report';

/** A figure shown for what it tells, without a goal (met is always true, and not counted). */
export function reported(name: string, value: number, unit: string, digits = 0): Figure {
  return { name, value: round(value, digits), unit, goal: REPORTED, met: true };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** This machine, now. */
export function machine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    loadBefore: round(loadavg()[0] ?? 0, 2),
  };
}

/** The report as a table for a terminal. */
export function formatReport(report: Report): string {
  const m = report.machine;
  const lines = [
    `audit-pump benchmarks (${report.mode}), ${report.date}`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.platform}; Node ${m.node}; load ${m.loadBefore} → ${m.loadAfter ?? '?'}`,
    '',
  ];
  const width = Math.max(...report.figures.map((f) => f.name.length), 6);
  const value = (f: Figure): string => `${f.value.toLocaleString('en-US')} ${f.unit}`;
  const valueWidth = Math.max(...report.figures.map((f) => value(f).length), 5);
  const goalWidth = Math.max(...report.figures.map((f) => `${f.goal} ${f.unit}`.length), 4);
  lines.push(`${'figure'.padEnd(width)}  ${'value'.padStart(valueWidth)}  ${'goal'.padEnd(goalWidth)}  met`);
  lines.push(`${'-'.repeat(width)}  ${'-'.repeat(valueWidth)}  ${'-'.repeat(goalWidth)}  ---`);
  for (const f of report.figures) {
    const judged = f.goal !== REPORTED;
    const goal = judged ? `${f.goal} ${f.unit}` : f.goal;
    lines.push(
      `${f.name.padEnd(width)}  ${value(f).padStart(valueWidth)}  ${goal.padEnd(goalWidth)}  ${judged ? (f.met ? 'yes' : 'NO') : '-'}`,
    );
  }
  const judged = report.figures.filter((f) => f.goal !== REPORTED);
  const missed = judged.filter((f) => !f.met).length;
  lines.push('', `${judged.length - missed} of ${judged.length} goals met.`);
  if (report.notes?.length) lines.push('', ...report.notes);
  return `${lines.join('\n')}\n`;
}
