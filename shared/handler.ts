/**
 * The Lambda handler factory. `createPump` wires config, clients, cursor store, sinks and the
 * runner for one connector; `createHandler` wraps it in middy with Powertools logging and EMF
 * metrics. The CLI runs the same `createPump` against the local stack. Besides the scheduled
 * `{sourceId}` run, the event may ask for a backfill of a past range (`{backfill: ...}`) or a
 * reconciliation of a past window against the archive (`{reconcile: ...}`).
 */
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { S3ArchiveReader } from './archive-s3.ts';
import type { ArchiveReader } from './archive.ts';
import { awsClients, type AwsClients } from './aws.ts';
import { backfillItemId } from './backfill.ts';
import {
  backfillRequestSchema,
  continueBackfill,
  runBackfill,
  type BackfillRequest,
  type BackfillResult,
} from './backfill-run.ts';
import {
  METRICS_NAMESPACE,
  formatIssues,
  loadRuntimeConfig,
  sharedScopes,
  type RuntimeConfig,
  type Source,
} from './config.ts';
import { continueRuns, lambdaInvoker, type Invoker } from './continuation.ts';
import { CursorStore } from './cursor-store.ts';
import { AuditPumpError, ConfigError } from './errors.ts';
import { HttpClient, type HttpClientOptions, type RetryEvent } from './http.ts';
import {
  parseWindow,
  reconcileRequestSchema,
  reconcileSource,
  type ReconcileReport,
  type ReconcileRequest,
} from './reconcile.ts';
import { runSource, type HttpFactory, type RunResult, type RunnerDeps } from './runner.ts';
import { SecretsCredentials } from './secrets.ts';
import { withSourcesFile } from './sources-file.ts';
import { FanOutSink, FirehoseSink } from './sink.ts';
import { S3Spool, type Spool } from './spool.ts';
import { ThrottleStore } from './throttle.ts';
import type { Connector } from './connector.ts';
import { structuredLogger, type Logger } from './logger.ts';

/** The scheduled event: one source, or every source of the function's vendor when absent. */
export interface PumpEvent {
  readonly sourceId?: string;
  /** Set by the continuation: how many invocations this chain has had. */
  readonly continuation?: number;
  /** Instead of the live run: a backfill of a past range, with its own cursor (shared/backfill-run.ts). */
  readonly backfill?: BackfillRequest;
  /** Instead of the live run: a past window re-read and compared with the archive (shared/reconcile.ts). */
  readonly reconcile?: ReconcileRequest;
}

export interface PumpResponse {
  readonly results: readonly RunResult[];
  /** True when some source stopped with more to read (the infra's continuation uses it). */
  readonly more: boolean;
  /** For a backfill event: the run and where the range read stands. */
  readonly backfill?: BackfillResult;
  /** For a reconcile event: what is missing from the archive. */
  readonly reconcile?: ReconcileReport;
}

export interface PumpOptions {
  readonly config?: RuntimeConfig;
  readonly clients?: Partial<AwsClients>;
  readonly logger?: Logger;
  /** Receives each source's result (metrics in Lambda, the progress view locally). */
  readonly onResult?: (result: RunResult, source: Source) => void;
  readonly onProgress?: (
    sourceId: string,
    stats: Readonly<Omit<RunResult, 'sourceId' | 'status' | 'more' | 'durationMs'>>,
  ) => void;
  /** Told of every retry wait of a source's HTTP client (the CLI's retry and throttle notices). */
  readonly onRetry?: (sourceId: string, event: RetryEvent) => void;
  /** HTTP client settings shared by every source (timeouts, attempts). */
  readonly http?: Partial<Omit<HttpClientOptions, 'origin' | 'deadline' | 'secrets'>>;
  readonly now?: () => number;
  /** Spool for connectors that need one; default: an S3Spool on `config.spoolBucket` when that is set. */
  readonly spool?: Spool;
  /** Asks every run to stop at its next page boundary (Ctrl-C in the CLI). */
  readonly stop?: AbortSignal;
  /** The archive as reconciliation reads it; default: the S3 bucket `config.archiveBucket` when set. */
  readonly archive?: ArchiveReader;
  /** Receives each reconciliation's report (the MissingEvents metric in Lambda, the CLI's output locally). */
  readonly onReconcile?: (report: ReconcileReport, source: Source) => void;
}

