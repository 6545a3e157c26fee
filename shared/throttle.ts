/**
 * The throttle state a limit scope shares (docs/throttling.md): one item a scope in the cursor
 * table, keyed `<vendor>#<scope>#throttle`: no source id holds a `#` and backfill items end in
 * `#backfill`, so the key is no other item's, and a vendor's function is granted its vendor's
 * throttle items by one pattern, `<vendor>#*#throttle`, however many sources it serves (a limit is
 * the vendor's: scopes of two vendors never share one). It holds the back-off the vendor last asked for and the scope's
 * request budget, both written with conditional writes so concurrent runs never undo each other.
 *
 * The budget is a token bucket kept as GCRA (the bucket as a "theoretical arrival time" `tat`),
 * because then taking tokens is one conditional UpdateItem with no read before it. A budget of
 * `requests` per `perSeconds` gets a bucket of `burst` tokens refilled at one every `emissionMs`,
 * sized so that no window of `perSeconds` (whenever it starts), stretched by a margin for the way
 * to the vendor, holds more than `requests` grants: at most `burst` at its start plus one per
 * `emissionMs` after.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Vendor } from './config.ts';

/** The cursor-table key of a vendor's scope's throttle item. */
export function throttleItemId(vendor: Vendor, scope: string): string {
  return `${vendor}#${scope}#throttle`;
}

/** The IAM `dynamodb:LeadingKeys` pattern of every throttle item of `vendor`. */
export function throttleItemPattern(vendor: Vendor): string {
  return throttleItemId(vendor, '*');
}

/** A scope's shared state as stored. */
export interface ThrottleState {
  /** No run of the scope sends before this (epoch ms). */
  readonly backoffUntil?: number;
  /** The source whose request was answered with that back-off. */
  readonly backoffBy?: string;
  /** The budget's theoretical arrival time (epoch ms): the bucket is full when it is not after now. */
  readonly tat?: number;
}

/** A budget as a bucket: `burst` tokens, one more every `emissionMs`. */
export interface Budget {
  readonly burst: number;
  readonly emissionMs: number;
}

/**
 * The bucket of `requests` per `perSeconds` (W). A burst lets the concurrent requests of one page
 * take their tokens in one write; it costs its share of the sustained rate, so it is a hundredth
 * of the budget. Grants in any window of length L are at most burst + L ÷ emissionMs, less one for
 * a window open at its end; emissionMs = (W + margin) ÷ (requests − burst + 1) holds that to
 * `requests` for windows of W + margin. The margin is for the way from the grant to the vendor: a
 * request held up after its grant (a GC pause, a slow connection) while the next one is not still
 * arrives within the vendor's window of W. It is a fiftieth of W, at most 250 ms: the sustained
 * rate stays within 4% of the budget (whole ms of the interval aside).
 */
export function budgetOf(limit: { readonly requests: number; readonly perSeconds: number }): Budget {
  const burst = 1 + Math.floor(limit.requests / 100);
  const windowMs = limit.perSeconds * 1000;
  const marginMs = Math.min(MAX_MARGIN_MS, windowMs / 50);
  // Rounded up to whole ms: a shorter interval would let one grant too many into a window.
  return { burst, emissionMs: Math.ceil((windowMs + marginMs) / (limit.requests - burst + 1)) };
}

/** The most a budget's interval allows for a request's way from its grant to the vendor. */
const MAX_MARGIN_MS = 250;

/** When `k` tokens can be used at the earliest, by the bucket's `tat` (the bucket's arithmetic, no I/O). */
export function readyAt(budget: Budget, tat: number | undefined, k: number): number {
  if (tat === undefined) return Number.NEGATIVE_INFINITY;
  return tat + (k - 1) * budget.emissionMs - (budget.burst - 1) * budget.emissionMs;
}

export interface ThrottleStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The vendor whose scopes the store keeps. */
  readonly vendor: Vendor;
}

/**
 * What a take answered: whether tokens were granted and from when they may be used, and the scope's state as it stands.
 */
export interface Take {
  readonly granted: boolean;
  /** When granted: the time the tokens are for (now, or a later slot when other runs took the ones before). */
  readonly at?: number;
  readonly state: ThrottleState;
  /** The bucket was not as the caller believed (idle or busy): its first write failed. */
  readonly missed: boolean;
}

const NO_BACKOFF = '(attribute_not_exists(backoffUntil) OR backoffUntil <= :now)';

