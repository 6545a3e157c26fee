/**
 * The pump alone in a process, draining a Veza backlog at the page size the parent gives (the
 * report uses the connector's default, 1,000) into packing Firehose sinks, as the Lambda handler
 * wires it. Bundled by bench/memory.ts as the functions are and run under a heap limit; prints
 * one JSON line: events drained, peak RSS (the kernel's high-water mark) and the peak heap it sampled.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { vezaConnector } from '../functions/veza/connector.ts';
import { parseSources, type Source } from '../shared/config.ts';
import { CursorStore } from '../shared/cursor-store.ts';
import { HttpClient } from '../shared/http.ts';
import { runSource } from '../shared/runner.ts';
import { FirehoseSink } from '../shared/sink.ts';

/** What the parent passes in BENCH_MEMORY. */
export interface MemoryChildInput {
  readonly veza: string;
  readonly firehose: string;
  readonly dynamo: string;
  readonly table: string;
  readonly pageSize: number;
}

/** What the child prints. */
export interface MemoryChildOutput {
  readonly events: number;
  readonly pages: number;
  readonly ms: number;
  readonly maxRssBytes: number;
  readonly peakHeapBytes: number;
  /** Peak memory outside the V8 heap (buffers), sampled. */
  readonly peakExternalBytes: number;
  readonly status: string;
}

const input = JSON.parse(process.env.BENCH_MEMORY ?? '{}') as MemoryChildInput;
const aws = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
let peakHeap = 0;
let peakExternal = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakExternal = Math.max(peakExternal, m.external);
}, 20);
const firehose = new FirehoseClient({ ...aws, endpoint: input.firehose, maxAttempts: 1 });
const dynamodb = new DynamoDBClient({ ...aws, endpoint: input.dynamo });
const [source] = parseSources({
  sources: [
    {
      id: 'veza-memory',
      vendor: 'veza',
      baseUrl: input.veza,
      credentials: { token: 'bench' },
      startFrom: '2026-01-01T00:00:00Z',
      options: { pageSize: input.pageSize },
    },
  ],
}).sources as [Source];
const started = performance.now();
const result = await runSource(vezaConnector, source, {
  store: new CursorStore({ client: dynamodb, tableName: input.table }),
  sink: new FirehoseSink({ client: firehose, streamName: 'archive', pack: true }),
  deadLetter: new FirehoseSink({ client: firehose, streamName: 'dead-letter', pack: true }),
  credentials: { get: async () => ({ token: 'bench' }) },
  http: ({ source: s, credentials, deadline, onRetry }) =>
    new HttpClient({ origin: s.baseUrl, deadline, secrets: Object.values(credentials), onRetry }),
  owner: 'bench-memory',
  leaseMs: 120_000,
  deadline: Date.now() + 30 * 60_000,
});
clearInterval(sampler);
const output: MemoryChildOutput = {
  events: result.events,
  pages: result.pages,
  ms: performance.now() - started,
  // resourceUsage().maxRSS is in KiB: the process's peak resident set, not a sample.
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  peakHeapBytes: peakHeap,
  peakExternalBytes: peakExternal,
  status: result.status === 'caught-up' ? result.status : `${result.status}: ${result.error ?? ''}`,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
firehose.destroy();
dynamodb.destroy();
