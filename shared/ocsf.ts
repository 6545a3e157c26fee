/**
 * OCSF 1.1 types and helpers (DESIGN.md 4.4). Only the classes audit-pump emits are typed
 * (shared/ocsf-classes.ts); the schema data in shared/ocsf-1.1.0 is the reference and the validator
 * checks against it. The mapping rules every vendor shares (severity policy, the vendor's own record
 * id, what an event says where OCSF requires something the record lacks) live here and in
 * docs/vendors/README.md.
 */
import { hash } from 'node:crypto';
import type { NormalizeBase } from './connector.ts';
import {
  CATEGORY_NAMES,
  OcsfClass,
  SEVERITY_NAMES,
  SeverityId,
  type OcsfClassName,
  statusCaption,
} from './ocsf-classes.ts';

export { ApiActivityId, CATEGORY_NAMES, OcsfClass, SeverityId, StatusId, type OcsfClassName } from './ocsf-classes.ts';
export { UNKNOWN, compact, emailOf, int32, ipEndpoint, nonEmpty, requiredEndpoint } from './ocsf-fields.ts';

export const OCSF_VERSION = '1.1.0';

export interface OcsfUser {
  uid?: string;
  name?: string;
  email_addr?: string;
  type_id?: number;
  type?: string;
  credential_uid?: string;
  org?: { uid?: string; name?: string };
}

export interface OcsfEndpoint {
  ip?: string;
  hostname?: string;
  name?: string;
  port?: number;
  svc_name?: string;
  location?: { city?: string; region?: string; desc?: string };
}

export interface OcsfMetadata {
  version: typeof OCSF_VERSION;
  uid: string;
  product: { vendor_name: string; name: string };
  /** The vendor id (`veza`, ...): the archive's `vendor` partition. */
  log_provider: string;
  /** The source id (`veza-main`, ...): every record carries its source. */
  log_name: string;
  /** The vendor's own id of the record (docs/vendors/README.md); absent where the vendor has none. */
  correlation_uid?: string;
  original_time?: string;
  logged_time?: number;
  processed_time?: number;
  event_code?: string;
  tenant_uid?: string;
  sequence?: number;
  labels?: string[];
  profiles?: string[];
}

/** One normalized event: the common part of the classes audit-pump emits. */
export interface OcsfEvent {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
  activity_id: number;
  activity_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  status_code?: string;
  status_detail?: string;
  time: number;
  message: string;
  metadata: OcsfMetadata;
  actor?: { user?: OcsfUser; session?: { uid?: string }; app_name?: string; invoked_by?: string };
  user?: OcsfUser;
  src_endpoint?: OcsfEndpoint;
  dst_endpoint?: OcsfEndpoint;
  api?: {
    operation: string;
    version?: string;
    service?: { name?: string };
    request?: { uid?: string; data?: unknown };
    response?: { code?: number; error?: string; error_message?: string; data?: unknown };
  };
  http_request?: {
    http_method?: string;
    url?: { url_string?: string; path?: string; hostname?: string; query_string?: string };
    user_agent?: string;
  };
  http_response?: { code: number };
  resources?: Array<{
    uid?: string;
    name?: string;
    type?: string;
    namespace?: string;
    version?: string;
    data?: unknown;
  }>;
  web_resources?: Array<{ uid?: string; name?: string; type?: string; url_string?: string }>;
  raw_data: string;
  unmapped?: Record<string, unknown>;
}

/** Deterministic event id: the same vendor record read again from the same source gets the same uid. */
export function eventUid(vendor: string, sourceId: string, nativeId: string): string {
  // One-shot hash: a third of createHash's cost, which counts at one call per event.
  return hash('sha256', `${vendor}\u0000${sourceId}\u0000${nativeId}`, 'hex').slice(0, 32);
}

/** Parses an RFC 3339 time (any precision) to epoch ms; NaN when it is not one. */
export function toEpochMs(value: string | number | undefined): number {
  if (typeof value === 'number') return value;
  if (value === undefined) return Number.NaN;
  return Date.parse(value);
}

export interface EventHead {
  cls: OcsfClassName;
  activityId: number;
  /** The vendor's own label of the activity: `activity_name` when `activityId` is 99 (Other). */
  activityName?: string;
  time: number;
  message: string;
  statusId: number;
  /** The vendor's own label of the outcome: `status` when `statusId` is 99 (Other). */
  statusName?: string;
  severityId?: number;
  originalTime?: string;
  loggedTime?: number;
  /** The vendor's own id of the record: `metadata.correlation_uid`. */
  vendorUid?: string | undefined;
}

/** The caption of an id, or the vendor's label where the id is 99 (Other). */
function caption(captions: Readonly<Record<number, string>>, id: number, own: string | undefined): string {
  return (id === 99 && own ? own : captions[id]) ?? own ?? 'Unknown';
}

/** The fields every event shares: class arithmetic with its captions, metadata, raw_data. */
export function eventHead(
  head: EventHead,
  base: NormalizeBase,
  product: { vendorName: string; name: string },
): OcsfEvent {
  const cls = OcsfClass[head.cls];
  const activities: Readonly<Record<number, string>> = cls.activities;
  const metadata: OcsfMetadata = {
    version: OCSF_VERSION,
    uid: base.uid,
    product: { vendor_name: product.vendorName, name: product.name },
    log_provider: base.source.vendor,
    log_name: base.source.id,
    processed_time: base.receivedAt,
  };
  if (head.vendorUid) metadata.correlation_uid = head.vendorUid;
  if (head.originalTime !== undefined) metadata.original_time = head.originalTime;
  if (head.loggedTime !== undefined && Number.isFinite(head.loggedTime)) metadata.logged_time = head.loggedTime;
  const severityId = head.severityId ?? SeverityId.Informational;
  return {
    class_uid: cls.uid,
    class_name: cls.caption,
    category_uid: cls.category,
    category_name: CATEGORY_NAMES[cls.category] ?? String(cls.category),
    activity_id: head.activityId,
    activity_name: caption(activities, head.activityId, head.activityName),
    type_uid: cls.uid * 100 + head.activityId,
    type_name: `${cls.caption}: ${activities[head.activityId] ?? 'Unknown'}`,
    severity_id: severityId,
    severity: caption(SEVERITY_NAMES, severityId, undefined),
    status_id: head.statusId,
    status:
      head.statusId === 99 && head.statusName
        ? head.statusName
        : (statusCaption(head.cls, head.statusId) ?? head.statusName ?? 'Unknown'),
    time: head.time,
    message: head.message,
    metadata,
    raw_data: base.rawData,
  };
}

/** What raised an event's severity; see {@link severityOf}. */
export interface SeveritySignals {
  /** The action did not succeed (a failed log-in, a refused or failed call, a blocked request). */
  failed?: boolean;
  /** The vendor's access control refused the caller (permission denied, unauthenticated). */
  denied?: boolean;
  /** The vendor itself marked the event as noteworthy (Carbon Black `flagged`). */
  flagged?: boolean;
  /** A security detection: malware or an exploit was found. */
  detection?: boolean;
}

/**
 * The severity policy shared by every vendor (docs/vendors/README.md): detections High; access
 * denied and vendor-flagged events Medium; failures, failed log-ins included, Low; the rest
 * Informational. The highest signal wins.
 */
export function severityOf(signals: SeveritySignals): number {
  if (signals.detection) return SeverityId.High;
  if (signals.denied || signals.flagged) return SeverityId.Medium;
  if (signals.failed) return SeverityId.Low;
  return SeverityId.Informational;
}
