/**
 * The `audit-pump` command line as a child process, for end-to-end tests: `node bin/audit-pump.js`
 * with CI=true, its output collected, and every child still running killed by `killChildren`.
 * Waits are driven by the child's own events (output, exit); one that gives up says what it
 * waited for and what the child printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'audit-pump.js');

/**
 * How long an end-to-end test may take: each starts one to three CLI processes (tsx compiles on
 * start, about 1.5 s each on an idle machine, many times that on a loaded one). A bound, not a goal.
 */
export const E2E_TIMEOUT_MS = 90_000;

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
  /** Everything written to stderr so far. */
  stderr(): string;
  /** `audit-pump <args>`, for messages. */
  readonly command: string;
}

const children = new Set<ChildProcess>();

/** Kills the children that are still running (call it in afterEach). */
export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** Starts the real CLI; `cwd` defaults to the checkout; `env` adds to the environment. */
export function spawnCli(args: readonly string[], cwd = ROOT, env: Readonly<Record<string, string>> = {}): Cli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, CI: 'true', NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stdout: () => stdout, stderr: () => stderr, command: `audit-pump ${args.join(' ')}` };
}

/** Runs the CLI to its end. */
export function cli(args: readonly string[], cwd = ROOT, env: Readonly<Record<string, string>> = {}): Promise<Outcome> {
  return spawnCli(args, cwd, env).done;
}

/**
 * Runs the CLI to its end and parses its stdout as JSON (`--json` output); a stdout that is not
 * JSON fails naming the command, its exit and what it printed.
 */
export async function cliJson<T = unknown>(
  args: readonly string[],
  cwd = ROOT,
  env: Readonly<Record<string, string>> = {},
): Promise<Outcome & { json: T }> {
  const out = await cli(args, cwd, env);
  try {
    return { ...out, json: JSON.parse(out.stdout) as T };
  } catch {
    throw new Error(
      `audit-pump ${args.join(' ')} (exit ${out.code ?? out.signal}) printed no JSON; stdout: ${tail(out.stdout)}; stderr: ${tail(out.stderr)}`,
    );
  }
}

/** The last `chars` of a text, for failure messages. */
const tail = (text: string, chars = 400): string =>
  (text.length > chars ? `…${text.slice(-chars)}` : text) || '(nothing)';

/**
 * Resolves once the child's stdout matches `pattern`, checked on every chunk it writes; rejects,
 * saying what was awaited and what the child printed, when it exits first or `timeoutMs` passes.
 */
export function waitForStdout(running: Cli, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const stop = (): void => {
      clearTimeout(timer);
      running.child.stdout?.off('data', check);
      running.child.off('close', exited);
    };
    const check = (): void => {
      const match = pattern.exec(running.stdout());
      if (!match) return;
      stop();
      resolve(match);
    };
    const exited = (code: number | null, signal: NodeJS.Signals | null): void => {
      stop();
      reject(
        new Error(
          `${running.command} exited (${code ?? signal}) before printing ${pattern}; stdout: ${tail(running.stdout())}; stderr: ${tail(running.stderr())}`,
        ),
      );
    };
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `waited ${Date.now() - started} ms for ${pattern} on the stdout of ${running.command}; stdout: ${tail(running.stdout())}; stderr: ${tail(running.stderr())}`,
        ),
      );
    }, timeoutMs);
    running.child.stdout?.on('data', check);
    running.child.once('close', exited);
    check();
  });
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Parses `<source>: <status>, <n> events, <n> pages, <n> dead-lettered` from a run's stdout. */
export function summaryOf(
  stdout: string,
  sourceId: string,
): { status: string; events: number; pages: number; rejected: number } | undefined {
  const m = new RegExp(`^${sourceId}: ([a-z-]+), (\\d+) events, (\\d+) pages, (\\d+) dead-lettered`, 'm').exec(stdout);
  return m ? { status: String(m[1]), events: Number(m[2]), pages: Number(m[3]), rejected: Number(m[4]) } : undefined;
}