/** Runs sources of one vendor with the runner; shared by the Lambda handler and the CLI. */
export function createPump(connector: Connector, options: PumpOptions = {}) {
  const config = options.config ?? loadRuntimeConfig(process.env, { [connector.vendor]: connector.optionsSchema });
  const clients = awsClients(options.clients);
  const storeOptions = {
    client: clients.dynamodb,
    tableName: config.cursorTable,
    ...(options.now ? { now: options.now } : {}),
  };
  const store = new CursorStore(storeOptions);
  const backfillStore = new CursorStore({ ...storeOptions, key: backfillItemId });
  // Limits are the credential's or the vendor's scope's, not one source's: shared in the same table.
  const throttle = {
    store: new ThrottleStore({ client: clients.dynamodb, tableName: config.cursorTable, vendor: connector.vendor }),
    shared: sharedScopes(config.sources, connector.vendor),
  };
  // The archive and dead-letter streams deaggregate packed records (infra/constructs/delivery-stream.ts);
  // the SIEM stream delivers each record as one event, so it gets them one by one.
  const archive = new FirehoseSink({ client: clients.firehose, streamName: config.archiveStream, pack: true });
  const sink = config.siemStream
    ? new FanOutSink([archive, new FirehoseSink({ client: clients.firehose, streamName: config.siemStream })])
    : archive;
  const deadLetter = new FirehoseSink({ client: clients.firehose, streamName: config.deadLetterStream, pack: true });
  const credentials = new SecretsCredentials({ client: clients.secrets });
  const mine = config.sources.filter((s) => s.vendor === connector.vendor && s.enabled);
  const spool = options.spool ?? (config.spoolBucket ? new S3Spool({ bucket: config.spoolBucket }) : undefined);
  const archiveReader =
    options.archive ?? (config.archiveBucket ? new S3ArchiveReader({ bucket: config.archiveBucket }) : undefined);
  const now = options.now ?? Date.now;
  const http: HttpFactory = ({ source: src, credentials: creds, deadline: dl, onRetry, retryRule, gate }) => {
    const notify = options.onRetry;
    const both = notify
      ? (e: RetryEvent): void => {
          onRetry(e);
          notify(src.id, e);
        }
      : onRetry;
    return new HttpClient({
      ...options.http,
      origin: src.baseUrl,
      deadline: dl,
      secrets: Object.values(creds),
      onRetry: both,
      ...(retryRule ? { retryRule } : {}),
      ...(gate ? { gate } : {}),
    });
  };
  const deps = (source: Source, deadline: number, owner: string): RunnerDeps => ({
    store,
    sink,
    deadLetter,
    credentials,
    owner,
    leaseMs: config.leaseMs,
    deadline,
    http,
    throttle,
    ...(options.now ? { now: options.now } : {}),
    ...(options.logger ? { log: options.logger } : {}),
    ...(spool ? { spool } : {}),
    ...(options.stop ? { stop: options.stop } : {}),
    ...(options.onProgress ? { onProgress: (s) => options.onProgress?.(source.id, s) } : {}),
  });

  async function backfill(event: unknown, deadline: number, runId: string): Promise<PumpResponse> {
    const request = parseRequest(backfillRequestSchema, event, 'backfill');
    const source = sourceById(mine, request.sourceId, connector.vendor);
    const result = await runBackfill(connector, source, request, {
      ...deps(source, deadline, runId),
      store: backfillStore,
    });
    options.onResult?.(result, source);
    return { results: [result], more: result.more && result.status !== 'failed', backfill: result };
  }

  async function reconcile(event: unknown, deadline: number): Promise<PumpResponse> {
    const request = parseRequest(reconcileRequestSchema, event, 'reconcile');
    const source = sourceById(mine, request.sourceId, connector.vendor);
    if (!archiveReader)
      throw new ConfigError(
        'reconcile reads the archive back, but ARCHIVE_BUCKET is not set (a Parquet archive is not reconciled)',
      );
    const report = await reconcileSource(connector, source, parseWindow(request.window, now()), {
      credentials,
      http,
      archive: archiveReader,
      deadline,
      now,
      ...(options.logger ? { log: options.logger } : {}),
      ...(request.marginSeconds !== undefined ? { marginMs: request.marginSeconds * 1000 } : {}),
    });
    options.onReconcile?.(report, source);
    return { results: [], more: false, reconcile: report };
  }

  return async function pump(
    event: PumpEvent,
    remainingMs: number,
    runId: string = randomUUID(),
  ): Promise<PumpResponse> {
    const deadline = now() + remainingMs - config.deadlineMarginMs;
    if (event.backfill !== undefined) return backfill(event.backfill, deadline, runId);
    if (event.reconcile !== undefined) return reconcile(event.reconcile, deadline);
    const sources = event.sourceId ? [sourceById(mine, event.sourceId, connector.vendor)] : mine;
    const results: RunResult[] = [];
    for (const source of sources) {
      const result = await runSource(connector, source, deps(source, deadline, runId));
      results.push(result);
      options.onResult?.(result, source);
    }
    return { results, more: results.some((r) => r.more && r.status !== 'failed') };
  };
}

