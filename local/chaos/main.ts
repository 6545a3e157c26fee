/**
 * `npm run chaos -- --runs N --seed S`: the reliability campaign (docs/guarantees.md). Run i has
 * seed S + i, so `--runs 1 --seed <that seed>` replays it alone. Work is spread over `--jobs`
 * worker processes (default: 2); each worker has its own dynalite.
 *
 *   --runs N       chaos runs (seeded crash and fault schedules)                 default 100
 *   --seed S       campaign seed                                                 default 1
 *   --races R      race scenarios (two or three concurrent runs)                 default runs / 5
 *   --fuzz F       fuzz cases over every connector's response handling           default runs * 2
 *   --kills K      scenarios where `audit-pump run` is SIGKILLed mid-drain        default runs / 50
 *   --throttles T  three sources on one key under a throttling vendor (throttles.ts) default runs / 10
 *   --stand a,b    only these stands (every registered vendor's: veza, authentic8, retraced, nected, carbonblack,
 *                  carbonblack-queue)
 *   --runner M     a module exporting runSource to test instead of shared/runner.ts (a patched copy)
 *   --verbose      the run errors of failing runs too
 *
 * Exits 1 when any run lost, invented, conflicted or regressed anything, leaked a credential, the
 * fuzzer found a crash, a wrong advance, a dropped record or a blocked source, or a throttle
 * scenario sent a request during a back-off or above the budget.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { runSource } from '../../shared/runner.ts';
import { STANDS, type StandName } from './stands.ts';
import { fuzz } from './fuzz.ts';
import { killRun } from './kills.ts';
import { race } from './races.ts';
import { passed, report, type Findings } from './report.ts';
import { chaosRun } from './run.ts';
import { scheduleFor } from './schedule.ts';
import { throttleScenario, type ThrottleReport } from './throttles.ts';
import { startWorld } from './world.ts';

/** One unit of work for a worker. */
type Task =
  | { kind: 'run'; seed: number }
  | { kind: 'race'; seed: number }
  | { kind: 'fuzz'; seed: number; cases: number }
  | { kind: 'kill'; seed: number }
  | { kind: 'throttle'; seed: number };
interface Options {
  stands?: StandName[];
  runner?: string;
  verbose: boolean;
}
type Message =
  | { kind: 'run'; report: Findings['runs'][number] }
  | { kind: 'race'; report: Findings['races'][number] }
  | { kind: 'fuzz'; report: Findings['fuzz'][number] }
  | { kind: 'kill'; report: Findings['kills'][number] }
  | { kind: 'throttle'; report: ThrottleReport };

const FUZZ_CHUNK = 50;

/** Does the tasks in this process, reporting each result to `emit`. */
async function work(tasks: readonly Task[], options: Options, emit: (m: Message) => void): Promise<void> {
  const world = await startWorld();
  const runner = options.runner
    ? ((await import(options.runner)) as { runSource: typeof runSource }).runSource
    : undefined;
  try {
    for (const task of tasks) {
      if (task.kind === 'run')
        emit({
          kind: 'run',
          report: await chaosRun(world, task.seed, {
            ...(options.stands ? { stands: options.stands } : {}),
            verbose: options.verbose,
          }).catch((e: unknown) => broken(task.seed, e)),
        });
      else if (task.kind === 'race') emit({ kind: 'race', report: await race(world, task.seed, runner) });
      else if (task.kind === 'kill') emit({ kind: 'kill', report: await killRun(task.seed) });
      else if (task.kind === 'throttle')
        emit({
          kind: 'throttle',
          report: await throttleScenario(world, task.seed).catch((e: unknown) => brokenThrottle(task.seed, e)),
        });
      else emit({ kind: 'fuzz', report: await fuzz(world, task.seed, task.cases) });
    }
  } finally {
    await world.stop();
  }
}

/** A run the campaign itself could not play: a failure with its seed, never a silent gap. */
function broken(seed: number, error: unknown): Findings['runs'][number] {
  return {
    seed,
    stand: scheduleFor(seed).stand,
    lost: 0,
    strangers: 0,
    uidConflicts: 0,
    rawMismatches: 0,
    cursorRegressions: 0,
    leaks: [],
    scanned: 0,
    duplicates: 0,
    events: 0,
    invocations: 0,
    crashes: 0,
    skews: 0,
    stalls: 0,
    overruns: 0,
    caughtUp: false,
    outcomes: {},
    details: [`the run could not be played: ${String(error).slice(0, 300)}`],
    ms: 0,
  };
}

