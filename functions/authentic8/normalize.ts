/**
 * Authentic8 Silo log → OCSF 1.1. The class follows the log type (vendor-notes §2.3): URL and
 * BLOCKED URL are web traffic, AUTH is Authentication, ADMIN_AUDIT is Account Change or API
 * Activity, ENC is kept opaque (Base Event), every other type is API Activity. Every event carries the Silo type
 * in `metadata.event_code`, `seq_id` in `metadata.sequence` and `org_id` in `metadata.tenant_uid`.
 */
import { ApiActivityId, StatusId, compact, eventHead, type OcsfEvent, type OcsfUser } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import { logKind, type AdminAuditRecord, type Authentic8Record, type AuthRecord, type EncRecord, type OtherRecord, type UrlRecord } from './schemas.ts';

export const AUTHENTIC8_PRODUCT = { vendorName: 'Authentic8', name: 'Silo' } as const;

/** OCSF fields beyond the shared typing (HTTP headers, security-control and metadata extras). */
type Event = OcsfEvent & Record<string, unknown>;
type Header = { name: string; value: string };
type Base = Pick<AuthRecord, 'seq_id' | 'create_ts' | 'type' | 'org_id'> & Record<string, unknown>;

/** HTTP Activity 4002 activity ids by method (OCSF 1.1 has no PATCH: Other). */
const HTTP_ACTIVITY: Record<string, number> = { CONNECT: 1, DELETE: 2, GET: 3, HEAD: 4, OPTIONS: 5, POST: 6, PUT: 7, TRACE: 8 };
const AUTH_PROTOCOL: Array<[RegExp, number, string]> = [[/saml/i, 5, 'SAML'], [/oidc|openid/i, 4, 'OpenID'], [/oauth/i, 6, 'OAUTH 2.0']];
/** Account Change 3001 activity ids, tried in order against ADMIN_AUDIT's `audit_type`. */
const ACCOUNT_ACTIVITY: Array<[RegExp, number]> = [
  [/password.*reset|reset.*password/i, 4], [/password/i, 3], [/unlock|enable|activat|restore/i, 2], [/lock/i, 9],
  [/disable|suspend|deactivat/i, 5], [/delete|remove/i, 6], [/create|add|invite|provision/i, 1],
];

/** Raw headers (`Name: value\r\n` lines) as OCSF http_header objects. */
export function parseHeaders(raw: string | null | undefined): Header[] {
  return (raw ?? '').split(/\r?\n/).flatMap((line) => {
    const colon = line.indexOf(':');
    return colon > 0 ? [{ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() }] : [];
  });
}

const header = (headers: Header[], name: string): string | undefined => headers.find((h) => h.name.toLowerCase() === name)?.value;
const who = (r: Base): string => String(r.username ?? r.user_id ?? 'unknown user');

function user(r: Base): OcsfUser | undefined {
  const name = typeof r.username === 'string' && r.username ? r.username : undefined;
  const u = compact({ name, uid: typeof r.user_id === 'string' ? r.user_id : undefined, email_addr: name?.includes('@') ? name : undefined });
  return Object.keys(u).length ? u : undefined;
}

/** The vendor fields no mapping used, for `unmapped`. */
const ALWAYS_MAPPED = new Set(['seq_id', 'create_ts', 'type', 'org_id']);

