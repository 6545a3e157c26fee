/**
 * The composition of a pump: for one connector and a runtime configuration, the AWS clients, the
 * cursor stores (the live one and the backfills'), the sinks, the secrets, the spool, the archive
 * reader and the HTTP client factory, wired into the runner's and the reconciliation's
 * dependencies. Nothing here runs anything: shared/handler.ts dispatches the events.
 */
import { S3ArchiveReader } from './archive-s3.ts';
import type { ArchiveReader } from './archive.ts';
import { awsClients, type AwsClients } from './aws.ts';
import { BACKFILL_KEY } from './backfill.ts';
import { sharedScopes, type RuntimeConfig, type Source } from './config.ts';
import type { Connector } from './connector.ts';
import { CursorStore } from './cursor-store.ts';
import { clientPerSource, type HttpClientOptions, type RetryEvent } from './http.ts';
import type { Logger } from './logger.ts';
import type { ReconcileDeps, ReconcileReport } from './reconcile.ts';
import type { HttpFactory, RunResult, RunnerDeps } from './runner.ts';
import { SecretsCredentials } from './secrets.ts';
import { FanOutSink, FirehoseSink, type Sink } from './sink.ts';
import { S3Spool, type Spool } from './spool.ts';
import { ThrottleStore } from './throttle.ts';

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

/** A pump's wiring. */
export interface Composition {
  /** The enabled sources of the connector's vendor. */
  readonly sources: readonly Source[];
  readonly now: () => number;
  /** The runner's dependencies for one run of `source`; `backfill` keys the cursor by the backfill's item. */
  runDeps(source: Source, deadline: number, owner: string, backfill?: boolean): RunnerDeps;
  /** The reconciliation's dependencies; undefined archive when none is configured. */
  reconcileDeps(deadline: number, marginSeconds?: number): Omit<ReconcileDeps, 'archive'>;
  readonly archive: ArchiveReader | undefined;
}

/** The HTTP client factory: one client per source, redacting its secrets, telling `onRetry` of its waits. */
function httpFactory(options: PumpOptions): HttpFactory {
  const clients = clientPerSource(options.http);
  const notify = options.onRetry;
  if (!notify) return clients;
  return (input) =>
    clients({
      ...input,
      onRetry: (e: RetryEvent): void => {
        input.onRetry(e);
        notify(input.source.id, e);
      },
    });
}

/** The archive (and SIEM) destinations and the dead-letter stream. */
function sinks(clients: AwsClients, config: RuntimeConfig): { sink: Sink; deadLetter: Sink } {
  // The archive and dead-letter streams deaggregate packed records (infra/constructs/delivery-stream.ts);
  // the SIEM stream delivers each record as one event, so it gets them one by one.
  const archive = new FirehoseSink({ client: clients.firehose, streamName: config.archiveStream, pack: true });
  const sink = config.siemStream
    ? new FanOutSink([archive, new FirehoseSink({ client: clients.firehose, streamName: config.siemStream })])
    : archive;
  const deadLetter = new FirehoseSink({ client: clients.firehose, streamName: config.deadLetterStream, pack: true });
  return { sink, deadLetter };
}

/** Wires the clients, stores and sinks of `config` for `connector`. */
export function compose(connector: Connector, config: RuntimeConfig, options: PumpOptions = {}): Composition {
  const clients = awsClients(options.clients);
  const storeOptions = {
    client: clients.dynamodb,
    tableName: config.cursorTable,
    ...(options.now ? { now: options.now } : {}),
  };
  const stores = {
    live: new CursorStore(storeOptions),
    backfill: new CursorStore({ ...storeOptions, key: BACKFILL_KEY }),
  };
  // Limits are the credential's or the vendor's scope's, not one source's: shared in the same table.
  const throttle = {
    store: new ThrottleStore({ client: clients.dynamodb, tableName: config.cursorTable, vendor: connector.vendor }),
    shared: sharedScopes(config.sources, connector.vendor),
  };
  const credentials = new SecretsCredentials({ client: clients.secrets });
  const spool = options.spool ?? (config.spoolBucket ? new S3Spool({ bucket: config.spoolBucket }) : undefined);
  const common = {
    ...sinks(clients, config),
    credentials,
    http: httpFactory(options),
    throttle,
    leaseMs: config.leaseMs,
  };
  const now = options.now ?? Date.now;
  return {
    sources: config.sources.filter((s) => s.vendor === connector.vendor && s.enabled),
    now,
    archive:
      options.archive ?? (config.archiveBucket ? new S3ArchiveReader({ bucket: config.archiveBucket }) : undefined),
    runDeps: (source, deadline, owner, backfill = false) => ({
      ...common,
      store: backfill ? stores.backfill : stores.live,
      owner,
      deadline,
      ...(options.now ? { now: options.now } : {}),
      ...(options.logger ? { log: options.logger } : {}),
      ...(spool ? { spool } : {}),
      ...(options.stop ? { stop: options.stop } : {}),
      ...(options.onProgress ? { onProgress: (s) => options.onProgress?.(source.id, s) } : {}),
    }),
    reconcileDeps: (deadline, marginSeconds) => ({
      credentials,
      http: common.http,
      deadline,
      now,
      ...(options.logger ? { log: options.logger } : {}),
      ...(marginSeconds !== undefined ? { marginMs: marginSeconds * 1000 } : {}),
    }),
  };
}