/** Validates a backfill or reconcile event; the error names the field. */
function parseRequest<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success)
    throw new ConfigError(`invalid ${what} event:\n${formatIssues(parsed.error.issues, event, what)}`);
  return parsed.data;
}

function sourceById(sources: readonly Source[], id: string, vendor: string): Source {
  const found = sources.find((s) => s.id === id);
  if (!found) throw new ConfigError(`no enabled ${vendor} source "${id}" in this function's configuration`);
  return found;
}

/** One or more sources failed; raised after every source ran and metrics were recorded. */
export class PumpFailedError extends AuditPumpError {
  override readonly code = 'PUMP_FAILED';
}

/** Publishes a reconciliation's count of missing events (the MissingEvents alarm) with a `sourceId` dimension. */
export function publishReconcileMetrics(metrics: Metrics, report: ReconcileReport): void {
  metrics.addDimensions({ sourceId: report.sourceId });
  metrics.addMetric('MissingEvents', MetricUnit.Count, report.missing);
  metrics.publishStoredMetrics();
}

/** Publishes one source's run as EMF metrics with a `sourceId` dimension. */
export function publishRunMetrics(metrics: Metrics, result: RunResult): void {
  metrics.addDimensions({ sourceId: result.sourceId });
  metrics.addMetric('Events', MetricUnit.Count, result.events);
  metrics.addMetric('Pages', MetricUnit.Count, result.pages);
  metrics.addMetric('Rejected', MetricUnit.Count, result.rejected);
  metrics.addMetric('Retries', MetricUnit.Count, result.retries);
  // Every wait for throttling: the vendor's back-offs, this run's or another run's of the scope, and the budget.
  metrics.addMetric('ThrottledWait', MetricUnit.Milliseconds, result.throttledWaitMs);
  metrics.addMetric('BudgetWait', MetricUnit.Milliseconds, result.budgetWaitMs);
  metrics.addMetric('BudgetRefused', MetricUnit.Count, result.budgetRefused);
  metrics.addMetric('Duration', MetricUnit.Milliseconds, result.durationMs);
  metrics.addMetric('RunFailed', MetricUnit.Count, result.status === 'failed' ? 1 : 0);
  if (result.cursorLagSeconds !== undefined)
    metrics.addMetric('CursorLag', MetricUnit.Seconds, Math.round(result.cursorLagSeconds));
  if (result.clockSkewSeconds !== undefined)
    metrics.addMetric('ClockSkew', MetricUnit.Seconds, result.clockSkewSeconds);
  metrics.publishStoredMetrics();
}

/** Powertools' logger behind the framework's Logger interface. */
function pumpLogger(logger: PowertoolsLogger): Logger {
  return structuredLogger(logger);
}

/** The Lambda handler for a connector: middy + Powertools logger and metrics. */
export function createHandler(connector: Connector, options: PumpOptions & { readonly invoke?: Invoker } = {}) {
  const config =
    options.config ?? loadRuntimeConfig(withSourcesFile(process.env), { [connector.vendor]: connector.optionsSchema });
  const serviceName = config.serviceName ?? `audit-pump-${connector.vendor}`;
  const logger = new PowertoolsLogger({ serviceName });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  const continueFunction = config.continueFunction;
  const invoke = options.invoke ?? (continueFunction ? lambdaInvoker() : undefined);
  const pump = createPump(connector, {
    config,
    logger: pumpLogger(logger),
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
    const response = await pump(event ?? {}, context.getRemainingTimeInMillis(), context.awsRequestId);
    const failed = response.results.filter((r) => r.status === 'failed');
    for (const r of response.results) logger.info('source run finished', { ...r });
    if (response.reconcile) logger.info('reconcile finished', { ...response.reconcile });
    if (continueFunction && invoke) {
      if (event?.backfill) await continueBackfill(response, event, continueFunction, invoke, pumpLogger(logger));
      else await continueRuns(response, event ?? {}, continueFunction, invoke, pumpLogger(logger));
    }
    if (failed.length) throw new PumpFailedError(failed.map((r) => `${r.sourceId}: ${r.error ?? 'failed'}`).join('; '));
    return response;
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}
