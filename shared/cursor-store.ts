/**
 * Cursor store on DynamoDB: one item per source holding the cursor, its version, the lease (owner
 * and expiry), the last success and the last event time (DESIGN.md 4.3, invariants 1-3).
 *
 * Every write is conditional. A lease is taken when the item has no owner, the owner's lease has
 * expired (a run killed by a hard timeout never wedges its source) or we already own it. A commit
 * succeeds only at the version it read and while it still owns the lease, so a run that lost its
 * lease can never move the cursor under the new owner.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CursorConflictError, LeaseHeldError } from './errors.ts';

/** The state of one source as stored. `cursor` is the connector's JSON, validated by the runner. */
export interface CursorState {
  readonly sourceId: string;
  readonly cursor?: unknown;
  /** Set when the stored cursor is not JSON at all (the runner refuses to start from it). */
  readonly cursorError?: string;
  readonly version: number;
  readonly leaseOwner?: string;
  readonly leaseExpiresAt?: number;
  readonly lastSuccessAt?: number;
  readonly lastEventTime?: number;
  readonly updatedAt?: number;
}

export interface CursorStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Clock in epoch ms; injected so lease expiry is testable. */
  readonly now?: () => number;
  /** How a source's item is keyed (default: by its id); a backfill keeps its own item (shared/backfill.ts). */
  readonly key?: CursorKey;
}

/** A key function and its inverse: `list()` returns the items `sourceOf` recognises, under their source ids. */
export interface CursorKey {
  /** The item key of a source. */
  of(sourceId: string): string;
  /** The source of an item key; undefined for an item of another key space. */
  sourceOf(itemKey: string): string | undefined;
}

/** Items keyed by the source id itself (every item of the table is listed). */
const BY_SOURCE_ID: CursorKey = { of: (sourceId) => sourceId, sourceOf: (itemKey) => itemKey };

export interface CommitInput {
  readonly owner: string;
  readonly expectedVersion: number;
  readonly cursor: unknown;
  readonly leaseMs: number;
  readonly lastEventTime?: number;
}

/** Partition key attribute of the cursor table (infra uses the same name). */
export const CURSOR_TABLE_KEY = 'sourceId';

