/**
 * Peak memory draining a large backlog: the pump runs alone in a child process (bundled like the
 * functions), under a V8 heap limit as a guard, against servers in this process that hold no
 * backlog (bench/fast-servers.ts) and dynalite. The figure is the child's peak RSS.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_CURSOR_TABLE } from '../shared/archive-layout.ts';
import { ensureCursorTable, startDynamo } from '../local/aws/dynamo.ts';
import { BUNDLE_DIR, bundleInto } from './bundle.ts';
import { startFastVeza, startNullFirehose } from './fast-servers.ts';
import type { MemoryChildInput, MemoryChildOutput } from './memory-child.ts';

/** Heap limit of the child (MB): a pump that held its backlog would die here instead of passing. */
export const HEAP_GUARD_MB = 160;

/** Drains `events` Veza events in a child process and returns what it measured. */
export async function measureMemory(
  events: number,
  pageSize = 10_000,
  nodeFlags: readonly string[] = [],
): Promise<MemoryChildOutput> {
  const { file: child } = bundleInto(
    fileURLToPath(new URL('./memory-child.ts', import.meta.url)),
    join(BUNDLE_DIR, 'memory-child'),
  );
  const veza = await startFastVeza(events);
  const firehose = await startNullFirehose();
  const dynamo = await startDynamo();
  try {
    await ensureCursorTable(dynamo.client, LOCAL_CURSOR_TABLE);
    const input: MemoryChildInput = {
      veza: veza.url,
      firehose: firehose.url,
      dynamo: dynamo.endpoint,
      table: LOCAL_CURSOR_TABLE,
      pageSize,
    };
    const out = await run(child, input, nodeFlags);
    if (out.events !== events)
      throw new Error(`the memory child drained ${out.events} of ${events} events (${out.status})`);
    if (firehose.records() === 0) throw new Error('the memory child delivered nothing');
    return out;
  } finally {
    await veza.stop();
    await firehose.stop();
    await dynamo.stop();
  }
}

function run(file: string, input: MemoryChildInput, nodeFlags: readonly string[]): Promise<MemoryChildOutput> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [`--max-old-space-size=${HEAP_GUARD_MB}`, ...nodeFlags, file], {
      env: {
        PATH: process.env.PATH,
        BENCH_MEMORY: JSON.stringify(input),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) return resolve(JSON.parse(line) as MemoryChildOutput);
      reject(
        new Error(
          `the memory child exited ${code}${/heap out of memory/i.test(stderr) ? ' (heap limit reached)' : ''}: ${stderr.slice(-500)}`,
        ),
      );
    });
  });
}
