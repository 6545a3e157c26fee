/**
 * The `audit-pump` command line as a child process, for end-to-end tests: `node bin/audit-pump.js`
 * with CI=true, its output collected, and every child still running killed by `killChildren`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'audit-pump.js');

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Cli {
  readonly child: ChildProcess;
  readonly done: Promise<Outcome>;
  /** Everything written to stdout so far. */
  stdout(): string;
}

const children = new Set<ChildProcess>();

/** Kills the children that are still running (call it in afterEach). */
export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** Starts the real CLI; `cwd` defaults to the checkout. */
export function spawnCli(args: readonly string[], cwd = ROOT): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: 'true', NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stdout: () => stdout };
}

/** Runs the CLI to its end. */
export function cli(args: readonly string[], cwd = ROOT): Promise<Outcome> {
  return spawnCli(args, cwd).done;
}

/** Resolves once the child's stdout matches `pattern`. */
export async function waitForStdout(running: Cli, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
  for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
    const match = pattern.exec(running.stdout());
    if (match) return match;
    if (running.child.exitCode !== null) throw new Error(`the CLI exited (${running.child.exitCode}) before printing ${pattern}: ${running.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no ${pattern} on stdout within ${timeoutMs} ms: ${running.stdout()}`);
}