/** One vendor's scopes' throttle items on DynamoDB. */
export class ThrottleStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly vendor: Vendor;

  constructor(options: ThrottleStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.table = options.tableName;
    this.vendor = options.vendor;
  }

  /** The scope's state (consistent read); empty when no run of the scope stored any. */
  async read(scope: string, signal?: AbortSignal): Promise<ThrottleState> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { sourceId: throttleItemId(this.vendor, scope) },
        ConsistentRead: true,
      }),
      sendOptions(signal),
    );
    return toState(out.Item);
  }

  /**
   * Records that no run of the scope may send before `until`; a later back-off already stored
   * stands (the write is conditional on extending it). Returns the state as it stands.
   */
  async backOff(scope: string, until: number, by: string, now: number, signal?: AbortSignal): Promise<ThrottleState> {
    const update = {
      UpdateExpression: 'SET backoffUntil = :until, backoffBy = :by, updatedAt = :now',
      ConditionExpression: 'attribute_not_exists(backoffUntil) OR backoffUntil < :until',
      ExpressionAttributeValues: { ':until': until, ':by': by, ':now': now },
    };
    return (await this.update(scope, update, signal)) ?? this.read(scope, signal);
  }

  /**
   * Takes `k` tokens (1..burst) of the scope's budget at `now`, unless a back-off stands: now, or
   * the next ones free (a slot in the future, none later than `latest`), which the caller waits
   * for. Taking a slot is relative to what others took (`tat = tat + k × emission`), so runs that
   * take at once all get theirs, each its own, in one write each. One conditional write when the
   * bucket is as the caller believes, idle (`tat` not after now) or busy; one read and at most one
   * more write when it was the other way round.
   */
  async take(
    scope: string,
    k: number,
    budget: Budget,
    now: number,
    idle: boolean,
    latest: number,
    signal?: AbortSignal,
  ): Promise<Take> {
    if (k < 1 || k > budget.burst) throw new RangeError(`take: ${k} tokens asked, 1..${budget.burst} possible`);
    const first = await this.update(scope, this.grant(idle, k, budget, now, latest), signal);
    if (first) return granted(first, k, budget, now, false);
    const state = await this.read(scope, signal);
    const nowIdle = state.tat === undefined || state.tat <= now;
    if ((state.backoffUntil ?? 0) > now || nowIdle === idle) return { granted: false, state, missed: false };
    const second = await this.update(scope, this.grant(nowIdle, k, budget, now, latest), signal);
    return second
      ? granted(second, k, budget, now, true)
      : { granted: false, state: await this.read(scope, signal), missed: true };
  }

  /**
   * The conditional update of a grant (GCRA as virtual scheduling): `tat` = max(tat, now) + k ×
   * emission; the tokens are for max(now, old tat + (k − 1 − (burst − 1)) × emission), which must
   * not be after `latest`.
   */
  private grant(
    idle: boolean,
    k: number,
    budget: Budget,
    now: number,
    latest: number,
  ): Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'> {
    if (idle) {
      return {
        UpdateExpression: 'SET tat = :next, updatedAt = :now',
        ConditionExpression: `(attribute_not_exists(tat) OR tat <= :now) AND ${NO_BACKOFF}`,
        ExpressionAttributeValues: { ':next': now + k * budget.emissionMs, ':now': now },
      };
    }
    return {
      UpdateExpression: 'SET tat = tat + :step, updatedAt = :now',
      ConditionExpression: `tat > :now AND tat <= :limit AND ${NO_BACKOFF}`,
      ExpressionAttributeValues: {
        ':step': k * budget.emissionMs,
        ':limit': latest + (budget.burst - k) * budget.emissionMs,
        ':now': now,
      },
    };
  }

  /** The update applied (its new state), or undefined when its condition failed. */
  private async update(
    scope: string,
    params: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
    signal?: AbortSignal,
  ): Promise<ThrottleState | undefined> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { sourceId: throttleItemId(this.vendor, scope) },
          ReturnValues: 'ALL_NEW',
          ...params,
        }),
        sendOptions(signal),
      );
      return toState(out.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

/** A granted take: its tokens are for the slot the new `tat` leaves them (now at the earliest). */
function granted(state: ThrottleState, k: number, budget: Budget, now: number, missed: boolean): Take {
  const tat = state.tat ?? now;
  return { granted: true, at: Math.max(now, readyAt(budget, tat - k * budget.emissionMs, k)), state, missed };
}

function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

function toState(item: Record<string, unknown> | undefined): ThrottleState {
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const state: { -readonly [K in keyof ThrottleState]: ThrottleState[K] } = {};
  const until = num(item?.backoffUntil);
  const tat = num(item?.tat);
  if (until !== undefined) state.backoffUntil = until;
  if (typeof item?.backoffBy === 'string') state.backoffBy = item.backoffBy;
  if (tat !== undefined) state.tat = tat;
  return state;
}
