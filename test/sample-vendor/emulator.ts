/**
 * The sample vendor's emulator, on the shared emulator host (local/emulators/emulator-host.ts): a
 * sequence of events served in order, a backlog spread over the last day, live arrivals, and two
 * faults the campaign arms (a 429 with Retry-After, a 502).
 */
import { startForCli } from '../../local/emulators/cli-emulator.ts';
import { hostService, LOCAL_TOKEN, spreadBacklog } from '../../local/emulators/emulator-host.ts';
import type { EmulatorSettings, RunningEmulator } from '../../local/emulators/emulators.ts';
import type { EmulatorResponse } from '../../local/emulators/http-server.ts';
import type { SampleRecord } from './connector.ts';

export interface SampleFaults {
  rateLimitNext: number;
  serverErrorNext: number;
  retryAfterSeconds: number;
}

export interface SampleEmulator {
  readonly baseUrl: string;
  readonly faults: SampleFaults;
  events(): readonly SampleRecord[];
  /** `n` new events now; their text is what the archive must hold. */
  addEvents(n: number): void;
  stop(): Promise<void>;
}

export interface SampleEmulatorOptions {
  readonly token: string;
  readonly backlog?: number;
  readonly now?: () => number;
  readonly port?: number | undefined;
  readonly arrivalsPerSecond?: number;
}

const DAY_MS = 86_400_000;

export async function startSampleEmulator(options: SampleEmulatorOptions): Promise<SampleEmulator> {
  const now = options.now ?? Date.now;
  const events: SampleRecord[] = [];
  const faults: SampleFaults = { rateLimitNext: 0, serverErrorNext: 0, retryAfterSeconds: 0 };
  const add = (at: number): void => {
    const seq = events.length + 1;
    events.push({
      seq,
      id: `evt-${seq}`,
      time: new Date(at).toISOString(),
      // Every third actor is absent, as the API allows: the normalizer must not need it.
      ...(seq % 3 === 0 ? {} : { actor: `user${seq % 7}@example.com` }),
      action: seq % 2 ? 'login' : 'export "report" \\ ünïcödé',
    });
  };
  for (const at of spreadBacklog(options.backlog ?? 0, now() - DAY_MS, now())) add(at);

  const handle = ({ url, headers }: { url: URL; headers: Record<string, unknown> }): EmulatorResponse => {
    if (headers.authorization !== `Bearer ${options.token}`) return { status: 401, body: { error: 'unauthorized' } };
    if (faults.rateLimitNext > 0) {
      faults.rateLimitNext--;
      return {
        status: 429,
        headers: { 'retry-after': String(faults.retryAfterSeconds) },
        body: { error: 'slow down' },
      };
    }
    if (faults.serverErrorNext > 0) {
      faults.serverErrorNext--;
      return { status: 502, body: 'bad gateway' };
    }
    if (url.pathname !== '/events') return { status: 404, body: { error: 'not found' } };
    const after = Number(url.searchParams.get('after') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const page = events.filter((e) => e.seq > after).slice(0, limit);
    const more = events.some((e) => e.seq > (page.at(-1)?.seq ?? after));
    return { status: 200, body: { events: page, next: more ? (page.at(-1)?.seq ?? null) : null } };
  };
  const host = await hostService(
    { handle: (req) => handle(req), stop: () => undefined },
    { port: options.port, now, arrivalsPerSecond: options.arrivalsPerSecond },
    (n) => {
      for (let i = 0; i < n; i++) add(now());
    },
  );
  return {
    baseUrl: host.url,
    faults,
    events: () => events,
    addEvents: (n) => {
      for (let i = 0; i < n; i++) add(now());
    },
    stop: () => host.stop(),
  };
}

/** `audit-pump emulate`'s interface (local/emulators/emulators.ts). */
export function startSampleForCli(settings: EmulatorSettings): Promise<RunningEmulator> {
  return startForCli(
    'sample',
    settings,
    ({ backlog, arrivalsPerSecond, port }) =>
      startSampleEmulator({ token: LOCAL_TOKEN, backlog, arrivalsPerSecond, port }),
    (emulator) => ({
      credentials: { token: LOCAL_TOKEN },
      eventIds: () => emulator.events().map((e) => e.id),
    }),
  );
}
