/**
 * What every Authentic8 mapping shares (functions/authentic8/normalize.ts): the event head with its
 * metadata, the Silo user and actor, and the vendor fields left for `unmapped`.
 */
import { StatusId } from '../../shared/ocsf-classes.ts';
import { UNKNOWN, compact, emailOf, int32, nonEmpty } from '../../shared/ocsf-fields.ts';
import { eventHead, severityOf, type OcsfEvent, type OcsfUser } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import { logKind, type AuthRecord } from './schemas.ts';

export const AUTHENTIC8_PRODUCT = { vendorName: 'Authentic8', name: 'Silo' } as const;

/** OCSF fields beyond the shared typing (HTTP headers, security-control and metadata extras). */
export type Event = OcsfEvent & Record<string, unknown>;
export type Base = Pick<AuthRecord, 'seq_id' | 'create_ts' | 'type' | 'org_id'> & Record<string, unknown>;

export const who = (r: Base): string => String(r.username || r.user_id || 'unknown user');

/** The Silo user of a log, by username (often an e-mail) and user_id; undefined when the log names none. */
export function user(r: Base): OcsfUser | undefined {
  const name = typeof r.username === 'string' && r.username ? r.username : undefined;
  return nonEmpty(
    compact({ name, uid: typeof r.user_id === 'string' ? r.user_id : undefined, email_addr: emailOf(name) }),
  );
}

/**
 * The actor: the user and the Silo session, or an unknown user where the log names neither (OCSF requires an actor).
 */
export function actorOf(r: Base): NonNullable<OcsfEvent['actor']> {
  const known = compact({
    user: user(r),
    session: typeof r.session_id === 'string' && r.session_id ? { uid: r.session_id } : undefined,
  });
  return nonEmpty(known) ?? { user: { name: UNKNOWN } };
}

/** The vendor fields no mapping used, for `unmapped`. */
const ALWAYS_MAPPED = new Set(['seq_id', 'create_ts', 'type', 'org_id']);

export function rest(r: Base, used: readonly string[]): Record<string, unknown> {
  // A plain loop: this runs for every record (docs/performance.md).
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(r)) {
    const value = (r as Record<string, unknown>)[key];
    if (value === undefined || ALWAYS_MAPPED.has(key) || used.includes(key)) continue;
    if (key === '__proto__')
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

export interface HeadOptions {
  activityName?: string;
  severityId?: number;
}

export function head(
  r: Base,
  cls: Parameters<typeof eventHead>[0]['cls'],
  activityId: number,
  statusId: number,
  message: string,
  base: NormalizeBase,
  options: HeadOptions = {},
): Event {
  // create_ts is float epoch seconds (vendor-notes §2.4); OCSF time is integer epoch ms.
  const event = eventHead(
    {
      cls,
      activityId,
      statusId,
      message,
      time: Math.floor(r.create_ts * 1000),
      originalTime: String(r.create_ts),
      vendorUid: String(r.seq_id),
      severityId: options.severityId ?? severityOf({ failed: statusId === StatusId.Failure }),
      ...(options.activityName ? { activityName: options.activityName } : {}),
    },
    base,
    AUTHENTIC8_PRODUCT,
  ) as Event;
  Object.assign(
    event.metadata,
    compact({ event_code: r.type ?? logKind(r), sequence: int32(r.seq_id), tenant_uid: r.org_id ?? undefined }),
  );
  return event;
}
