/**
 * The campaign's figures: per stand and in total for the chaos runs, then races, fuzzing and
 * secret hygiene, the seeds that reproduce any finding, and the summary line.
 */
import type { FuzzReport } from './fuzz.ts';
import type { KillReport } from './kills.ts';
import type { RaceReport } from './races.ts';
import type { RunReport } from './run.ts';
import { throttleFailed, type ThrottleReport } from './throttles.ts';

/** Everything the workers sent back. */
export interface Findings {
  readonly runs: RunReport[];
  readonly races: RaceReport[];
  readonly fuzz: FuzzReport[];
  readonly kills: KillReport[];
  readonly throttles: ThrottleReport[];
}

const COLUMNS = [
  'runs',
  'invocations',
  'crashes',
  'events',
  'duplicates',
  'lost',
  'strangers',
  'uid_conflicts',
  'raw_mismatch',
  'regressions',
  'leaks',
  'not_caught_up',
  'avg_ms',
] as const;

/** True when a run broke a promise. */
export function failed(r: RunReport): boolean {
  return (
    r.lost + r.strangers + r.uidConflicts + r.rawMismatches + r.cursorRegressions + r.overruns + r.leaks.length > 0 ||
    !r.caughtUp
  );
}

function row(runs: readonly RunReport[]): number[] {
  const sum = (f: (r: RunReport) => number): number => runs.reduce((a, r) => a + f(r), 0);
  return [
    runs.length,
    sum((r) => r.invocations),
    sum((r) => r.crashes),
    sum((r) => r.events),
    sum((r) => r.duplicates),
    sum((r) => r.lost),
    sum((r) => r.strangers),
    sum((r) => r.uidConflicts),
    sum((r) => r.rawMismatches),
    sum((r) => r.cursorRegressions),
    sum((r) => r.leaks.length),
    sum((r) => (r.caughtUp ? 0 : 1)),
    runs.length ? Math.round(sum((r) => r.ms) / runs.length) : 0,
  ];
}

function table(rows: Array<[string, number[]]>): string[] {
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map(([, v]) => String(v[i]).length)));
  const line = (name: string, cells: readonly (string | number)[]): string =>
    `${name.padEnd(18)}${cells.map((c, i) => String(c).padStart((widths[i] ?? 0) + 2)).join('')}`;
  return [line('stand', COLUMNS), ...rows.map(([name, v]) => line(name, v))];
}

