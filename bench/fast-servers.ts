/**
 * Servers fast enough to drain a million events through the pump in well under a minute, for the
 * memory benchmark: a Veza export endpoint that writes its pages from 1,000 seeded records (each
 * served with its own id) instead of holding the backlog, and a Firehose that accepts every
 * PutRecordBatch without storing anything. Neither keeps state that grows with the backlog.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVezaLog } from '../functions/veza/emulator/data.ts';

/** A running server. */
export interface FastServer {
  readonly url: string;
  stop(): Promise<void>;
}

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function stopper(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** The record texts as [before id, after id], from the Veza emulator's own generator. */
function templates(): Array<[string, string]> {
  const log = createVezaLog(11, 'new');
  const start = Date.now() - 86_400_000;
  for (let i = 0; i < 1000; i++) log.append(start + i * 1000);
  return log.events.map((e) => {
    const at = e.text.indexOf(e.id);
    return [e.text.slice(0, at), e.text.slice(at + e.id.length)];
  });
}

const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * The Veza export (`GET /api/preview/system/audit/export`, vendor-notes §3.6) over `total` events:
 * the page token is the offset; an empty page means caught up.
 */
export async function startFastVeza(total: number): Promise<FastServer & { served(): number }> {
  const parts = templates();
  let served = 0;
  const { server, url } = await serve((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const size = Number(query.get('page_size') ?? 1000);
    const from = Number(query.get('next_page_token') ?? 0);
    const to = Math.min(total, from + size);
    const values: string[] = [];
    for (let i = from; i < to; i++) {
      const [before, after] = parts[i % parts.length] as [string, string];
      values.push(before + uuid(i) + after);
    }
    served += to - from;
    const body = `{"values":[${values.join(',')}],"next_page_token":"${to}"}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  return { url, stop: stopper(server), served: () => served };
}

const DATA_KEY = Buffer.from('"Data":');

/** A Firehose endpoint whose PutRecordBatch accepts every record and keeps none. */
export async function startNullFirehose(): Promise<FastServer & { records(): number }> {
  let records = 0;
  const { server, url } = await serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let n = 0;
      for (let at = body.indexOf(DATA_KEY); at >= 0; at = body.indexOf(DATA_KEY, at + DATA_KEY.length)) n++;
      records += n;
      const answer = JSON.stringify({
        FailedPutCount: 0,
        Encrypted: false,
        RequestResponses: Array.from({ length: n }, (_, i) => ({ RecordId: String(i) })),
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  return { url, stop: stopper(server), records: () => records };
}
