/**
 * Throttling figures (docs/throttling.md), each against a vendor stand-in in this process and the
 * AWS emulators in a child process (bench/stack.ts), the pump wired as shared/handler.ts wires it:
 *
 * 1. A Veza stand-in that answers every sixth call with 429, `Retry-After: 1` and a
 *    google.rpc.RetryInfo of 1 s: the pump drains its events in two runs (half the events before
 *    each), and so does the simplest pump that honours the delay (bench/simple-pump.ts). The
 *    figure is the pump's time over the simple pump's.
 * 2. A Carbon Black stand-in that limits requests per window (its back-off extended by every
 *    request during it, vendor-notes §5.5), read by a source whose budget is that limit: the drain's
 *    time over the bound the budget allows for the requests it took (requests × perSeconds ÷
 *    requests per window), and the budget's DynamoDB writes per page.
 */
import { carbonBlackConnector } from '../functions/carbonblack/connector.ts';
import { vezaConnector } from '../functions/veza/connector.ts';
import type { Connector } from '../shared/connector.ts';
import { runSource, type RunResult } from '../shared/runner.ts';
import { startCarbonBlackEmulator } from '../functions/carbonblack/emulator/emulator.ts';
import { startVezaEmulator, type VezaEmulator } from '../functions/veza/emulator/emulator.ts';
import { atMost, type Figure } from './report.ts';
import { simplePump } from './simple-pump.ts';
import { pumpDeps, startHost } from './stack.ts';
import type { AwsReady } from './emulator-host.ts';

/** The sizes of the throttling section. */
export interface ThrottlingSizes {
  /** Events of the throttled Veza drain, half before each run, and the page size it is read at. */
  readonly vezaEvents: number;
  readonly vezaPageSize: number;
  /** Carbon Black events drained under the budget, and the budget (the stand-in's own limit). */
  readonly budgetEvents: number;
  readonly budget: { readonly requests: number; readonly perSeconds: number };
  readonly latencyMs: number;
}

const TOKEN = 'bench-throttle-veza-key';
const THROTTLED = { throttleEvery: 6, retryAfterSeconds: 1, retryInfoSeconds: 1 };

/** The Veza stand-in: the first half of the events, every sixth call throttled. */
function throttledVeza(sizes: ThrottlingSizes): Promise<VezaEmulator> {
  return startVezaEmulator({
    token: TOKEN,
    seed: 17,
    backlog: sizes.vezaEvents / 2,
    latencyMs: sizes.latencyMs,
    faults: { ...THROTTLED },
  });
}

/** Time the simplest pump takes for the two runs, and what it read. */
async function simpleDrain(sizes: ThrottlingSizes): Promise<{ ms: number; events: number; requests: number }> {
  const veza = await throttledVeza(sizes);
  try {
    const started = performance.now();
    const first = await simplePump(veza.baseUrl, TOKEN, sizes.vezaPageSize, { bootstrap: new Date(0).toISOString() });
    const firstMs = performance.now() - started;
    veza.addEvents(sizes.vezaEvents / 2);
    const again = performance.now();
    const second = await simplePump(veza.baseUrl, TOKEN, sizes.vezaPageSize, { token: first.token });
    return {
      ms: firstMs + (performance.now() - again),
      events: first.events + second.events,
      requests: veza.stats.exportRequests,
    };
  } finally {
    await veza.stop();
  }
}

/** Time audit-pump takes for the two runs (two invocations of one source), and their results. */
async function pumpDrain(sizes: ThrottlingSizes): Promise<{ ms: number; runs: RunResult[]; requests: number }> {
  const veza = await throttledVeza(sizes);
  const aws = await startHost<AwsReady>({ role: 'aws', vendor: 'veza', backlog: 0, seed: 1 });
  const { deps, source, close } = pumpDeps(
    { baseUrl: veza.baseUrl, credentials: { token: TOKEN }, options: {} },
    aws.ready,
    'veza',
    { options: { pageSize: sizes.vezaPageSize } },
  );
  try {
    const connector = vezaConnector as Connector<unknown, unknown>;
    const started = performance.now();
    const first = await runSource(connector, source, deps);
    const firstMs = performance.now() - started;
    veza.addEvents(sizes.vezaEvents / 2);
    const again = performance.now();
    const second = await runSource(connector, source, deps);
    return { ms: firstMs + (performance.now() - again), runs: [first, second], requests: veza.stats.exportRequests };
  } finally {
    close();
    await Promise.all([veza.stop(), aws.stop()]);
  }
}