function runsSection(runs: readonly RunReport[]): string[] {
  const stands = [...new Set(runs.map((r) => r.stand))].sort();
  const lines = table([
    ...stands.map((b): [string, number[]] => [b, row(runs.filter((r) => r.stand === b))]),
    ['total', row(runs)],
  ]);
  const outcomes = new Map<string, number>();
  for (const r of runs) for (const [k, n] of Object.entries(r.outcomes)) outcomes.set(k, (outcomes.get(k) ?? 0) + n);
  lines.push(
    `invocation outcomes: ${[...outcomes]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  return lines;
}

function racesSection(races: readonly RaceReport[]): string[] {
  if (!races.length) return [];
  const sum = (f: (r: RaceReport) => number, of = races): number => of.reduce((a, r) => a + f(r), 0);
  const moments = [...new Set(races.flatMap((r) => r.moments))].sort();
  return [
    `races: scenarios=${races.length} (${sum((r) => (r.writers === 3 ? 1 : 0))} with three writers) pages=${sum((r) => r.pages)} pages_delivered_by_more_than_one_writer=${sum((r) => r.doubled)} (goal 0) deliveries_without_a_valid_lease=${sum((r) => r.stale)} lost=${sum((r) => r.lost)} strangers=${sum((r) => r.strangers)}`,
    ...moments.map((m) => {
      const of = races.filter((r) => r.moments.includes(m));
      return `  lease expiring ${m.padEnd(12)} scenarios=${of.length} doubled=${sum((r) => r.doubled, of)} stale=${sum((r) => r.stale, of)}`;
    }),
  ];
}

function fuzzSection(fuzz: readonly FuzzReport[]): string[] {
  if (!fuzz.length) return [];
  const sum = (f: (r: FuzzReport) => number): number => fuzz.reduce((a, r) => a + f(r), 0);
  const failures = fuzz.flatMap((f) => f.failures);
  return [
    `fuzz: cases=${sum((f) => f.cases)} crashes=${sum((f) => f.crashes)} wrong_advances=${sum((f) => f.wrongAdvances)} unaccounted_records=${sum((f) => f.unaccounted)} blocked_sources=${sum((f) => f.blocked)} leaks=${sum((f) => f.leaks.length)}`,
    ...failures.slice(0, 20).map((f) => `  ${f}`),
  ];
}

function throttlesSection(throttles: readonly ThrottleReport[]): string[] {
  if (!throttles.length) return [];
  const sum = (f: (r: ThrottleReport) => number, of = throttles): number => of.reduce((a, r) => a + f(r), 0);
  const budgeted = throttles.filter((r) => r.budgeted);
  const perPage = (f: (r: ThrottleReport) => number, of: readonly ThrottleReport[]): string =>
    (
      sum(f, of) /
      Math.max(
        1,
        sum((r) => r.pages, of),
      )
    ).toFixed(2);
  return [
    `throttles: scenarios=${throttles.length} (${sum((r) => (r.budgeted ? 1 : 0))} with a budget; three sources on one key) requests=${sum((r) => r.requests)} backoffs=${sum((r) => r.backoffs)} requests_during_a_backoff=${sum((r) => r.duringBackoff)} (goal 0) requests_over_budget=${sum((r) => r.overBudget)} (goal 0) vendor_limit_hits_under_a_budget=${sum((r) => (r.budgeted ? r.vendorLimited : 0))} (goal 0) lost=${sum((r) => r.lost)} strangers=${sum((r) => r.strangers)} leaks=${sum((r) => r.leaks.length)} not_caught_up=${sum((r) => (r.caughtUp ? 0 : 1))}`,
    `  throttle item writes, three runs at once: budget ${perPage((r) => r.budgetWrites, budgeted)} a page, ${(
      sum((r) => r.budgetWrites, budgeted) /
      Math.max(
        1,
        sum((r) => r.requests, budgeted),
      )
    ).toFixed(
      2,
    )} a request (a retry after a 429 takes its own token); back-offs ${perPage((r) => r.backoffWrites, throttles)} a page`,
    ...throttles
      .filter(throttleFailed)
      .slice(0, 10)
      .flatMap((r) => [
        `FAILED throttle seed ${r.seed}: ${r.details.slice(0, 3).join('; ')}`,
        `  reproduce: npm run chaos -- --runs 0 --races 0 --fuzz 0 --kills 0 --throttles 1 --seed ${r.seed}`,
      ]),
  ];
}

/** True when a kill scenario lost, invented or conflicted anything, or did not finish. */
function killFailed(k: KillReport): boolean {
  return k.lost + k.strangers + k.uidConflicts + k.rawMismatches > 0 || !k.caughtUp;
}

/** One line a fault kind, with how often the campaign threw it and what came of it. */
function faultsSection(findings: Findings): string[] {
  const { runs, fuzz, kills } = findings;
  const sum = <T>(of: readonly T[], f: (r: T) => number): number => of.reduce((a, r) => a + f(r), 0);
  return [
    `faults: kills=${sum(kills, (k) => k.kills)} (SIGKILL of audit-pump run mid-drain, in ${kills.length} scenarios: lost=${sum(kills, (k) => k.lost)} strangers=${sum(kills, (k) => k.strangers)} uid_conflicts=${sum(kills, (k) => k.uidConflicts)} raw_mismatch=${sum(kills, (k) => k.rawMismatches)} not_caught_up=${sum(kills, (k) => (k.caughtUp ? 0 : 1))})`,
    `faults: skews=${sum(runs, (r) => r.skews)} (invocations with the pump clock up to an hour off the vendor's Date header)`,
    `faults: stalls=${sum(runs, (r) => r.stalls)} (Firehose stalled past the deadline: overruns=${sum(runs, (r) => r.overruns)})`,
    `faults: echoes=${sum(fuzz, (f) => f.echoes)} (vendor error shapes quoting the credential) oversized=${sum(fuzz, (f) => f.oversized)} (records growing up to sixfold when escaped, through sinks enforcing Firehose's limits)`,
  ];
}

/** The report's lines; the last is the summary line. */
export function report(findings: Findings, took: { ms: number; jobs: number; seed: number }): string[] {
  const { runs, races, fuzz, kills } = findings;
  const bad = runs.filter(failed);
  const sum = (f: (r: RunReport) => number): number => runs.reduce((a, r) => a + f(r), 0);
  const scanned = sum((r) => r.scanned) + fuzz.reduce((a, f) => a + f.cases, 0);
  const lines = [
    ...runsSection(runs),
    ...racesSection(races),
    ...fuzzSection(fuzz),
    ...throttlesSection(findings.throttles),
    ...faultsSection(findings),
    `secrets: outputs scanned=${scanned} (log lines, run errors, EMF metrics, archive and dead-letter objects, spooled batches) leaks=${sum((r) => r.leaks.length) + fuzz.reduce((a, f) => a + f.leaks.length, 0)}`,
    ...runs.flatMap((r) => r.leaks.slice(0, 2).map((l) => `  leak (seed ${r.seed}): ${l}`)),
    ...fuzz.flatMap((f) => f.leaks.slice(0, 5).map((l) => `  leak: ${l}`)),
    `took ${(took.ms / 1000).toFixed(1)} s with ${took.jobs} worker(s): ${runs.length ? Math.round(took.ms / runs.length) : 0} ms per run (campaign seed ${took.seed})`,
    ...bad
      .slice(0, 20)
      .flatMap((r) => [
        `FAILED seed ${r.seed} (${r.stand}): ${r.details.slice(0, 3).join('; ')}`,
        `  reproduce: npm run chaos -- --runs 1 --seed ${r.seed} --races 0 --fuzz 0 --kills 0`,
      ]),
    ...kills
      .filter(killFailed)
      .slice(0, 10)
      .flatMap((k) => [
        `FAILED kill seed ${k.seed} (${k.stand}): ${k.details.slice(0, 3).join('; ')}`,
        `  reproduce: npm run chaos -- --runs 0 --kills 1 --seed ${k.seed} --races 0 --fuzz 0`,
      ]),
    `chaos: runs=${runs.length} lost=${sum((r) => r.lost)} strangers=${sum((r) => r.strangers)} uid_conflicts=${sum((r) => r.uidConflicts)} cursor_regressions=${sum((r) => r.cursorRegressions)}`,
  ];
  return lines;
}

/** True when the campaign met every goal it enforces (races are reported, see docs/guarantees.md). */
export function passed(findings: Findings): boolean {
  const fuzzBad = findings.fuzz.some(
    (f) => f.crashes + f.wrongAdvances + f.unaccounted + f.blocked + f.leaks.length > 0,
  );
  const raceBad = findings.races.some((r) => r.lost + r.strangers > 0);
  return (
    !findings.runs.some(failed) &&
    !fuzzBad &&
    !raceBad &&
    !findings.kills.some(killFailed) &&
    !findings.throttles.some(throttleFailed)
  );
}
