/**
 * DynamoDB for the local stack and the tests: dynalite in-process on a loopback port, persisted
 * under a directory when one is given (the CLI's `--state`), in memory otherwise.
 */
import { mkdirSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { CURSOR_TABLE_KEY } from '../../shared/cursor-store.ts';
import { lockState } from './state-lock.ts';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

/** Credentials and region the local clients use: nothing real, never sent anywhere but loopback. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

/**
 * Starts dynalite on 127.0.0.1 (persisted under `path` if given, which this process then holds:
 * a second process on the same folder gets a StateBusyError naming the first).
 */
export async function startDynamo(
  options: { path?: string; port?: number; command?: string } = {},
): Promise<LocalDynamo> {
  if (options.path) mkdirSync(options.path, { recursive: true });
  const unlock = options.path ? await lockState(options.path, options.command ?? 'run') : undefined;
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  }).catch(async (error: unknown) => {
    await unlock?.();
    throw error;
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlock?.();
    },
  };
}

/** The table's status, or undefined when it does not exist. */
async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * Creates the cursor table (key `sourceId`, on demand) unless it exists, and waits until it is
 * ACTIVE: dynalite reports CREATING for a moment and refuses items meanwhile. (The SDK's waiter
 * polls in whole seconds, too slow for tests.)
 */
export async function ensureCursorTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if ((await tableStatus(client, tableName)) === undefined) await createCursorTable(client, tableName);
  for (let i = 0; i < 500; i++) {
    if ((await tableStatus(client, tableName)) === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

async function createCursorTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: CURSOR_TABLE_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: CURSOR_TABLE_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
