/**
 * Retraced event → OCSF. Retraced is an audit log other products publish into: `action` is the
 * publisher's own verb (`document.edit`), `crud` its classification, `actor` and `target` the
 * publisher's ids (vendor-notes §1.2, §1.8). So every event is API Activity (6003) by `crud`, except
 * log-in and log-out actions, which are Authentication (3002). The real server never sends a null
 * actor or target: an event without one comes back as an object whose every field is null.
 * Mapping table: README.md.
 */
import { ApiActivityId, StatusId } from '../../shared/ocsf-classes.ts';
import { UNKNOWN, compact, ipEndpoint, nonEmpty, requiredEndpoint } from '../../shared/ocsf-fields.ts';
import { eventHead, severityOf, type OcsfEndpoint, type OcsfEvent, type OcsfUser } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import type { RetracedEvent } from './schemas.ts';

export const RETRACED_PRODUCT = { vendorName: 'BoxyHQ', name: 'Retraced' } as const;

/** Description of the event every enterprise GraphQL read writes, as the server's code sets it (§1.1). */
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
  const ids: Record<string, number> = {
    c: ApiActivityId.Create,
    r: ApiActivityId.Read,
    u: ApiActivityId.Update,
    d: ApiActivityId.Delete,
  };
  return crud ? (ids[crud] ?? ApiActivityId.Other) : ApiActivityId.Unknown;
}

/**
 * The display text the server renders for an event without a target: what the real server sends as a read's description
 * (issue 15).
 */
export function viewDescription(actorName: string | null | undefined, action: string | null | undefined): string {
  return `**${actorName ?? ''}** performed the action **${action ?? ''}**.`;
}

/** True for the event an enterprise-token read writes (§1.1): crud r, actor `enterprise:…`, the read's description. */
export function isEnterpriseRead(record: Pick<RetracedEvent, 'crud' | 'actor' | 'description' | 'action'>): boolean {
  const { description } = record;
  return (
    record.crud === 'r' &&
    (record.actor?.id ?? '').startsWith('enterprise:') &&
    (description === VIEW_DESCRIPTION || description === viewDescription(record.actor?.name, record.action))
  );
}

/** `[{key, value}]` back to a map (the last of a repeated key wins); undefined when empty. */
function fieldMap(
  list: ReadonlyArray<{ key?: string | null | undefined; value?: string | null | undefined } | null> | null | undefined,
): Record<string, string | null> | undefined {
  const entries = (list ?? []).flatMap((f) => (f?.key ? [[f.key, f.value ?? null] as const] : []));
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** Markdown without its emphasis: `Jane performed the action x on the item y.` */
function plain(markdown: string | null | undefined): string | undefined {
  return markdown ? markdown.replace(/\*\*/g, '') : undefined;
}

/** The actor as an OCSF user; an anonymous event (no actor id or name) says so. */
function userOf(record: RetracedEvent): OcsfUser {
  const user: OcsfUser = compact({ uid: record.actor?.id ?? undefined, name: record.actor?.name ?? undefined });
  return nonEmpty(user) ?? { name: record.is_anonymous === true ? 'anonymous' : UNKNOWN };
}

/** `source_ip` and the place the server derived from it; `location` needs a city or a region (OCSF 1.1). */
function sourceOf(record: RetracedEvent): OcsfEndpoint | undefined {
  const place = [record.loc_subdiv2, record.loc_subdiv1, record.country].filter(Boolean).join(', ');
  const location =
    record.loc_subdiv2 || record.loc_subdiv1
      ? compact({ city: record.loc_subdiv2 ?? undefined, region: record.loc_subdiv1 ?? undefined, desc: place })
      : undefined;
  return nonEmpty(compact({ ...ipEndpoint(record.source_ip), location }));
}

type RetracedOcsf = OcsfEvent & { service?: { name: string; version?: string } };

/** Maps one validated Retraced event to OCSF API Activity or Authentication. */
export function normalizeRetraced(record: RetracedEvent, base: NormalizeBase): OcsfEvent {
  const auth = authActivityOf(record.action);
  const statusId =
    record.is_failure === true ? StatusId.Failure : record.is_failure === false ? StatusId.Success : StatusId.Unknown;
  const event: RetracedOcsf = eventHead(
    {
      cls: auth ? 'Authentication' : 'ApiActivity',
      activityId: auth ?? crudActivityOf(record.crud),
      // canonical_time is the event's own time (created, else received), second precision (§1.2).
      time: Date.parse(record.canonical_time),
      originalTime: record.canonical_time,
      loggedTime: Date.parse(record.received),
      message: plain(record.description) || plain(record.display?.markdown) || record.action || 'Retraced event',
      statusId,
      severityId: severityOf({ failed: statusId === StatusId.Failure }),
      vendorUid: record.id,
    },
    base,
    RETRACED_PRODUCT,
  );
  Object.assign(
    event.metadata,
    compact({ event_code: record.action ?? undefined, tenant_uid: record.group?.id ?? undefined }),
  );
  if (isEnterpriseRead(record)) event.metadata.labels = [ENTERPRISE_READ_LABEL];
  const user = userOf(record);
  const source = sourceOf(record);
  const target = compact({
    uid: record.target?.id ?? undefined,
    name: record.target?.name ?? undefined,
    type: record.target?.type ?? undefined,
    data: fieldMap(record.target?.fields),
  });
  const resource = target.uid || target.name ? target : undefined;
  if (auth) {
    event.user = user;
    if (record.actor?.id || record.actor?.name) event.actor = { user };
    if (source) event.src_endpoint = source;
    // Authentication needs a `service` (or a dst_endpoint): the publishing application, by its
    // component when the publisher names one, else by the source this pump reads it from.
    event.service = compact({ name: record.component || base.source.id, version: record.version ?? undefined }) as {
      name: string;
    };
  } else {
    event.actor = { user };
    event.src_endpoint = requiredEndpoint(source);
    event.api = {
      operation: record.action || UNKNOWN,
      ...compact({
        service: record.component ? { name: record.component } : undefined,
        version: record.version ?? undefined,
      }),
    };
    if (resource) event.resources = [resource];
  }
  const unmapped = compact({
    crud: record.crud ?? undefined,
    group_name: record.group?.name ?? undefined,
    is_anonymous: record.is_anonymous ?? undefined,
    external_id: record.external_id ?? undefined,
    fields: fieldMap(record.fields),
    actor_fields: fieldMap(record.actor?.fields),
    metadata: fieldMap(record.metadata),
    country: record.country ?? undefined,
    // Authentication has no resources: the target of a log-in (rare) stays here, as does one with neither id nor name.
    target: auth || !resource ? nonEmpty(target) : undefined,
  });
  if (Object.keys(unmapped).length) event.unmapped = unmapped;
  return event;
}
