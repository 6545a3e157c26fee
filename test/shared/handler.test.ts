/**
 * The Lambda handler (middy + Powertools) over the local stack and the Veza emulator: the event
 * selects one source or all of the vendor's, the remaining time becomes the deadline, EMF metrics
 * carry the source dimension, and a failed source fails the invocation after every source ran.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { vezaConnector } from '../../functions/veza/connector.ts';
import { MAX_CONTINUATIONS } from '../../shared/continuation.ts';
import { createHandler } from '../../shared/handler.ts';
import { startLocalStack, type LocalStack } from '../../local/aws/stack.ts';
import { startVezaEmulator, type VezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { captureStdout, lambdaContext } from '../helpers/lambda.ts';
import { worldSources } from '../helpers/world.ts';

const TOKEN = 'handler-token-31b7';
let veza: VezaEmulator;
let stack: LocalStack;
let dir: string;

const context = (remainingMs: number): Context => lambdaContext(remainingMs, 'veza-pump');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-pump-handler-'));
  veza = await startVezaEmulator({ token: TOKEN, backlog: 120 });
  const sources = [
    ...worldSources(vezaConnector, {
      id: 'veza-a',
      baseUrl: veza.baseUrl,
      credentials: { token: TOKEN },
      options: { pageSize: 50 },
    }),
    ...worldSources(vezaConnector, { id: 'veza-b', baseUrl: veza.baseUrl, credentials: { token: 'wrong-token-000' } }),
  ];
  stack = await startLocalStack({ sources, archiveDir: join(dir, 'archive') });
});
afterAll(async () => {
  await veza.stop();
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('createHandler', () => {
  it('runs the source named in the event and publishes EMF metrics with its sourceId', async () => {
    const handler = createHandler(vezaConnector, {
      config: stack.config,
      clients: stack.clients,
    });
    const before = { ...stack.firehose.stats };
    const out = captureStdout();
    let response;
    try {
      response = await handler({ sourceId: 'veza-a' }, context(120_000));
    } finally {
      out.restore();
    }

    expect(response.results).toHaveLength(1);
    expect(response.results[0]).toMatchObject({ sourceId: 'veza-a', status: 'caught-up', events: 120 });
    expect(response.more).toBe(false);
    const emf = out.lines().find((l) => '_aws' in l);
    expect(emf).toMatchObject({ sourceId: 'veza-a', Events: 120, RunFailed: 0 });
    expect(JSON.stringify((emf?._aws as { CloudWatchMetrics: unknown }).CloudWatchMetrics)).toContain('AuditPump');
    // The archive sink packs each page (50 events) into one Firehose record; the stream deaggregates.
    expect(stack.firehose.stats.recordsAccepted - before.recordsAccepted).toBe(3);
    expect(stack.firehose.stats.recordsDelivered - before.recordsDelivered).toBe(120);
  });

  it('without a sourceId runs every source of the vendor and fails the invocation naming the failed one', async () => {
    const handler = createHandler(vezaConnector, {
      config: stack.config,
      clients: stack.clients,
    });
    const out = captureStdout();
    let failure: unknown;
    try {
      await handler({}, context(120_000));
    } catch (error) {
      failure = error;
    } finally {
      out.restore();
    }

    expect(String(failure)).toMatch(/PumpFailedError: veza-b: .*401/);
    const emf = out.lines().filter((l) => '_aws' in l);
    expect(emf.map((l) => l.sourceId).sort()).toEqual(['veza-a', 'veza-b']);
    expect(out.lines().some((l) => JSON.stringify(l).includes('wrong-token-000'))).toBe(false);
  });

  it('an unknown sourceId is a configuration error', async () => {
    const handler = createHandler(vezaConnector, {
      config: stack.config,
      clients: stack.clients,
    });
    const out = captureStdout();
    try {
      await expect(handler({ sourceId: 'nope' }, context(120_000))).rejects.toThrow(/no enabled veza source "nope"/);
    } finally {
      out.restore();
    }
  });

  it('stops before the deadline: with less time than the margin left, nothing is read', async () => {
    const handler = createHandler(vezaConnector, {
      config: stack.config,
      clients: stack.clients,
    });
    veza.addEvents(10);
    const out = captureStdout();
    let response;
    try {
      response = await handler({ sourceId: 'veza-a' }, context(stack.config.deadlineMarginMs - 1));
    } finally {
      out.restore();
    }
    expect(response.results[0]).toMatchObject({ status: 'deadline', more: true, pages: 0 });
    expect(response.more).toBe(true);
  });

  it('a source that stopped at its deadline is continued at once, with the chain depth; a caught-up one is not', async () => {
    // Prepare: less time than the margin, so veza-a stops at its deadline with more to read.
    const calls: Array<[string, unknown]> = [];
    const handler = createHandler(vezaConnector, {
      config: { ...stack.config, continueFunction: 'AuditPump-veza' },
      clients: stack.clients,
      invoke: async (name, event) => void calls.push([name, event]),
    });
    veza.addEvents(5);
    const out = captureStdout();
    try {
      // Act
      await handler({ sourceId: 'veza-a', continuation: 2 }, context(stack.config.deadlineMarginMs - 1));
      await handler({ sourceId: 'veza-a' }, context(120_000));
    } finally {
      out.restore();
    }

    // Assess: one continuation, for the deadline run only.
    expect(calls).toEqual([['AuditPump-veza', { sourceId: 'veza-a', continuation: 3 }]]);
  });

  it('a continuation chain stops at its cap and leaves the source to the schedule', async () => {
    const calls: unknown[] = [];
    const handler = createHandler(vezaConnector, {
      config: { ...stack.config, continueFunction: 'AuditPump-veza' },
      clients: stack.clients,
      invoke: async (_name, event) => void calls.push(event),
    });
    const out = captureStdout();
    try {
      await handler(
        { sourceId: 'veza-a', continuation: MAX_CONTINUATIONS },
        context(stack.config.deadlineMarginMs - 1),
      );
    } finally {
      out.restore();
    }
    expect(calls).toEqual([]);
    expect(out.lines().some((l) => l.message === 'continuation chain capped; the schedule picks the sources up')).toBe(
      true,
    );
  });
});
