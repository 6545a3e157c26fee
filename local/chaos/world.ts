/**
 * What a chaos worker shares across its runs: one dynalite (each run uses its own source id), a
 * DynamoDB client whose middleware injects errors into the cursor store's writes and logs every
 * commit that DynamoDB applied (the cursor-regression check reads that log), and a fake clock.
 */
import { ConditionalCheckFailedException, DynamoDBClient, InternalServerError } from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS, ensureCursorTable, startDynamo, type LocalDynamo } from '../aws/dynamo.ts';

/** The cursor table of the campaign. */
export const CHAOS_TABLE = 'chaos-cursors';

/**
 * A clock that moves only when told to (or when the HTTP client "sleeps"). `now` is the vendor's
 * (and the world's) time; `pumpNow` is the pump's, `skew` away from it (a host clock running fast or slow).
 */
export class FakeClock {
  /** How far the pump's clock is ahead of the world's (negative: behind). */
  skew = 0;
  constructor(public at: number) {}
  readonly now = (): number => this.at;
  readonly pumpNow = (): number => this.at + this.skew;
  readonly sleep = async (ms: number): Promise<void> => {
    this.at += Math.max(0, ms);
  };
  advance(ms: number): void {
    this.at += ms;
  }
}

/** The cursor store's writes, told apart by their condition expressions (shared/cursor-store.ts). */
export type StoreOp = 'acquire' | 'commit' | 'renew' | 'release' | 'other';

/** A DynamoDB fault: which write, and whether it fails before DynamoDB applies it or after (the answer lost). */
export interface DynamoFault {
  readonly op: StoreOp;
  readonly when: 'before' | 'after';
  /** `conflict`: ConditionalCheckFailedException; `error`: InternalServerError. */
  readonly kind: 'conflict' | 'error';
}

/** A commit DynamoDB applied: the version it wrote and the cursor. */
export interface AppliedCommit {
  readonly sourceId: string;
  readonly version: number;
  readonly cursor: unknown;
}

export interface ChaosWorld {
  readonly dynamo: LocalDynamo;
  /** The client the runs' cursor stores use (faults and the commit log are on it). */
  readonly client: DynamoDBClient;
  /** Faults armed for the next matching writes; each fires once. */
  readonly dynamoFaults: DynamoFault[];
  /** Every applied commit, in the order DynamoDB answered them. */
  readonly commits: AppliedCommit[];
  stop(): Promise<void>;
}

interface Marshalled {
  S?: string;
  N?: string;
}

function opOf(condition: string, update: string): StoreOp {
  if (condition.startsWith('version = :expected')) return 'commit';
  if (condition.startsWith('attribute_not_exists(leaseOwner) OR leaseOwner')) return 'acquire';
  if (update.startsWith('REMOVE leaseOwner')) return 'release';
  if (update.startsWith('SET leaseExpiresAt')) return 'renew';
  return 'other';
}

function injected(fault: DynamoFault): Error {
  const $metadata = { httpStatusCode: fault.kind === 'conflict' ? 400 : 500 };
  return fault.kind === 'conflict'
    ? new ConditionalCheckFailedException({ message: 'The conditional request failed (chaos)', $metadata })
    : new InternalServerError({ message: 'Internal server error (chaos)', $metadata });
}

/** Starts dynalite with the cursor table and the instrumented client. */
export async function startWorld(): Promise<ChaosWorld> {
  const dynamo = await startDynamo();
  await ensureCursorTable(dynamo.client, CHAOS_TABLE);
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint, maxAttempts: 1 });
  const dynamoFaults: DynamoFault[] = [];
  const commits: AppliedCommit[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = (args as { request?: { body?: unknown; headers?: Record<string, string> } }).request;
      if (!request?.headers?.['x-amz-target']?.endsWith('.UpdateItem') || !request.body) return next(args);
      const body =
        typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
      const input = JSON.parse(body) as {
        ConditionExpression?: string;
        UpdateExpression?: string;
        Key?: { sourceId?: Marshalled };
        ExpressionAttributeValues?: Record<string, Marshalled>;
      };
      const op = opOf(input.ConditionExpression ?? '', input.UpdateExpression ?? '');
      const at = dynamoFaults.findIndex((f) => f.op === op);
      const fault = at >= 0 ? dynamoFaults.splice(at, 1)[0] : undefined;
      if (fault?.when === 'before') throw injected(fault);
      const out = await next(args);
      if (op === 'commit') {
        const values = input.ExpressionAttributeValues ?? {};
        commits.push({
          sourceId: input.Key?.sourceId?.S ?? '',
          version: Number(values[':next']?.N),
          cursor: JSON.parse(values[':cursor']?.S ?? 'null'),
        });
      }
      if (fault) throw injected(fault);
      return out;
    },
    { step: 'build', name: 'chaosDynamoFaults' },
  );
  return {
    dynamo,
    client,
    dynamoFaults,
    commits,
    stop: async () => {
      client.destroy();
      await dynamo.stop();
    },
  };
}
