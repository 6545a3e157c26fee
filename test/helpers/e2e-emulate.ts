/**
 * `audit-pump emulate <vendor>` as users run it: the real CLI in a child process, asked something
 * once it has printed its URL and example sources file, then stopped with Ctrl-C (SIGINT).
 */
import { spawnCli, waitForStdout, type Outcome } from './cli-process.ts';

/** The example source `emulate` prints, as much of it as tests read. */
export interface ExampleSource {
  readonly credentials: Record<string, string>;
  readonly options: Record<string, unknown>;
}

export interface Emulated<T> {
  /** The URL it said it listens on. */
  readonly url: string;
  readonly example: ExampleSource;
  /** What `ask` returned. */
  readonly answer: T;
  /** How the process ended after SIGINT. */
  readonly out: Outcome;
}

/** The banner ends with the example sources file, printed in one write after the URL. */
const BANNER = /emulator listening on (http:\/\/127\.0\.0\.1:\d+)\nexample sources file:\n(\{[\s\S]*\n\})\n/;

/** Runs `audit-pump emulate <args>` until its banner is out, calls `ask`, then sends SIGINT and waits for the exit. */
export async function emulateCli<T>(
  args: readonly string[],
  ask: (url: string, example: ExampleSource) => Promise<T>,
): Promise<Emulated<T>> {
  const running = spawnCli(['emulate', ...args]);
  const [, url = '', json = ''] = await waitForStdout(running, BANNER);
  const [example] = (JSON.parse(json) as { sources: ExampleSource[] }).sources;
  if (!example) throw new Error(`${running.command} printed an example with no source: ${json}`);
  const answer = await ask(url, example);
  running.child.kill('SIGINT');
  return { url, example, answer, out: await running.done };
}