/** DynamoDB-backed cursors and leases. */
export class CursorStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly now: () => number;
  private readonly keys: CursorKey;

  constructor(options: CursorStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.table = options.tableName;
    this.now = options.now ?? Date.now;
    this.keys = options.key ?? BY_SOURCE_ID;
  }

  /** Reads a source's state (consistent read); undefined when it never ran. */
  async get(sourceId: string, signal?: AbortSignal): Promise<CursorState | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { sourceId: this.keys.of(sourceId) }, ConsistentRead: true }),
      sendOptions(signal),
    );
    return out.Item ? toState(out.Item) : undefined;
  }

  /** Every stored source (small table: one item per source). */
  async list(): Promise<CursorState[]> {
    const items: CursorState[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of out.Items ?? []) {
        const sourceId = this.keys.sourceOf(String(item.sourceId));
        if (sourceId !== undefined) items.push({ ...toState(item), sourceId });
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => a.sourceId.localeCompare(b.sourceId));
  }

  /** Takes (or re-takes) the lease; throws LeaseHeldError while another owner's lease is live. */
  async acquireLease(sourceId: string, owner: string, leaseMs: number, signal?: AbortSignal): Promise<CursorState> {
    const now = this.now();
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { sourceId: this.keys.of(sourceId) },
          UpdateExpression:
            'SET leaseOwner = :owner, leaseExpiresAt = :exp, version = if_not_exists(version, :zero), updatedAt = :now',
          ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseOwner = :owner OR leaseExpiresAt < :now',
          ExpressionAttributeValues: { ':owner': owner, ':exp': now + leaseMs, ':zero': 0, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
        sendOptions(signal),
      );
      return toState(out.Attributes ?? {});
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await this.get(sourceId, signal);
      throw new LeaseHeldError(sourceId, current?.leaseOwner ?? 'unknown', current?.leaseExpiresAt ?? 0);
    }
  }

  /** Extends the lease; throws CursorConflictError when the lease is no longer ours. */
  async renewLease(sourceId: string, owner: string, leaseMs: number, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    await this.conditional(
      sourceId,
      {
        UpdateExpression: 'SET leaseExpiresAt = :exp, updatedAt = :now',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': owner, ':exp': now + leaseMs, ':now': now },
      },
      'lease lost before renewal',
      signal,
    );
  }

  /** Moves the cursor (version + 1) and renews the lease; conditional on version and owner. */
  async commit(sourceId: string, input: CommitInput, signal?: AbortSignal): Promise<number> {
    const now = this.now();
    const values: Record<string, unknown> = {
      ':owner': input.owner,
      ':expected': input.expectedVersion,
      ':next': input.expectedVersion + 1,
      ':cursor': JSON.stringify(input.cursor),
      ':exp': now + input.leaseMs,
      ':now': now,
    };
    let update =
      'SET #cursor = :cursor, version = :next, leaseExpiresAt = :exp, lastSuccessAt = :now, updatedAt = :now';
    if (input.lastEventTime !== undefined) {
      update += ', lastEventTime = :let';
      values[':let'] = input.lastEventTime;
    }
    await this.conditional(
      sourceId,
      {
        UpdateExpression: update,
        ConditionExpression: 'version = :expected AND leaseOwner = :owner',
        ExpressionAttributeNames: { '#cursor': 'cursor' },
        ExpressionAttributeValues: values,
      },
      `commit at version ${input.expectedVersion} refused (lease lost or cursor moved by another run)`,
      signal,
    );
    return input.expectedVersion + 1;
  }

  /** Gives the lease back (only if still ours; a lost lease is not an error here). */
  async releaseLease(sourceId: string, owner: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { sourceId: this.keys.of(sourceId) },
          UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt SET updatedAt = :now',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner, ':now': this.now() },
        }),
        sendOptions(signal),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Forgets the cursor so the next run starts from `startFrom` again. The version still moves,
   * so a run in flight cannot commit over the reset; refused while a live lease is held.
   */
  async reset(sourceId: string): Promise<void> {
    const now = this.now();
    await this.conditional(
      sourceId,
      {
        UpdateExpression:
          'REMOVE #cursor, lastEventTime SET version = if_not_exists(version, :zero) + :one, updatedAt = :now',
        ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseExpiresAt < :now',
        ExpressionAttributeNames: { '#cursor': 'cursor' },
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':now': now },
      },
      'a run holds the lease; retry when it has finished',
    );
  }

  private async conditional(
    sourceId: string,
    params: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
    conflict: string,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({ TableName: this.table, Key: { sourceId: this.keys.of(sourceId) }, ...params }),
        sendOptions(signal),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new CursorConflictError(`source ${sourceId}: ${conflict}`, { cause: error });
      }
      throw error;
    }
  }
}

/** The SDK's send options: the abort signal that bounds the call by the run's deadline, when there is one. */
function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

function toState(item: Record<string, unknown>): CursorState {
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const state: { -readonly [K in keyof CursorState]: CursorState[K] } = {
    sourceId: String(item.sourceId),
    version: num(item.version) ?? 0,
  };
  if (typeof item.cursor === 'string') {
    try {
      state.cursor = JSON.parse(item.cursor);
    } catch (error) {
      state.cursorError = `stored cursor is not JSON: ${(error as Error).message}`;
    }
  }
  if (typeof item.leaseOwner === 'string') state.leaseOwner = item.leaseOwner;
  const fields = ['leaseExpiresAt', 'lastSuccessAt', 'lastEventTime', 'updatedAt'] as const;
  for (const f of fields) {
    const v = num(item[f]);
    if (v !== undefined) state[f] = v;
  }
  return state;
}