function brokenThrottle(seed: number, error: unknown): ThrottleReport {
  return {
    seed,
    budgeted: false,
    requests: 0,
    backoffs: 0,
    duringBackoff: 0,
    busiestWindow: 0,
    overBudget: 0,
    vendorLimited: 0,
    budgetWrites: 0,
    backoffWrites: 0,
    pages: 0,
    lost: 0,
    strangers: 0,
    leaks: [],
    caughtUp: false,
    outcomes: {},
    details: [`the scenario could not be played: ${String(error).slice(0, 300)}`],
    ms: 0,
  };
}

function tasksFor(runs: number, seed: number, races: number, cases: number, kills: number, throttles: number): Task[] {
  // Kill scenarios first: they take longest, so the workers end together.
  const tasks: Task[] = Array.from({ length: kills }, (_, i) => ({ kind: 'kill', seed: seed + i }));
  for (let i = 0; i < runs; i++) tasks.push({ kind: 'run', seed: seed + i });
  for (let i = 0; i < races; i++) tasks.push({ kind: 'race', seed: seed + i });
  for (let i = 0; i < throttles; i++) tasks.push({ kind: 'throttle', seed: seed + i });
  for (let i = 0; i < cases; i += FUZZ_CHUNK)
    tasks.push({ kind: 'fuzz', seed: seed + i, cases: Math.min(FUZZ_CHUNK, cases - i) });
  return tasks;
}

/** Spreads the tasks over `jobs` worker processes (in this process when jobs is 1). */
async function spread(tasks: readonly Task[], jobs: number, options: Options): Promise<Findings> {
  const findings: Findings = { runs: [], races: [], fuzz: [], kills: [], throttles: [] };
  const collect = (m: Message): void => {
    if (m.kind === 'run') findings.runs.push(m.report);
    else if (m.kind === 'race') findings.races.push(m.report);
    else if (m.kind === 'kill') findings.kills.push(m.report);
    else if (m.kind === 'throttle') findings.throttles.push(m.report);
    else findings.fuzz.push(m.report);
  };
  if (jobs <= 1) {
    await work(tasks, options, collect);
    return findings;
  }
  const shares = Array.from({ length: jobs }, (_, k) => tasks.filter((_, i) => i % jobs === k));
  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          const child = fork(fileURLToPath(import.meta.url), ['--worker'], {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          child.on('message', (m: Message | { kind: 'done' }) => (m.kind === 'done' ? undefined : collect(m)));
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`chaos worker exited with ${code}`))));
          child.send({ tasks: share, options });
        }),
    ),
  );
  return findings;
}

async function worker(): Promise<void> {
  const { tasks, options } = await new Promise<{ tasks: Task[]; options: Options }>((resolve) =>
    process.once('message', (m) => resolve(m as { tasks: Task[]; options: Options })),
  );
  await work(tasks, options, (m) => process.send?.(m));
  process.disconnect?.();
}

function number(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer`);
  return Number(value);
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string' },
      seed: { type: 'string' },
      jobs: { type: 'string' },
      races: { type: 'string' },
      fuzz: { type: 'string' },
      kills: { type: 'string' },
      throttles: { type: 'string' },
      stand: { type: 'string' },
      runner: { type: 'string' },
      verbose: { type: 'boolean' },
    },
    strict: true,
  });
  const runs = number(values.runs, 100, 'runs');
  const seed = number(values.seed, 1, 'seed');
  const stands = values.stand?.split(',').map((b) => b.trim()) as StandName[] | undefined;
  const unknown = stands?.filter((b) => !(STANDS as readonly string[]).includes(b)) ?? [];
  if (unknown.length) throw new Error(`unknown stand ${unknown.join(', ')}; known: ${STANDS.join(', ')}`);
  const jobs = Math.max(1, number(values.jobs, 2, 'jobs'));
  const options: Options = {
    verbose: values.verbose ?? false,
    ...(stands ? { stands } : {}),
    ...(values.runner ? { runner: new URL(values.runner, `file://${process.cwd()}/`).href } : {}),
  };
  const started = Date.now();
  const kills = number(values.kills, Math.ceil(runs / 50), 'kills');
  const throttles = number(values.throttles, Math.ceil(runs / 10), 'throttles');
  const findings = await spread(
    tasksFor(
      runs,
      seed,
      number(values.races, Math.ceil(runs / 5), 'races'),
      number(values.fuzz, runs * 2, 'fuzz'),
      kills,
      throttles,
    ),
    jobs,
    options,
  );
  findings.runs.sort((a, b) => a.seed - b.seed);
  findings.throttles.sort((a, b) => a.seed - b.seed);
  for (const line of report(findings, { ms: Date.now() - started, jobs, seed })) process.stdout.write(`${line}\n`);
  return passed(findings) ? 0 : 1;
}

if (process.argv.includes('--worker')) {
  await worker();
} else {
  process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  });
}
