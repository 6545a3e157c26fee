/**
 * Prepared answers, so that a drain measures the pump and not the vendor emulator: a front server
 * that first records the emulator's answers (a drain at 0 ms latency, the recording pass), then
 * replays them byte for byte, each after the drain's latency. A replayed answer costs the server a
 * map lookup and a socket write; the service time it reports (request read to answer written,
 * latency excluded) shows that. The pump's requests repeat exactly when its clock is frozen
 * (bench/stack.ts), since its windows and tokens then come only from the answers it gets.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded answer. */
interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** What the server did since its mode was last set. */
export interface ServiceStats {
  readonly mode: 'record' | 'replay';
  readonly requests: number;
  /** Request fully read to answer written, summed; the replay latency is not included. */
  readonly serviceMs: number;
  readonly maxServiceMs: number;
  readonly bodyBytes: number;
}

/** Headers that describe one connection or one encoding, not the answer. */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'host']);

function kept(headers: Headers | IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [name, value] of entries)
    if (!HOP.has(name) && value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A recording and replaying front of `origin` (the emulator) on 127.0.0.1. */
export async function startPreparedAnswers(origin: string): Promise<{
  readonly url: string;
  /** Replays from now on, each answer after `latencyMs`; the per-key order restarts. */
  replay(latencyMs: number): void;
  stats(): ServiceStats;
  /** Every recorded answer body, in the order recorded. */
  bodies(): Buffer[];
  stop(): Promise<void>;
}> {
  const recorded = new Map<string, Answer[]>();
  const order: Buffer[] = [];
  let served = new Map<string, number>();
  let mode: { replay: false } | { replay: true; latencyMs: number } = { replay: false };
  let stats = { requests: 0, serviceMs: 0, maxServiceMs: 0, bodyBytes: 0 };

  const record = async (key: string, req: IncomingMessage, body: Buffer): Promise<Answer> => {
    const res = await fetch(new URL(req.url ?? '/', origin), {
      method: req.method ?? 'GET',
      headers: kept(req.headers),
      ...(body.length ? { body } : {}),
    });
    const answer = { status: res.status, headers: kept(res.headers), body: Buffer.from(await res.arrayBuffer()) };
    recorded.set(key, [...(recorded.get(key) ?? []), answer]);
    order.push(answer.body);
    return answer;
  };
  const replayed = (key: string): Answer => {
    const n = served.get(key) ?? 0;
    served.set(key, n + 1);
    const answer = recorded.get(key)?.[n];
    if (answer) return answer;
    const body = Buffer.from(`prepared answers: request ${n + 1} of ${JSON.stringify(key)} was never recorded`);
    return { status: 500, headers: { 'content-type': 'text/plain' }, body };
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const started = performance.now();
    const key = `${req.method} ${req.url}\n${body.toString('utf8')}`;
    const answer = mode.replay ? replayed(key) : await record(key, req, body);
    const preparing = performance.now() - started;
    const latencyMs = mode.replay ? mode.latencyMs : 0;
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const writing = performance.now();
    res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
    res.end(answer.body);
    const ms = preparing + (performance.now() - writing);
    stats = {
      requests: stats.requests + 1,
      serviceMs: stats.serviceMs + Math.max(0, ms),
      maxServiceMs: Math.max(stats.maxServiceMs, ms),
      bodyBytes: stats.bodyBytes + answer.body.length,
    };
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`prepared answers: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    replay: (latencyMs) => {
      mode = { replay: true, latencyMs };
      served = new Map();
      stats = { requests: 0, serviceMs: 0, maxServiceMs: 0, bodyBytes: 0 };
    },
    stats: () => ({ mode: mode.replay ? 'replay' : 'record', ...stats }),
    bodies: () => order,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
