/**
 * Retraced event → OCSF. Retraced is an audit log other products publish into: `action` is the
 * publisher's own verb (`document.edit`), `crud` its classification, `actor` and `target` the
 * publisher's ids (vendor-notes §1.2, §1.8). So every event is API Activity (6003) by `crud`, except
 * log-in and log-out actions, which are Authentication (3002).
 */
import { ApiActivityId, StatusId, compact, eventHead, type OcsfEvent, type OcsfUser } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import type { RetracedEvent } from './schemas.ts';

export const RETRACED_PRODUCT = { vendorName: 'BoxyHQ', name: 'Retraced' } as const;

/** Description of the event every enterprise GraphQL read writes (§1.1, §1.11). */
export const VIEW_DESCRIPTION = 'Exported audit log events';

/**
 * `metadata.labels` entry of reads of the audit log through the enterprise API: the events the
 * pump's own reads write, and those of any other client with an enterprise token (`actor.uid`
 * `enterprise:<token[0:7]>` says which token).
 */
export const ENTERPRISE_READ_LABEL = 'retraced:enterprise-read';

/** OCSF 1.1 Authentication activity ids used here. */
export const AuthActivityId = { Logon: 1, Logoff: 2 } as const;

// A verb segment of `noun.verb[.outcome]`: `user.login`, `sso_login.failed`, not `login_page.update`.
const LOGON = /(^|[._:/-])(log_?in|sign_?in|logon|authenticated?)($|[.:/-])/i;
const LOGOFF = /(^|[._:/-])(log_?out|sign_?out|logoff)($|[.:/-])/i;

/** Logon or Logoff for log-in and log-out actions (`user.login`, `sso.login.failed`); undefined otherwise. */
export function authActivityOf(action: string | null | undefined): number | undefined {
  if (!action) return undefined;
  if (LOGOFF.test(action)) return AuthActivityId.Logoff;
  return LOGON.test(action) ? AuthActivityId.Logon : undefined;
}

/** API Activity id from Retraced's `crud` (§1.2: enum c r u d). */
export function crudActivityOf(crud: string | null | undefined): number {
  const ids: Record<string, number> = { c: ApiActivityId.Create, r: ApiActivityId.Read, u: ApiActivityId.Update, d: ApiActivityId.Delete };
  return crud ? (ids[crud] ?? ApiActivityId.Other) : ApiActivityId.Unknown;
}

/** True for the event an enterprise-token read writes (§1.1): crud r, actor `enterprise:…`, fixed description. */
export function isEnterpriseRead(record: Pick<RetracedEvent, 'crud' | 'actor' | 'description'>): boolean {
  return record.crud === 'r' && record.description === VIEW_DESCRIPTION && (record.actor?.id ?? '').startsWith('enterprise:');
}

/** `[{key, value}]` back to a map (the last of a repeated key wins); undefined when empty. */
function fieldMap(list: ReadonlyArray<{ key?: string | null | undefined; value?: string | null | undefined } | null> | null | undefined): Record<string, string | null> | undefined {
  const entries = (list ?? []).flatMap((f) => (f?.key ? [[f.key, f.value ?? null] as const] : []));
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** The display markdown without its emphasis: `Jane performed the action x on the item y.` */
function plain(markdown: string | null | undefined): string | undefined {
  return markdown ? markdown.replace(/\*\*/g, '') : undefined;
}

type RetracedOcsf = OcsfEvent & {
  api?: OcsfEvent['api'] & { version?: string };
  service?: { name: string };
  src_endpoint?: OcsfEvent['src_endpoint'] & { location?: { city?: string; desc?: string } };
};

/** Maps one validated Retraced event to OCSF API Activity or Authentication. */
export function normalizeRetraced(record: RetracedEvent, base: NormalizeBase): OcsfEvent {
  const auth = authActivityOf(record.action);
  const status = record.is_failure === true ? 'Failure' : record.is_failure === false ? 'Success' : 'Unknown';
  const event: RetracedOcsf = eventHead(
    {
      cls: auth ? 'Authentication' : 'ApiActivity',
      activityId: auth ?? crudActivityOf(record.crud),
      // canonical_time is the event's own time (created, else received), second precision (§1.2).
      time: Date.parse(record.canonical_time),
      originalTime: record.canonical_time,
      loggedTime: Date.parse(record.received),
      message: record.description || plain(record.display?.markdown) || record.action || 'Retraced event',
      statusId: StatusId[status],
    },
    base,
    RETRACED_PRODUCT,
  );
  event.status = status;
  if (record.action) event.metadata.event_code = record.action;
  if (record.group?.id) Object.assign(event.metadata, { tenant_uid: record.group.id });
  if (isEnterpriseRead(record)) event.metadata.labels = [ENTERPRISE_READ_LABEL];
  const user: OcsfUser = compact({ uid: record.actor?.id ?? undefined, name: record.actor?.name ?? undefined });
  if (Object.keys(user).length) event.actor = { user };
  if (auth) event.user = user;
  const place = [record.loc_subdiv2, record.loc_subdiv1, record.country].filter(Boolean).join(', ');
  const location = compact({ city: record.loc_subdiv2 ?? undefined, desc: place || undefined });
  const source = compact({ ip: record.source_ip ?? undefined, location: Object.keys(location).length ? location : undefined });
  if (Object.keys(source).length) event.src_endpoint = source;
  // Authentication needs a `service` or `dst_endpoint` (OCSF 1.1 constraint): the publisher's
  // component when it names one; otherwise the publisher did not say which of its services it was.
  if (auth) event.service = { name: record.component ?? 'unknown' };
  if (!auth) {
    event.api = {
      operation: record.action ?? 'unknown',
      ...compact({ service: record.component ? { name: record.component } : undefined, version: record.version ?? undefined }),
    };
  }
  const { target } = record;
  if (target) event.resources = [compact({ uid: target.id ?? undefined, name: target.name ?? undefined, type: target.type ?? undefined, data: fieldMap(target.fields) })];
  const unmapped = compact({
    crud: record.crud ?? undefined,
    group_name: record.group?.name ?? undefined,
    is_anonymous: record.is_anonymous ?? undefined,
    external_id: record.external_id ?? undefined,
    fields: fieldMap(record.fields),
    actor_fields: fieldMap(record.actor?.fields),
    metadata: fieldMap(record.metadata),
    country: record.country ?? undefined,
    loc_subdiv1: record.loc_subdiv1 ?? undefined,
    version: auth ? (record.version ?? undefined) : undefined,
  });
  if (Object.keys(unmapped).length) event.unmapped = unmapped;
  return event;
}
