/**
 * Carbon Black Cloud audit log → OCSF (DESIGN.md 4.4). Log-ins and log-outs become Authentication
 * (3002); everything else API Activity (6003), the activity guessed from the description's verb
 * (the record has no action field, vendor-notes §5.2). The outcome, read from the description,
 * decides the status; `flagged` (events Carbon Black holds noteworthy, "Created API key" included)
 * only raises the severity. Records have no id, so `metadata.correlation_uid` stays unset.
 * Mapping table: README.md.
 */
import { ApiActivityId, StatusId } from '../../shared/ocsf-classes.ts';
import { UNKNOWN, compact, emailOf, ipEndpoint, requiredEndpoint } from '../../shared/ocsf-fields.ts';
import { eventHead, severityOf, type OcsfEvent, type OcsfUser } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import type { CbRecord } from './schemas.ts';

export const CB_PRODUCT = { vendorName: 'VMware Carbon Black', name: 'Carbon Black Cloud' } as const;

/** OCSF Authentication activity ids. */
const AuthActivityId = { Logon: 1, Logoff: 2 } as const;

const LOGOFF = /\blog(?:ged|ging)?[ -]?(?:out|off)\b|\bsign(?:ed)?[ -]?out\b/i;
const LOGON = /\blog(?:ged|ging)?[ -]?(?:in|on)\b|\blogin\b|\bsign(?:ed)?[ -]?in\b/i;
const FAILED = /\b(?:fail|failed|failure|denied|invalid|unauthori[sz]ed|locked|incorrect)\b/i;
// Checked in this order: "Removed role added by ..." is a delete.
const VERBS: ReadonlyArray<readonly [RegExp, number]> = [
  [/\b(?:delet|remov|revok|purg|uninstall)/i, ApiActivityId.Delete],
  [/\b(?:creat|add(?:ed)?\b|generat|register|install|new\b)/i, ApiActivityId.Create],
  [/\b(?:updat|chang|modif|edit|enabl|disabl|assign|renam|reset|rotat|set\b|move)/i, ApiActivityId.Update],
  [/\b(?:view|get\b|list|download|export|search|read\b|retriev|access)/i, ApiActivityId.Read],
];

/** API Activity id from the description's verb; Other when none is recognised. */
export function apiActivityOf(description: string): number {
  return VERBS.find(([pattern]) => pattern.test(description))?.[1] ?? ApiActivityId.Other;
}

/** Authentication activity for a log-in/log-out description, undefined for anything else. */
export function authActivityOf(description: string): number | undefined {
  if (LOGOFF.test(description)) return AuthActivityId.Logoff;
  if (LOGON.test(description)) return AuthActivityId.Logon;
  return undefined;
}

/**
 * The operation a description names, without what makes every description unique: quoted names,
 * parenthesised details, e-mails, URLs, numbers and ids (`Updated policy "Standard 3" (id 123456)`
 * → `Updated policy`), so `api.operation` groups like events. The full text stays in `message`.
 */
export function operationOf(description: string): string {
  const words = description
    .replace(/"[^"]*"|“[^”]*”/g, ' ')
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\b\S+@\S+|\bhttps?:\/\/\S+/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !/\d/.test(w) && !/^[A-Z0-9_-]{8,}$/.test(w));
  return words.join(' ').replace(/[\s:;,.-]+$/, '') || UNKNOWN;
}

/** OCSF user with its organization (`user.org`, the org key). */
type CbUser = OcsfUser & { org?: { uid: string } };

/** `actor` is a user's login (an e-mail) or an API key id (vendor-notes §5.2). */
function userOf(record: CbRecord): CbUser | undefined {
  const actor = record.actor || undefined;
  if (!actor) return undefined;
  const org = record.org_key ? { org: { uid: record.org_key } } : {};
  const email = emailOf(actor);
  if (email) return { name: actor, email_addr: email, ...org };
  // A login that is no well-formed e-mail is still a login, not an API key.
  return actor.includes('@') ? { name: actor, ...org } : { name: actor, credential_uid: actor, ...org };
}

/** The request URL, split into the parts OCSF's url has; the text alone when it does not parse. */
function urlOf(text: string): Record<string, unknown> {
  try {
    const url = new URL(text);
    return compact({
      url_string: text,
      hostname: url.hostname,
      path: url.pathname,
      query_string: url.search.slice(1),
      scheme: url.protocol.replace(/:$/, ''),
    });
  } catch {
    return { url_string: text };
  }
}

/** Maps one validated Carbon Black audit log to OCSF Authentication or API Activity. */
export function normalizeCarbonBlack(record: CbRecord, base: NormalizeBase): OcsfEvent {
  const auth = authActivityOf(record.description);
  const failed = FAILED.test(record.description);
  const activityId = auth ?? apiActivityOf(record.description);
  const event = eventHead(
    {
      cls: auth === undefined ? 'ApiActivity' : 'Authentication',
      activityId,
      ...(activityId === ApiActivityId.Other ? { activityName: operationOf(record.description) } : {}),
      time: Date.parse(record.create_time),
      originalTime: record.create_time,
      message: record.description,
      statusId: failed ? StatusId.Failure : StatusId.Success,
      severityId: severityOf({ failed, flagged: record.flagged === true }),
    },
    base,
    CB_PRODUCT,
  );
  // OCSF 1.1 metadata.tenant_uid: the org the log belongs to.
  if (record.org_key) event.metadata.tenant_uid = record.org_key;
  const user = userOf(record);
  const source = ipEndpoint(record.actor_ip);
  if (auth !== undefined) {
    // Authentication requires `user`: the account that logged in (or an unknown one), and a
    // `service` or `dst_endpoint`: the console the user logged in to.
    event.user = user ?? { name: UNKNOWN };
    if (user) event.actor = { user };
    if (source) event.src_endpoint = source;
    Object.assign(event, { service: { name: CB_PRODUCT.name } });
  } else {
    event.actor = { user: user ?? { name: UNKNOWN } };
    event.src_endpoint = requiredEndpoint(source);
    event.api = { operation: operationOf(record.description) };
  }
  if (record.request_url) event.http_request = { url: urlOf(record.request_url) };
  const unmapped = compact({
    verbose: record.verbose ?? undefined,
    flagged: record.flagged ?? undefined,
    actor_ip: record.actor_ip && !source ? record.actor_ip : undefined,
  });
  if (Object.keys(unmapped).length) event.unmapped = unmapped;
  return event;
}
