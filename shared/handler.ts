/**
 * The pump of one connector and its Lambda handler. `createPump` parses the event at the edge
 * (shared/pump-event.ts) and dispatches it to a run of the vendor's sources, a backfill of a past
 * range or a reconciliation of a past window against the archive, over the wiring of
 * shared/composition.ts; `createHandler` wraps it in middy with Powertools logging, EMF metrics
 * (shared/metrics.ts) and the continuation. The CLI runs the same `createPump` against the local stack.
 */
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { continueBackfill, runBackfill } from './backfill-run.ts';
import { METRICS_NAMESPACE, loadRuntimeConfig, type Source } from './config.ts';
import { compose, type Composition, type PumpOptions } from './composition.ts';
import type { Connector } from './connector.ts';
import { continueRuns, lambdaInvoker, type Invoker } from './continuation.ts';
import { ConfigError, PumpFailedError } from './errors.ts';
import { structuredLogger } from './logger.ts';
import { publishReconcileMetrics, publishRunMetrics } from './metrics.ts';
import { parsePumpEvent, type PumpCommand, type PumpEvent, type PumpResponse } from './pump-event.ts';
import { parseWindow, reconcileSource } from './reconcile.ts';
import { runSource, type RunResult } from './runner.ts';
import { withSourcesFile } from './sources-file.ts';

export type { PumpOptions } from './composition.ts';
export type { PumpEvent, PumpResponse } from './pump-event.ts';

type Dispatch = (command: PumpCommand, remainingMs: number, runId?: string) => Promise<PumpResponse>;

function sourceById(sources: readonly Source[], id: string, vendor: string): Source {
  const found = sources.find((s) => s.id === id);
  if (!found) throw new ConfigError(`no enabled ${vendor} source "${id}" in this function's configuration`);
  return found;
}

/** Runs a parsed event with the composition's wiring. */
function dispatcher(connector: Connector, parts: Composition, options: PumpOptions, marginMs: number): Dispatch {
  const source = (id: string): Source => sourceById(parts.sources, id, connector.vendor);
  return async (command, remainingMs, runId = randomUUID()) => {
    const deadline = parts.now() + remainingMs - marginMs;
    switch (command.kind) {
      case 'backfill': {
        const src = source(command.backfill.sourceId);
        const result = await runBackfill(connector, src, command.backfill, parts.runDeps(src, deadline, runId, true));
        options.onResult?.(result, src);
        return { results: [result], more: result.more && result.status !== 'failed', backfill: result };
      }
      case 'reconcile': {
        const { sourceId, window, marginSeconds } = command.reconcile;
        const src = source(sourceId);
        if (!parts.archive)
          throw new ConfigError(
            'reconcile reads the archive back, but ARCHIVE_BUCKET is not set (a Parquet archive is not reconciled)',
          );
        const report = await reconcileSource(connector, src, parseWindow(window, parts.now()), {
          ...parts.reconcileDeps(deadline, marginSeconds),
          archive: parts.archive,
        });
        options.onReconcile?.(report, src);
        return { results: [], more: false, reconcile: report };
      }
      case 'run': {
        const results: RunResult[] = [];
        for (const src of command.sourceId ? [source(command.sourceId)] : parts.sources) {
          const result = await runSource(connector, src, parts.runDeps(src, deadline, runId));
          results.push(result);
          options.onResult?.(result, src);
        }
        return { results, more: results.some((r) => r.more && r.status !== 'failed') };
      }
    }
  };
}

function createDispatch(connector: Connector, options: PumpOptions): Dispatch {
  const config = options.config ?? loadRuntimeConfig(process.env, { [connector.vendor]: connector.optionsSchema });
  return dispatcher(connector, compose(connector, config, options), options, config.deadlineMarginMs);
}

/** Runs sources of one vendor with the runner; shared by the Lambda handler and the CLI. */
export function createPump(connector: Connector, options: PumpOptions = {}) {
  const dispatch = createDispatch(connector, options);
  return async function pump(event: PumpEvent, remainingMs: number, runId?: string): Promise<PumpResponse> {
    return dispatch(parsePumpEvent(event), remainingMs, runId);
  };
}

/** The Lambda handler for a connector: middy + Powertools logger and metrics. */
export function createHandler(connector: Connector, options: PumpOptions & { readonly invoke?: Invoker } = {}) {
  const config =
    options.config ?? loadRuntimeConfig(withSourcesFile(process.env), { [connector.vendor]: connector.optionsSchema });
  const serviceName = config.serviceName ?? `audit-pump-${connector.vendor}`;
  const logger = new PowertoolsLogger({ serviceName });
  const log = structuredLogger(logger);
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  const continueFunction = config.continueFunction;
  const invoke = options.invoke ?? (continueFunction ? lambdaInvoker() : undefined);
  const dispatch = createDispatch(connector, {
    config,
    logger: log,
    ...options,
    onResult: (result, source) => {
      publishRunMetrics(metrics, result);
      options.onResult?.(result, source);
    },
    onReconcile: (report, source) => {
      publishReconcileMetrics(metrics, report);
      options.onReconcile?.(report, source);
    },
  });
  return middy(async (event: PumpEvent, context: Context): Promise<PumpResponse> => {
    const command = parsePumpEvent(event);
    const response = await dispatch(command, context.getRemainingTimeInMillis(), context.awsRequestId);
    const failed = response.results.filter((r) => r.status === 'failed');
    for (const r of response.results) logger.info('source run finished', { ...r });
    if (response.reconcile) logger.info('reconcile finished', { ...response.reconcile });
    if (continueFunction && invoke) {
      if (command.kind === 'backfill') await continueBackfill(response, command, continueFunction, invoke, log);
      else await continueRuns(response, command, continueFunction, invoke, log);
    }
    if (failed.length) throw new PumpFailedError(failed.map((r) => `${r.sourceId}: ${r.error ?? 'failed'}`).join('; '));
    return response;
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}
