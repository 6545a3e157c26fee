/**
 * The sink tests' bench: a Firehose emulator (world.ts startFirehose) fresh for each test of the
 * file, sinks on it whose waits and retries are recorded instead of slept, and the archive read
 * back line by line.
 */
import { afterEach, beforeEach, expect } from '@jest/globals';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FirehoseEmulator, FirehoseEmulatorOptions } from '../../local/aws/firehose-emulator.ts';
import { FirehoseSink, type FirehoseSinkOptions } from '../../shared/sink.ts';
import { startFirehose } from './world.ts';

export interface SinkBench {
  /** The emulator's archive directory. */
  readonly dir: string;
  readonly emulator: FirehoseEmulator;
  readonly client: FirehoseClient;
  /** The waits the test's sinks asked for, in order. */
  readonly sleeps: number[];
  /** The retries the test's sinks made: how many records failed, and whether the call was throttled. */
  readonly retries: Array<[failed: number, throttled: boolean]>;
  /** A sink on the emulator that records its waits and retries here. */
  sink(options: Partial<FirehoseSinkOptions> & Pick<FirehoseSinkOptions, 'streamName'>): FirehoseSink;
  /** Every line under `<dir>/<area>/` once flushed, exactly as written (each file ends in a newline). */
  archivedLines(area?: 'events' | 'dead-letter'): Promise<string[]>;
}

/** A bench with `streams`, started before each test of the file and stopped after it. */
export function sinkBenchPerTest(name: string, streams: FirehoseEmulatorOptions['streams']): SinkBench {
  let firehose: Awaited<ReturnType<typeof startFirehose>> | undefined;
  let sleeps: number[] = [];
  let retries: SinkBench['retries'] = [];
  beforeEach(async () => {
    firehose = await startFirehose(name, streams);
    sleeps = [];
    retries = [];
  });
  afterEach(async () => {
    await firehose?.stop();
  });
  const current = () => {
    if (!firehose) throw new Error('the sink bench starts in beforeEach: use it inside a test');
    return firehose;
  };
  return {
    get dir() {
      return current().dir;
    },
    get emulator() {
      return current().emulator;
    },
    get client() {
      return current().client;
    },
    get sleeps() {
      return sleeps;
    },
    get retries() {
      return retries;
    },
    sink: (options) =>
      new FirehoseSink({
        client: current().client,
        sleep: async (ms) => void sleeps.push(ms),
        onRetry: (failed, throttled) => void retries.push([failed, throttled]),
        ...options,
      }),
    archivedLines: async (area = 'events') => {
      const { dir, emulator } = current();
      await emulator.flush();
      const entries = await readdir(join(dir, area), { recursive: true, withFileTypes: true }).catch(() => []);
      const lines: string[] = [];
      for (const file of entries.filter((e) => e.isFile() && e.name.endsWith('.gz'))) {
        const text = gunzipSync(await readFile(join(file.parentPath, file.name))).toString('utf8');
        expect(text.endsWith('\n')).toBe(true);
        lines.push(...text.split(/(?<=\n)/));
      }
      return lines.sort();
    },
  };
}

/** Records as sorted text, to compare with `archivedLines`. */
export const recordTexts = (records: readonly Uint8Array[]): string[] =>
  records.map((r) => Buffer.from(r).toString('utf8')).sort();

/** A deadline a minute away: far enough that no test reaches it. */
export const farDeadline = (): number => Date.now() + 60_000;
