/**
 * The local Firehose acknowledges only what is on disk (local/aws/firehose-writer.ts), as the real one
 * acknowledges durably: records it answered for survive its process being killed, and the next
 * emulator on the same archive writes them before it serves. A journal write cut short by the kill
 * (never acknowledged) is dropped, not written as a broken line.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { readArchive } from '../../../local/query/archive-reader.ts';
import { LOCAL_AWS } from '../../../local/aws/dynamo.ts';
import { startFirehoseEmulator } from '../../../local/aws/firehose-emulator.ts';
import { JOURNAL_DIR } from '../../../local/aws/firehose-writer.ts';
import { ARCHIVE_ERROR_PREFIX, ARCHIVE_PREFIX, LOCAL_STREAMS } from '../../../shared/archive-layout.ts';
import { FirehoseSink, toRecord } from '../../../shared/sink.ts';

const CHILD = fileURLToPath(new URL('../../helpers/firehose-child.ts', import.meta.url));
const STREAMS = {
  [LOCAL_STREAMS.archive]: {
    prefix: ARCHIVE_PREFIX,
    errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
    deaggregation: { type: 'JSON' as const },
    appendDelimiter: true,
  },
};
const NOV_20 = Date.UTC(2026, 10, 20, 9);

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const event = (n: number): Uint8Array =>
  toRecord({
    time: NOV_20 + n,
    metadata: { uid: `u${n}`, log_provider: 'veza', log_name: 'veza-main' },
    message: `"quoted" \\ ${n}`,
  });

/** Starts the emulator in a child process; resolves with its endpoint and a way to SIGKILL it. */
async function childEmulator(
  archiveDir: string,
): Promise<{ endpoint: string; kill: () => Promise<NodeJS.Signals | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, archiveDir], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('close', (_code, signal) => resolve(signal)),
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /listening (\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once('close', (code) => reject(new Error(`the emulator process exited (${code}) before listening: ${out}`)));
  });
  return { endpoint, kill: () => (child.kill('SIGKILL'), exited) };
}

describe('the local Firehose: acknowledged means on disk', () => {
  it('keeps every acknowledged record when its process is killed, and the next emulator writes them', async () => {
    // Prepare: 1,200 events put through the real sink (packed), every put answered.
    const dir = await mkdtemp(join(tmpdir(), 'firehose-durable-'));
    dirs.push(dir);
    const child = await childEmulator(dir);
    const client = new FirehoseClient({ ...LOCAL_AWS, endpoint: child.endpoint, maxAttempts: 1 });
    const sink = new FirehoseSink({ client, streamName: LOCAL_STREAMS.archive, pack: true });
    for (let page = 0; page < 3; page++)
      await sink.put(
        Array.from({ length: 400 }, (_, i) => event(page * 400 + i)),
        Date.now() + 30_000,
      );
    client.destroy();

    // Act: the process dies with every buffer still unwritten; a new emulator starts on the same archive.
    const signal = await child.kill();
    const before = await readArchive(dir);
    const next = await startFirehoseEmulator({ archiveDir: dir, streams: STREAMS });
    await next.stop();

    // Assess
    expect(signal).toBe('SIGKILL');
    expect(before).toHaveLength(0);
    const uids = (await readArchive(dir)).map(({ record }) => (record.metadata as { uid: string }).uid);
    expect(uids.sort()).toEqual(Array.from({ length: 1200 }, (_, i) => `u${i}`).sort());
    expect(await readdir(join(dir, JOURNAL_DIR))).toEqual([]);
  }, 30_000);

  it('drops a journal write that a kill cut short, and keeps the frames before it', async () => {
    // Prepare: a journal with its head, one whole frame and a torn one.
    const dir = await mkdtemp(join(tmpdir(), 'firehose-torn-'));
    dirs.push(dir);
    const frame = (text: string): Buffer => {
      const data = Buffer.from(text);
      const head = Buffer.alloc(4);
      head.writeUInt32BE(data.length);
      return Buffer.concat([head, data]);
    };
    const head = {
      id: 'torn',
      stream: LOCAL_STREAMS.archive,
      prefix: 'events/vendor=veza/dt=2026-11-20/',
      gzip: true,
      firstArrivalMs: NOV_20,
    };
    const whole = frame(`${JSON.stringify({ time: NOV_20, metadata: { uid: 'kept' } })}\n`);
    const torn = frame(`${JSON.stringify({ time: NOV_20, metadata: { uid: 'torn' } })}\n`).subarray(0, 20);
    await mkdir(join(dir, JOURNAL_DIR), { recursive: true });
    await writeFile(join(dir, JOURNAL_DIR, 'torn.journal'), Buffer.concat([frame(JSON.stringify(head)), whole, torn]));

    // Act
    const emulator = await startFirehoseEmulator({ archiveDir: dir, streams: STREAMS });
    await emulator.stop();

    // Assess
    const records = await readArchive(dir);
    expect(records.map(({ record }) => (record.metadata as { uid: string }).uid)).toEqual(['kept']);
  });
});
