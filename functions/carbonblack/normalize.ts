/**
 * Carbon Black Cloud audit log → OCSF (DESIGN.md 4.4). Log-ins and log-outs become Authentication
 * (3002); everything else API Activity (6003), the activity guessed from the description's verb
 * (the record has no action field, vendor-notes §5.2). `flagged` marks events Carbon Black holds
 * noteworthy; Elastic's pipeline maps it to outcome "failure" (§5.6), so it sets status Failure
 * and raises the severity.
 */
import { isIP } from 'node:net';
import { ApiActivityId, SeverityId, StatusId, compact, eventHead, type OcsfEvent, type OcsfMetadata, type OcsfUser } from '../../shared/ocsf.ts';
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

/** OCSF user with its organization (`user.org`, the org key). */
type CbUser = OcsfUser & { org?: { uid: string } };

/** `actor` is a user's login (an e-mail) or an API key id (vendor-notes §5.2). */
function userOf(record: CbRecord): CbUser | undefined {
  const actor = record.actor ?? undefined;
  if (!actor) return undefined;
  const org = record.org_key ? { org: { uid: record.org_key } } : {};
  if (actor.includes('@')) return { name: actor, email_addr: actor, ...org };
  return { name: actor, credential_uid: actor, ...org };
}

function statusOf(record: CbRecord): { statusId: number; severityId: number; detail?: string } {
  if (record.flagged) return { statusId: StatusId.Failure, severityId: SeverityId.Medium, detail: 'flagged by Carbon Black Cloud' };
  if (FAILED.test(record.description)) return { statusId: StatusId.Failure, severityId: SeverityId.Low };
  return { statusId: StatusId.Success, severityId: SeverityId.Informational };
}

/** Maps one validated Carbon Black audit log to OCSF Authentication or API Activity. */
export function normalizeCarbonBlack(record: CbRecord, base: NormalizeBase): OcsfEvent {
  const auth = authActivityOf(record.description);
  const status = statusOf(record);
  const event = eventHead(
    {
      cls: auth === undefined ? 'ApiActivity' : 'Authentication',
      activityId: auth ?? apiActivityOf(record.description),
      time: Date.parse(record.create_time),
      originalTime: record.create_time,
      message: record.description,
      statusId: status.statusId,
      severityId: status.severityId,
    },
    base,
    CB_PRODUCT,
  );
  // OCSF 1.1 metadata.tenant_uid: the org the log belongs to.
  const metadata: OcsfMetadata & { tenant_uid?: string } = { ...event.metadata, ...(record.org_key ? { tenant_uid: record.org_key } : {}) };
  event.metadata = metadata;
  event.status = status.statusId === StatusId.Success ? 'Success' : 'Failure';
  if (status.detail) event.status_detail = status.detail;
  const user = userOf(record);
  const ip = record.actor_ip && isIP(record.actor_ip) ? record.actor_ip : undefined;
  event.src_endpoint = compact({ ip });
  if (user) event.actor = { user };
  if (auth !== undefined) {
    // Authentication requires `user`: the account that logged in (or an unknown one), and a
    // `service` or `dst_endpoint`: the console the user logged in to.
    event.user = user ?? { name: 'unknown' };
    Object.assign(event, { service: { name: CB_PRODUCT.name } });
  } else {
    event.api = { operation: record.description || 'unknown' };
  }
  if (record.request_url) event.http_request = { url: { url_string: record.request_url } };
  const unmapped = compact({
    verbose: record.verbose ?? undefined,
    flagged: record.flagged ?? undefined,
    actor_ip: record.actor_ip && !ip ? record.actor_ip : undefined,
  });
  if (Object.keys(unmapped).length) event.unmapped = unmapped;
  return event;
}
