/**
 * Nected audit record → OCSF API Activity (6003). Nected audits edits of its entities (rule sets,
 * decision tables, datasets, connectors...) and their executions (console tests, API calls, cron,
 * webhooks): the entity is the resource, the audit `event` the API operation (vendor-docs example).
 * Role changes ("Role Update", "Role Revoke") stay API Activity Update on the member: User Access
 * Management (3005) requires the privileges granted or revoked, which a Nected record never names.
 * Mapping table: README.md.
 */
import { ApiActivityId, StatusId } from '../../shared/ocsf-classes.ts';
import { UNKNOWN, compact, int32, ipEndpoint, nonEmpty, requiredEndpoint } from '../../shared/ocsf-fields.ts';
import { eventHead, severityOf, type OcsfEvent } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import type { NectedRecord } from './schemas.ts';

export const NECTED_PRODUCT = { vendorName: 'Nected', name: 'Nected' } as const;

/** OCSF resource_details fields Nected fills; `namespace` separates the staging and production copies of one entity. */
interface NectedResource {
  uid?: string;
  name?: string;
  type?: string;
  namespace?: string;
  version?: string;
}

/**
 * Edits map to Create/Update/Delete; role changes are updates of a member. Executions ("Test Via
 * Console", "Call Via API", cron, webhook) are none of those: Other, named by the event. Event
 * names beyond the doc's "Update", "Test Via Console" and "Call Via API" are UNCONFIRMED (vendor-notes §4.3).
 */
export function activityOf(event: string | null | undefined): number {
  const name = (event ?? '').trim().toLowerCase();
  if (!name) return ApiActivityId.Unknown;
  if (/^(create|add|clone|import|duplicate)\b/.test(name)) return ApiActivityId.Create;
  if (/^(update|edit|publish|rename|role|revoke|enable|disable|restore)\b/.test(name)) return ApiActivityId.Update;
  if (/^(delete|remove|archive)\b/.test(name)) return ApiActivityId.Delete;
  if (/^(get|view|read|list|export)\b/.test(name)) return ApiActivityId.Read;
  return ApiActivityId.Other;
}

/**
 * `Success`/`Completed` and `Error`/`Failed` are the doc's status filter values (vendor-notes §4.1); any other status
 * is Other.
 */
export function statusOf(status: string | null | undefined): number {
  const value = (status ?? '').trim().toLowerCase();
  if (value === 'success' || value === 'completed') return StatusId.Success;
  if (value === 'error' || value === 'failed') return StatusId.Failure;
  return value ? StatusId.Other : StatusId.Unknown;
}

/** Maps one validated Nected record to OCSF API Activity. */
export function normalizeNected(record: NectedRecord, base: NormalizeBase): OcsfEvent {
  const statusId = statusOf(record.status);
  const failed = statusId === StatusId.Failure;
  const activityId = activityOf(record.event);
  const what = [
    record.event || 'Event',
    record.type,
    record.name ? `"${record.name}"` : '',
    record.environment ? `(${record.environment})` : '',
    record.user ? `by ${record.user}` : '',
  ];
  const event = eventHead(
    {
      cls: 'ApiActivity',
      activityId,
      ...(record.event ? { activityName: record.event } : {}),
      time: Date.parse(record.date),
      originalTime: record.date,
      message: `${what.filter(Boolean).join(' ')}: ${record.status || 'Unknown'}${record.message ? `: ${record.message}` : ''}`,
      statusId,
      ...(record.status ? { statusName: record.status } : {}),
      severityId: severityOf({ failed }),
      vendorUid: record.logId,
    },
    base,
    NECTED_PRODUCT,
  );
  if (failed && record.message) event.status_detail = record.message;
  // Nected leaves `user` empty for executions started by an API key, a webhook or a schedule
  // (vendor-docs example); OCSF's actor needs one of user/process/session/invoked_by, and the audit
  // `event` ("Call Via API", "Via Cron") is the vendor's own name for what started the execution.
  event.actor = record.user ? { user: { name: record.user } } : { invoked_by: record.event || UNKNOWN };
  event.api = {
    operation: record.event || UNKNOWN,
    ...compact({
      request: record.traceId ? { uid: record.traceId } : undefined,
      response: failed
        ? nonEmpty(compact({ error: record.status ?? undefined, error_message: record.message || undefined }))
        : undefined,
    }),
  };
  event.src_endpoint = requiredEndpoint(ipEndpoint(record.ip));
  const resource: NectedResource = compact({
    uid: record.entityId || undefined,
    name: record.name || undefined,
    type: record.type || undefined,
    namespace: record.environment || undefined,
    version: record.version || undefined,
  });
  // resource_details needs a name or a uid.
  if (resource.uid || resource.name) event.resources = [resource];
  if (record.workspaceId) event.metadata.tenant_uid = record.workspaceId;
  // statusTimeMs is how long the step ran (ms): OCSF's duration, where it is an integer_t.
  const duration = int32(record.statusTimeMs);
  if (duration !== undefined && duration >= 0) Object.assign(event, { duration });
  const rootNode = record.rootNode && (record.rootNode.id || record.rootNode.logId) ? record.rootNode : undefined;
  const unmapped = compact({
    executionId: record.executionId || undefined,
    statusTimeMs: duration === undefined || duration < 0 ? (record.statusTimeMs ?? undefined) : undefined,
    rootNode,
    input: record['input'] ?? undefined,
    output: record['output'] ?? undefined,
    path: record['path'] ?? undefined,
    // A resource needs a name or uid: the entity's type or version alone stays here.
    ...(event.resources ? {} : { type: resource.type, environment: resource.namespace, version: resource.version }),
  });
  if (Object.keys(unmapped).length > 0) event.unmapped = unmapped;
  return event;
}
