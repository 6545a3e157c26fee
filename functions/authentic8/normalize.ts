/**
 * Authentic8 Silo log → OCSF 1.1. The class follows the log type (vendor-notes §2.3): URL and
 * BLOCKED URL are web traffic, AUTH is Authentication, ADMIN_AUDIT is Account Change or API
 * Activity, DOWNLOAD and UPLOAD are File Hosting Activity, EXPLOIT a Detection Finding, ENC is kept
 * opaque (Base Event), every other type is API Activity Other. Every event carries the Silo type in
 * `metadata.event_code`, `seq_id` in `metadata.correlation_uid` (and `sequence` where it fits 32
 * bits), `org_id` in `metadata.tenant_uid`. Mapping table: README.md.
 */
import { ApiActivityId, StatusId } from '../../shared/ocsf-classes.ts';
import { UNKNOWN, compact, emailOf, ipEndpoint, requiredEndpoint } from '../../shared/ocsf-fields.ts';
import type { OcsfEvent } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import {
  logKind,
  type AdminAuditRecord,
  type Authentic8Record,
  type AuthRecord,
  type EncRecord,
  type OtherRecord,
} from './schemas.ts';
import { actorOf, head, rest, user, who, type Event } from './normalize-common.ts';
import { exploit, fileHosting, web } from './normalize-web.ts';

export { AUTHENTIC8_PRODUCT } from './normalize-common.ts';
export { parseHeaders } from './normalize-web.ts';

const AUTH_PROTOCOL: Array<[RegExp, number, string]> = [
  [/saml/i, 5, 'SAML'],
  [/oidc|openid/i, 4, 'OpenID'],
  [/oauth/i, 6, 'OAUTH 2.0'],
];
/** Account Change 3001 activity ids, tried in order against ADMIN_AUDIT's `audit_type`. */
const ACCOUNT_ACTIVITY: Array<[RegExp, number]> = [
  [/password.*reset|reset.*password/i, 4],
  [/password/i, 3],
  [/unlock|enable|activat|restore/i, 2],
  [/lock/i, 9],
  [/disable|suspend|deactivat/i, 5],
  [/delete|remove/i, 6],
  [/create|add|invite|provision/i, 1],
];

/**
 * AUTH → Authentication 3002, Logon. AUTH logs are Silo's own log-ins (PIN, SAML SSO; "authentication
 * logs for Silo session ONLY", vendor-notes §2.3). `username`/`user_id` is the user, `action` the
 * outcome (success or failure, as TA-authentic8's CIM map reads it), `auth_type` the protocol.
 */
function auth(r: AuthRecord, base: NormalizeBase): Event {
  const outcome = r.action ?? '';
  const logoff = /log.?(out|off)|sign.?out/i.test(outcome);
  const status = /fail|denied|invalid|reject|error/i.test(outcome)
    ? StatusId.Failure
    : /success|ok|allow|log.?(in|on|out|off)/i.test(outcome)
      ? StatusId.Success
      : StatusId.Unknown;
  const label =
    status === StatusId.Failure ? 'failed' : status === StatusId.Success ? 'succeeded' : 'with unknown outcome';
  const event = head(
    r,
    'Authentication',
    logoff ? 2 : 1,
    status,
    `Silo ${logoff ? 'logoff' : 'logon'} by ${who(r)} ${label}`,
    base,
  );
  const protocol = AUTH_PROTOCOL.find(([re]) => re.test(r.auth_type ?? ''));
  Object.assign(
    event,
    compact({
      user: user(r) ?? { name: UNKNOWN },
      auth_protocol_id: r.auth_type ? (protocol?.[1] ?? 99) : undefined,
      auth_protocol: protocol?.[2] ?? (r.auth_type || undefined),
      status_detail: r.reason ?? undefined,
      service: { name: 'Silo' },
      session: r.session_id ? { uid: r.session_id } : undefined,
      src_endpoint: ipEndpoint(r.client_ip),
    }),
  );
  event.unmapped = rest(r, [
    'username',
    'user_id',
    'action',
    'auth_type',
    'reason',
    'session_id',
    ...(ipEndpoint(r.client_ip) ? ['client_ip'] : []),
  ]);
  return event;
}

/**
 * ADMIN_AUDIT → Account Change 3001 when `audit_type` names a change to a user account (create,
 * enable, disable, delete, lock, password): the admin (`username`) is the actor and `target` the
 * user (an unknown one when the log names none). Any other admin change (policies, groups, org
 * settings) → API Activity 6003, operation `audit_type`, with `before`/`after` on the changed
 * resource. Field names beyond `audit_type` are UNCONFIRMED (vendor-notes §2.3).
 */
