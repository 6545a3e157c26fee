/**
 * The local AWS stack: DynamoDB (dynalite), Firehose and Secrets Manager emulators on loopback,
 * wired exactly as the deployed functions are (same stream layout, same cursor table key), so the
 * unchanged handler code runs against it. Inline `credentials` of local sources are moved into
 * the Secrets Manager emulator, so local runs also exercise the secrets path.
 */
import { join } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LOCAL_CURSOR_TABLE, LOCAL_STREAMS } from '../../shared/archive-layout.ts';
import type { AwsClients } from '../../shared/aws.ts';
import type { RuntimeConfig, Source } from '../../shared/config.ts';
import { FileSpool, MemorySpool, type Spool } from '../../shared/spool.ts';
import { LOCAL_AWS, ensureCursorTable, startDynamo, type LocalDynamo } from './dynamo.ts';
import { startFirehoseEmulator, type FirehoseEmulator, type FirehoseFaults } from './firehose-emulator.ts';
import { LOCAL_STREAM_CONFIGS } from './streams.ts';
import { startSecretsEmulator, type SecretsEmulator } from './secrets-emulator.ts';

export interface LocalStackOptions {
  readonly sources: readonly Source[];
  /** Where the Firehose emulator writes the archive (the S3 bucket's stand-in). */
  readonly archiveDir: string;
  /** Where dynalite keeps the cursor table; in memory when absent. */
  readonly stateDir?: string;
  /** Firehose buffering interval. @default 1000 (the deployed stream uses its own) */
  readonly bufferIntervalMs?: number;
  readonly firehoseFaults?: Partial<FirehoseFaults>;
  readonly leaseMs?: number;
  readonly deadlineMarginMs?: number;
}

export interface LocalStack {
  readonly config: RuntimeConfig;
  readonly clients: AwsClients;
  readonly dynamo: LocalDynamo;
  readonly firehose: FirehoseEmulator;
  readonly secrets: SecretsEmulator;
  /** The spool for queue-mode connectors: a directory under `stateDir/spool`, or memory without a stateDir. */
  readonly spool: Spool;
  stop(): Promise<void>;
}

/** The secret name a local source's inline credentials are stored under. */
export function localSecretName(sourceId: string): string {
  return `audit-pump-local/${sourceId}`;
}

/** Starts the three AWS emulators and returns the runtime config and clients pointing at them. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const secretValues: Record<string, string> = {};
  const sources = options.sources.map((source): Source => {
    if (!source.credentials) return source;
    const { credentials, ...rest } = source;
    secretValues[localSecretName(source.id)] = JSON.stringify(credentials);
    return { ...rest, secretName: localSecretName(source.id) };
  });
  const dynamo = await startDynamo(options.stateDir ? { path: options.stateDir } : {});
  await ensureCursorTable(dynamo.client, LOCAL_CURSOR_TABLE);
  const firehose = await startFirehoseEmulator({
    archiveDir: options.archiveDir,
    bufferIntervalMs: options.bufferIntervalMs ?? 1000,
    streams: LOCAL_STREAM_CONFIGS,
    ...(options.firehoseFaults ? { faults: options.firehoseFaults } : {}),
  });
  const secrets = await startSecretsEmulator({ secrets: secretValues });
  // Kept with the cursors: a spooled batch and the cursor that acknowledges it must survive together.
  const spool = options.stateDir ? new FileSpool(join(options.stateDir, 'spool')) : new MemorySpool();
  const clients: AwsClients = {
    dynamodb: dynamo.client,
    firehose: new FirehoseClient({ ...LOCAL_AWS, endpoint: firehose.endpoint, maxAttempts: 1 }),
    secrets: new SecretsManagerClient({ ...LOCAL_AWS, endpoint: secrets.endpoint }),
  };
  const config: RuntimeConfig = {
    sources,
    cursorTable: LOCAL_CURSOR_TABLE,
    archiveStream: LOCAL_STREAMS.archive,
    deadLetterStream: LOCAL_STREAMS.deadLetter,
    leaseMs: options.leaseMs ?? 120_000,
    deadlineMarginMs: options.deadlineMarginMs ?? 5_000,
  };
  return {
    config,
    clients,
    dynamo,
    firehose,
    secrets,
    spool,
    stop: async () => {
      clients.firehose.destroy();
      clients.secrets.destroy();
      await firehose.stop();
      await secrets.stop();
      await dynamo.stop();
    },
  };
}