/** One drain of a Carbon Black org under a budget equal to the stand-in's own limit. */
async function budgetDrain(sizes: ThrottlingSizes) {
  const key = { id: 'BENCHKEY01', secret: 'bench-throttle-cb-secret' };
  const windowMs = sizes.budget.perSeconds * 1000;
  const cb = await startCarbonBlackEmulator({
    apiKeys: [key],
    seed: 3,
    backlog: sizes.budgetEvents,
    latencyMs: sizes.latencyMs,
    rateLimit: { ...sizes.budget, windowMs, retryAfterSeconds: 5 },
  });
  const aws = await startHost<AwsReady>({ role: 'aws', vendor: 'carbonblack', backlog: 0, seed: 1 });
  const host = {
    baseUrl: cb.baseUrl,
    credentials: { apiId: key.id, apiSecret: key.secret },
    options: { orgKey: cb.orgKey },
  };
  const { deps, source, writes, close } = pumpDeps(host, aws.ready, 'carbonblack', {
    options: { rows: 100 },
    rateLimit: sizes.budget,
  });
  try {
    const started = performance.now();
    const result = await runSource(carbonBlackConnector as Connector<unknown, unknown>, source, deps);
    const ms = performance.now() - started;
    if (result.status !== 'caught-up')
      throw new Error(`carbonblack budget drain ended ${result.status}: ${result.error ?? ''}`);
    const requests = cb.stats.requests;
    return {
      ms,
      result,
      requests,
      refused: cb.stats.errors,
      boundMs: (requests * sizes.budget.perSeconds * 1000) / sizes.budget.requests,
      writes,
    };
  } finally {
    close();
    await Promise.all([cb.stop(), aws.stop()]);
  }
}

/** The throttling section: the throttled Veza drain against the simple pump, and the budget's figures. */
export async function throttling(
  sizes: ThrottlingSizes,
  log: (line: string) => void,
): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  log(
    `throttled veza: ${sizes.vezaEvents} events in two runs, pages of ${sizes.vezaPageSize}, every 6th call 429 (Retry-After 1, RetryInfo 1 s)`,
  );
  const simple = await simpleDrain(sizes);
  const pump = await pumpDrain(sizes);
  const pumped = pump.runs.reduce((n, r) => n + r.events, 0);
  if (
    pump.runs.some((r) => r.status !== 'caught-up') ||
    pumped !== sizes.vezaEvents ||
    simple.events !== sizes.vezaEvents
  ) {
    throw new Error(
      `throttled veza: the pump read ${pumped} (${pump.runs.map((r) => r.status).join(', ')}), the simple pump ${simple.events}, of ${sizes.vezaEvents}`,
    );
  }
  log(
    `budget: ${sizes.budgetEvents} carbonblack events at ${sizes.budget.requests} requests per ${sizes.budget.perSeconds} s`,
  );
  const budget = await budgetDrain(sizes);
  const figures = [
    atMost(
      `throttled Veza drain ÷ simple pump (${sizes.vezaEvents.toLocaleString('en-US')} events, two runs)`,
      pump.ms / simple.ms,
      '×',
      2,
      2,
    ),
    atMost("drain under a budget ÷ the budget's bound (carbonblack)", budget.ms / budget.boundMs, '×', 1.1, 2),
    atMost(
      'budget DynamoDB writes per page (carbonblack)',
      budget.writes.throttle / budget.result.pages,
      'writes',
      1,
      2,
    ),
  ];
  const details = {
    throttledVeza: {
      pumpMs: Math.round(pump.ms),
      simpleMs: Math.round(simple.ms),
      pumpRequests: pump.requests,
      simpleRequests: simple.requests,
      throttledWaitMs: pump.runs.map((r) => r.throttledWaitMs),
      retries: pump.runs.map((r) => r.retries),
      events: pump.runs.map((r) => r.events),
      latencyMs: sizes.latencyMs,
    },
    budget: {
      budget: `${sizes.budget.requests} requests per ${sizes.budget.perSeconds} s`,
      events: budget.result.events,
      pages: budget.result.pages,
      requestsSent: budget.requests,
      drainMs: Math.round(budget.ms),
      boundMs: Math.round(budget.boundMs),
      vendorErrors: budget.refused,
      budgetRefused: budget.result.budgetRefused,
      budgetWaitMs: budget.result.budgetWaitMs,
      throttleWrites: budget.writes.throttle,
      allWrites: budget.writes.count,
    },
  };
  return { figures, details };
}