function adminAudit(r: AdminAuditRecord, base: NormalizeBase): Event {
  const what = r.audit_type || 'admin change';
  const onAccount = /user|account|member/i.test(what) || /user|account/i.test(r.target_type ?? '');
  const accountActivity = onAccount ? ACCOUNT_ACTIVITY.find(([re]) => re.test(what))?.[1] : undefined;
  const target = r.target || undefined;
  const src = ipEndpoint(r.client_ip);
  const used = [
    'username',
    'user_id',
    'session_id',
    'audit_type',
    'target',
    'target_type',
    ...(src ? ['client_ip'] : []),
  ];
  let event: Event;
  if (accountActivity !== undefined) {
    event = head(
      r,
      'AccountChange',
      accountActivity,
      StatusId.Success,
      `${what}: ${target ?? 'an account'} by ${who(r)}`,
      base,
    );
    event.user = compact({ name: target ?? UNKNOWN, email_addr: emailOf(target) });
    Object.assign(event, compact({ actor: user(r) || r.session_id ? actorOf(r) : undefined, src_endpoint: src }));
    event.unmapped = rest(r, used);
    return event;
  }
  const activity = /create|add/i.test(what)
    ? ApiActivityId.Create
    : /delete|remove/i.test(what)
      ? ApiActivityId.Delete
      : /update|change|edit|set|modif/i.test(what)
        ? ApiActivityId.Update
        : /view|read|export|list/i.test(what)
          ? ApiActivityId.Read
          : ApiActivityId.Other;
  event = head(
    r,
    'ApiActivity',
    activity,
    StatusId.Success,
    `${what}${target ? ` on ${target}` : ''} by ${who(r)}`,
    base,
    { activityName: what },
  );
  event.api = { operation: what, service: { name: 'Silo Admin Console' } };
  event.actor = actorOf(r);
  event.src_endpoint = requiredEndpoint(src);
  // A resource needs a name: without a target, before and after stay in unmapped.
  const changed = r.before !== undefined || r.after !== undefined ? { before: r.before, after: r.after } : undefined;
  if (target) event.resources = [compact({ name: target, type: r.target_type ?? undefined, data: changed })];
  event.unmapped = rest(r, target ? [...used, 'before', 'after'] : used);
  return event;
}

/**
 * ENC → OCSF Base Event (class 0, Uncategorized), activity and status Unknown. The record is the
 * customer-encrypted envelope of another log (vendor-notes §2.4); only the customer's private key
 * can read it, so it is archived as it is (raw_data) and marked: label `encrypted`, the key name and
 * scheme in unmapped. Nothing in it says who did what from where, which every other class requires.
 */
function encrypted(r: EncRecord, base: NormalizeBase): Event {
  const scheme = r.encryption_type || 'unspecified';
  const message = `Encrypted Silo log (key "${r.key_name}", ${scheme} encryption); readable only with the customer's private key`;
  const event = head({ ...r, type: r.type ?? 'ENC' }, 'BaseEvent', 0, StatusId.Unknown, message, base);
  event.metadata.labels = ['encrypted'];
  event.unmapped = {
    encrypted: true,
    key_name: r.key_name,
    encryption_type: r.encryption_type ?? undefined,
    ...rest(r, ['enc', 'key_name', 'encryption_type']),
  };
  return event;
}

/**
 * Every other type (SESSION, PRINT, CLIPBOARD, ...) → API Activity 6003, Other: the Silo type is the activity and the
 * operation.
 */
function other(r: OtherRecord, base: NormalizeBase): Event {
  const type = r.type || UNKNOWN;
  const event = head(
    r,
    'ApiActivity',
    ApiActivityId.Other,
    StatusId.Unknown,
    `Silo ${type} event for ${who(r)}`,
    base,
    { activityName: type },
  );
  const src = ipEndpoint(r.client_ip);
  event.api = { operation: type, service: { name: 'Silo' } };
  event.actor = actorOf(r);
  event.src_endpoint = requiredEndpoint(src);
  const resources = [
    r.filename ? { name: r.filename, type: 'file' } : undefined,
    r.url ? { name: r.url, type: 'url' } : undefined,
  ].filter((x) => x !== undefined);
  if (resources.length) event.resources = resources;
  event.unmapped = rest(r, ['username', 'user_id', 'session_id', 'filename', 'url', ...(src ? ['client_ip'] : [])]);
  return event;
}

/** Maps one validated Authentic8 record to OCSF by its log type. */
export function normalizeAuthentic8(record: Authentic8Record, base: NormalizeBase): OcsfEvent {
  const kind = logKind(record);
  const type = (record as { type?: string }).type;
  const event =
    kind === 'URL' || kind === 'BLOCKED URL'
      ? web(record as never, base)
      : kind === 'AUTH'
        ? auth(record as AuthRecord, base)
        : kind === 'ADMIN_AUDIT'
          ? adminAudit(record as AdminAuditRecord, base)
          : kind === 'ENC'
            ? encrypted(record as EncRecord, base)
            : type === 'DOWNLOAD' || type === 'UPLOAD'
              ? fileHosting(record as OtherRecord, base)
              : type === 'EXPLOIT'
                ? exploit(record as OtherRecord, base)
                : other(record as OtherRecord, base);
  if (event.unmapped && Object.keys(event.unmapped).length === 0) delete event.unmapped;
  return event;
}