function rest(r: Base, used: readonly string[]): Record<string, unknown> {
  // A plain loop: this runs for every record (README Performance).
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(r)) {
    const value = (r as Record<string, unknown>)[key];
    if (value === undefined || ALWAYS_MAPPED.has(key) || used.includes(key)) continue;
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

function head(r: Base, cls: Parameters<typeof eventHead>[0]['cls'], activityId: number, statusId: number, message: string, base: NormalizeBase): Event {
  // create_ts is float epoch seconds (vendor-notes §2.4); OCSF time is integer epoch ms.
  const event = eventHead({ cls, activityId, statusId, message, time: Math.floor(r.create_ts * 1000), originalTime: String(r.create_ts) }, base, AUTHENTIC8_PRODUCT) as Event;
  Object.assign(event.metadata, compact({ event_code: r.type ?? logKind(r), sequence: r.seq_id, tenant_uid: r.org_id ?? undefined }));
  return event;
}

/** Where the port is not 80/443 the URL has it; the reference guide sends it null otherwise, sometimes as a string. */
function portOf(port: UrlRecord['port']): number | undefined {
  const n = typeof port === 'string' ? Number(port) : port;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Web Resources Activity 6001 activity ids by method: what the request would have done to the resource. */
const WEB_ACTIVITY: Record<string, number> = { GET: 2, HEAD: 2, PUT: 3, PATCH: 3, DELETE: 4 };

/**
 * URL → HTTP Activity 4002. A URL log is one HTTP exchange of the isolated browser (`method`,
 * `domain`/`path`/`port`, request `headers`, `response_code`, `response_headers`, `response_size`),
 * which is what HTTP Activity models; Web Resources Activity would drop the request and response.
 * The activity is the `method` (absent in the doc's own example: Unknown).
 * HTTP Activity requires the response (OCSF 1.1 `http_response`, with its `code`), so a request
 * without one is Web Resources Activity 6001 on its URL, with the same request: BLOCKED URL (the
 * same request refused by URL Category or Domain Filtering, never sent: action Denied, disposition
 * Blocked under the security_control profile, status Failure) and a URL log with no `response_code`.
 * `actor` of both classes belongs to the host profile, which `metadata.profiles` then declares.
 */
function web(r: UrlRecord, base: NormalizeBase): Event {
  const blocked = r.type === 'BLOCKED URL';
  const method = r.method ? r.method.toUpperCase() : undefined;
  const port = portOf(r.port);
  const host = r.domain ?? undefined;
  const url = r.url ?? (host ? `${r.scheme ?? 'http'}://${host}${port ? `:${port}` : ''}${r.path ?? '/'}${r.query ? `?${r.query}` : ''}` : undefined);
  const code = r.response_code ?? undefined;
  const exchange = code !== undefined && !blocked;
  const status = blocked || (code !== undefined && code >= 400) ? StatusId.Failure : code === undefined ? StatusId.Unknown : StatusId.Success;
  const activity = !method ? 0 : ((exchange ? HTTP_ACTIVITY : WEB_ACTIVITY)[method] ?? 99);
  const message = blocked ? `Blocked ${url ?? 'a request'} for ${who(r)}` : `${method ?? 'HTTP'} ${url ?? ''} → ${code ?? 'no response'}`;
  const event = head(r, exchange ? 'HttpActivity' : 'WebResourcesActivity', activity, status, message, base);
  const requestHeaders = parseHeaders(r.headers);
  const responseHeaders = parseHeaders(r.response_headers);
  const categories = [r.micro_category, r.macro_category].filter((c): c is string => Boolean(c));
  event.http_request = compact({
    http_method: method,
    url: compact({ url_string: url, hostname: host, path: r.path ?? undefined, port, scheme: r.scheme ?? undefined, query_string: r.query ?? undefined, categories: categories.length ? categories : undefined }),
    user_agent: header(requestHeaders, 'user-agent'),
    http_headers: requestHeaders.length ? requestHeaders : undefined,
  });
  if (exchange) {
    event.http_response = compact({ code, length: r.response_size ?? undefined, content_type: header(responseHeaders, 'content-type'), http_headers: responseHeaders.length ? responseHeaders : undefined });
  } else {
    event.web_resources = [compact({ name: url ?? host ?? r.path ?? 'unknown', url_string: url })];
  }
  Object.assign(event, compact({ src_endpoint: r.client_ip ? { ip: r.client_ip } : undefined, dst_endpoint: host || port ? compact({ hostname: host, port }) : undefined }));
  event.actor = compact({ user: user(r), session: r.session_id ? { uid: r.session_id } : undefined });
  const profiles = [...(Object.keys(event.actor).length ? ['host'] : []), ...(blocked ? ['security_control'] : [])];
  if (Object.keys(event.actor).length === 0) delete event.actor;
  if (blocked) Object.assign(event, { action_id: 2, action: 'Denied', disposition_id: 2, disposition: 'Blocked' });
  if (profiles.length) Object.assign(event.metadata, { profiles });
  const used = ['domain', 'path', 'scheme', 'method', 'query', 'url', 'port', 'headers', 'micro_category', 'macro_category', 'client_ip', 'username', 'user_id', 'session_id'];
  event.unmapped = rest(r, exchange ? [...used, 'response_code', 'response_size', 'response_headers'] : used);
  return event;
}

/**
 * AUTH → Authentication 3002, Logon. AUTH logs are Silo's own log-ins (PIN, SAML SSO; "authentication
 * logs for Silo session ONLY", vendor-notes §2.3). `username`/`user_id` is the user, `action` the
 * outcome (success or failure, as TA-authentic8's CIM map reads it), `auth_type` the protocol.
 */
function auth(r: AuthRecord, base: NormalizeBase): Event {
  const outcome = r.action ?? '';
  const logoff = /log.?(out|off)|sign.?out/i.test(outcome);
  const status = /fail|denied|invalid|reject|error/i.test(outcome) ? StatusId.Failure : /success|ok|allow|log.?(in|on|out|off)/i.test(outcome) ? StatusId.Success : StatusId.Unknown;
  const label = status === StatusId.Failure ? 'failed' : status === StatusId.Success ? 'succeeded' : 'with unknown outcome';
  const event = head(r, 'Authentication', logoff ? 2 : 1, status, `Silo ${logoff ? 'logoff' : 'logon'} by ${who(r)} ${label}`, base);
  const protocol = AUTH_PROTOCOL.find(([re]) => re.test(r.auth_type ?? ''));
  Object.assign(event, compact({
    user: user(r) ?? { name: 'unknown' },
    auth_protocol_id: r.auth_type ? (protocol?.[1] ?? 99) : undefined,
    auth_protocol: protocol?.[2] ?? r.auth_type ?? undefined,
    status_detail: r.reason ?? undefined,
    service: { name: 'Silo' },
    session: r.session_id ? { uid: r.session_id } : undefined,
    src_endpoint: r.client_ip ? { ip: r.client_ip } : undefined,
  }));
  event.unmapped = rest(r, ['username', 'user_id', 'action', 'auth_type', 'reason', 'session_id', 'client_ip']);
  return event;
}

/**
 * ADMIN_AUDIT → Account Change 3001 when `audit_type` names a change to a user account (create,
 * enable, disable, delete, lock, password): the admin (`username`) is the actor and `target` the
 * user. Any other admin change (policies, groups, org settings) → API Activity 6003, operation
 * `audit_type`, with `before`/`after` on the changed resource. Field names beyond `audit_type`
 * are UNCONFIRMED (vendor-notes §2.3: "who, when, what (before and after values)").
 */
function adminAudit(r: AdminAuditRecord, base: NormalizeBase): Event {
  const what = r.audit_type ?? 'admin change';
  const onAccount = /user|account|member/i.test(what) || /user|account/i.test(r.target_type ?? '');
  const accountActivity = onAccount ? ACCOUNT_ACTIVITY.find(([re]) => re.test(what))?.[1] : undefined;
  const actor = { user: user(r) };
  const src = r.client_ip ? { ip: r.client_ip } : undefined;
  let event: Event;
  if (accountActivity !== undefined) {
    event = head(r, 'AccountChange', accountActivity, StatusId.Success, `${what}: ${r.target ?? 'an account'} by ${who(r)}`, base);
    const target = r.target ?? undefined;
    event.user = compact({ name: target, email_addr: target?.includes('@') ? target : undefined });
    event.unmapped = rest(r, ['username', 'user_id', 'client_ip', 'audit_type', 'target', 'target_type']);
  } else {
    const activity = /create|add/i.test(what) ? ApiActivityId.Create : /delete|remove/i.test(what) ? ApiActivityId.Delete
      : /update|change|edit|set|modif/i.test(what) ? ApiActivityId.Update : /view|read|export|list/i.test(what) ? ApiActivityId.Read : ApiActivityId.Other;
    event = head(r, 'ApiActivity', activity, StatusId.Success, `${what}${r.target ? ` on ${r.target}` : ''} by ${who(r)}`, base);
    event.api = { operation: what, service: { name: 'Silo Admin Console' } };
    event.resources = [compact({ name: r.target ?? undefined, type: r.target_type ?? undefined, data: r.before !== undefined || r.after !== undefined ? { before: r.before, after: r.after } : undefined })];
    event.unmapped = rest(r, ['username', 'user_id', 'client_ip', 'audit_type', 'target', 'target_type', 'before', 'after']);
  }
  Object.assign(event, compact({ actor: actor.user ? actor : undefined, src_endpoint: src }));
  return event;
}

/**
 * ENC → OCSF Base Event (class 0, Uncategorized), activity and status Unknown. The record is the
 * customer-encrypted envelope of another log (vendor-notes §2.4); only the customer's private key
 * can read it, so it is archived as it is (raw_data) and marked: label `encrypted`, the key name and
 * scheme in unmapped. Nothing in it says who did what from where, which API Activity requires
 * (actor, api, src_endpoint); the Base Event is OCSF's class for events no other class defines.
 */
function encrypted(r: EncRecord, base: NormalizeBase): Event {
  const scheme = r.encryption_type ?? 'unspecified';
  const message = `Encrypted Silo log (key "${r.key_name}", ${scheme} encryption); readable only with the customer's private key`;
  const event = head({ ...r, type: r.type ?? 'ENC' }, 'ApiActivity', ApiActivityId.Unknown, StatusId.Unknown, message, base);
  Object.assign(event, { class_uid: 0, category_uid: 0, type_uid: 0 });
  event.metadata.labels = ['encrypted'];
  event.unmapped = { encrypted: true, key_name: r.key_name, encryption_type: r.encryption_type ?? undefined, ...rest(r, ['enc', 'key_name', 'encryption_type']) };
  return event;
}

/** Every other type (SESSION, DOWNLOAD, UPLOAD, ...) → API Activity 6003, Other: the Silo type is the operation. */
function other(r: OtherRecord, base: NormalizeBase): Event {
  const type = r.type ?? 'unknown';
  const event = head(r, 'ApiActivity', ApiActivityId.Other, StatusId.Unknown, `Silo ${type} event for ${who(r)}`, base);
  const u = user(r);
  event.api = { operation: type, service: { name: 'Silo' } };
  Object.assign(event, compact({
    actor: u || r.session_id ? compact({ user: u, session: r.session_id ? { uid: r.session_id } : undefined }) : undefined,
    src_endpoint: r.client_ip ? { ip: r.client_ip } : undefined,
    resources: r.filename || r.url ? [compact({ name: r.filename ?? r.url ?? undefined, type: r.filename ? 'file' : 'url' })] : undefined,
  }));
  event.unmapped = rest(r, ['username', 'user_id', 'session_id', 'client_ip']);
  return event;
}

/** Maps one validated Authentic8 record to OCSF by its log type. */
export function normalizeAuthentic8(record: Authentic8Record, base: NormalizeBase): OcsfEvent {
  const kind = logKind(record);
  const event = kind === 'URL' || kind === 'BLOCKED URL' ? web(record as UrlRecord, base)
    : kind === 'AUTH' ? auth(record as AuthRecord, base)
      : kind === 'ADMIN_AUDIT' ? adminAudit(record as AdminAuditRecord, base)
        : kind === 'ENC' ? encrypted(record as EncRecord, base) : other(record as OtherRecord, base);
  if (event.unmapped && Object.keys(event.unmapped).length === 0) delete event.unmapped;
  return event;
}
