/**
 * Start-up of the command line: `audit-pump --help` (answered from bin/commands.js without loading
 * any command or tsx) against a bare `node -e 0` on the same machine, each the median of `runs`
 * sequential child processes. Goal: at most 3× the bare start (issue 17).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Median wall time (ms) of `runs` runs of `node <args>`. */
export function medianStartMs(args: readonly string[], runs: number): { medianMs: number; samplesMs: number[] } {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, {
      cwd: ROOT,
      stdio: 'ignore',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianMs =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { medianMs, samplesMs: samples.map((s) => Math.round(s)) };
}

/** Both medians and their ratio. */
export function measureStartup(runs: number): {
  bare: ReturnType<typeof medianStartMs>;
  help: ReturnType<typeof medianStartMs>;
  ratio: number;
} {
  // Interleaving would mix their caches; each warms once first instead.
  medianStartMs(['-e', '0'], 1);
  medianStartMs(['bin/audit-pump.js', '--help'], 1);
  const bare = medianStartMs(['-e', '0'], runs);
  const help = medianStartMs(['bin/audit-pump.js', '--help'], runs);
  return { bare, help, ratio: help.medianMs / bare.medianMs };
}
