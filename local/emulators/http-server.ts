/**
 * A loopback HTTP server for the emulators: listens on 127.0.0.1 (port 0 = a free one), reads the
 * whole body, and closes cleanly (open keep-alive sockets included) so tests leave nothing behind.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface EmulatorRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

export type EmulatorHandler = (
  req: EmulatorRequest,
  res: ServerResponse,
) => Promise<EmulatorResponse | void> | EmulatorResponse | void;

export interface RunningServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `handler` on 127.0.0.1. A handler that writes to `res` itself returns nothing. `now` is the
 * emulated vendor's clock: its answers carry it in their `Date` header, as a real server's carry its
 * own (the pump bounds its time windows by it).
 */
export async function listen(handler: EmulatorHandler, port = 0, now: () => number = Date.now): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: EmulatorRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      Promise.resolve()
        .then(() => handler(request, res))
        .then((out) => {
          if (!out || res.writableEnded) return;
          const text = typeof out.body === 'string' ? out.body : out.body === undefined ? '' : JSON.stringify(out.body);
          res.writeHead(out.status, {
            'content-type': 'application/json',
            date: new Date(now()).toUTCString(),
            ...out.headers,
          });
          res.end(text);
        })
        .catch((error: unknown) => {
          if (res.headersSent) return void res.destroy();
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `emulator error: ${(error as Error).message}` }));
        });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
