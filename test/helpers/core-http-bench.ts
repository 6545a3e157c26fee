/**
 * The HTTP client tests' bench: one loopback vendor for the file that answers with the handler the
 * test sets and counts the requests it received, and clients on it whose waits are recorded
 * instead of slept.
 */
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import {
  listen,
  type EmulatorHandler,
  type EmulatorResponse,
  type RunningServer,
} from '../../local/emulators/http-server.ts';
import { HttpClient, type HttpClientOptions } from '../../shared/http.ts';

export interface HttpBench {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The requests received since the test began (a test may reset it). */
  hits: number;
  /** How the server answers: a 200 `{ ok: true }` until the test says otherwise. */
  handler: EmulatorHandler;
  /** The waits the test's clients asked for, in order. */
  readonly sleeps: number[];
  /** A handler giving `responses` in order, one per request counted in `hits`, the last one repeated. */
  sequence(...responses: EmulatorResponse[]): EmulatorHandler;
  /** A client on the server with a fixed jitter (random 0.5) whose waits go to `sleeps`. */
  client(options: Partial<HttpClientOptions> & Pick<HttpClientOptions, 'deadline'>): HttpClient;
}

const ok: EmulatorHandler = () => ({ status: 200, body: { ok: true } });

/** Starts the server before the file's tests and stops it after them; `onRequest` hears every request. */
export function httpBenchForFile(onRequest: () => void = () => undefined): HttpBench {
  let running: RunningServer | undefined;
  let sleeps: number[] = [];
  const current = (): RunningServer => {
    if (!running) throw new Error('the HTTP bench starts in beforeAll: use it inside a test');
    return running;
  };
  const bench: HttpBench = {
    get port() {
      return current().port;
    },
    get url() {
      return current().url;
    },
    hits: 0,
    handler: ok,
    get sleeps() {
      return sleeps;
    },
    sequence:
      (...responses) =>
      () =>
        responses[Math.min(bench.hits - 1, responses.length - 1)],
    client: (options) =>
      new HttpClient({
        origin: current().url,
        random: () => 0.5,
        sleep: async (ms) => void sleeps.push(ms),
        ...options,
      }),
  };
  beforeAll(async () => {
    running = await listen((req, res) => {
      bench.hits++;
      onRequest();
      return bench.handler(req, res);
    });
  });
  afterAll(() => running?.close());
  beforeEach(() => {
    bench.hits = 0;
    bench.handler = ok;
    sleeps = [];
  });
  return bench;
}
