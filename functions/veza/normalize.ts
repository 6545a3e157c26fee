/**
 * Veza audit event → OCSF API Activity (6003). Veza audits its own API calls: the actor is the
 * user or API key behind the call, the API operation is the gRPC method path.
 */
import { ApiActivityId, StatusId, compact, eventHead, type OcsfEvent } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import type { VezaNewRecord, VezaOldRecord, VezaRecord } from './schemas.ts';

export const VEZA_PRODUCT = { vendorName: 'Veza', name: 'Veza Access Control Platform' } as const;

/** Veza's endpoint is a gRPC path (`/api_protos.v1.APIKeyService/CreateAPIKey`): the verb in its method name is the best activity signal; the HTTP method is the fallback (grpc-gateway maps most calls to POST). */
export function activityOf(endpoint: string | undefined, httpMethod: string | undefined): number {
  const name = endpoint?.split('/').pop() ?? '';
  if (/^(Create|Add|Register|Import|Generate)/.test(name)) return ApiActivityId.Create;
  if (/^(Get|List|Query|Search|Describe|Export|Read|Count|Check)/.test(name)) return ApiActivityId.Read;
  if (/^(Update|Set|Patch|Modify|Enable|Disable|Rotate|Replace)/.test(name)) return ApiActivityId.Update;
  if (/^(Delete|Remove|Revoke|Purge)/.test(name)) return ApiActivityId.Delete;
  switch (httpMethod?.toUpperCase()) {
    case 'GET':
      return ApiActivityId.Read;
    case 'PUT':
    case 'PATCH':
      return ApiActivityId.Update;
    case 'DELETE':
      return ApiActivityId.Delete;
    case 'POST':
      return ApiActivityId.Create;
    default:
      return endpoint || httpMethod ? ApiActivityId.Other : ApiActivityId.Unknown;
  }
}

/** `api_protos.v1.APIKeyService` from `/api_protos.v1.APIKeyService/CreateAPIKey`. */
function serviceOf(endpoint: string | undefined): string | undefined {
  const parts = endpoint?.split('/').filter(Boolean);
  return parts && parts.length > 1 ? parts[0] : undefined;
}

interface Common {
  time: string;
  userId?: string | undefined;
  email?: string | undefined;
  sessionId?: string | undefined;
  apiKeyId?: string | undefined;
  endpoint?: string | undefined;
  method?: string | undefined;
  url?: string | undefined;
  ip?: string | undefined;
  userAgent?: string | undefined;
  requestUid?: string | undefined;
  ok: boolean | undefined;
  code?: number | undefined;
  error?: string | undefined;
}

function fromNew(r: VezaNewRecord): Common {
  const i = r.intent;
  // result.code is most likely a gRPC status code (0 = OK): UNCONFIRMED (vendor-notes §3.3).
  const code = r.result?.code;
  const reason = r.result?.error_reason;
  return {
    time: r.timestamp,
    userId: i?.user_id, sessionId: i?.session_id, apiKeyId: i?.api_key_id, endpoint: i?.endpoint, method: i?.method, url: i?.url,
    ip: i?.client?.ip_address, userAgent: i?.client?.user_agent, requestUid: i?.trace_id,
    ok: code === undefined ? undefined : code === 0,
    code,
    error: reason === undefined || reason === 0 || reason === 'OK' ? undefined : String(reason),
  };
}

function fromOld(r: VezaOldRecord): Common {
  const grpc = r.status?.grpc_code;
  return {
    time: r.ended_at,
    userId: r.identity?.user_id, email: r.identity?.email, sessionId: r.identity?.session_id, apiKeyId: r.identity?.api_key_id,
    endpoint: r.endpoint, method: r.method, url: r.url, ip: r.client?.ip, userAgent: r.client?.user_agent, requestUid: r.request_id,
    ok: grpc === undefined ? undefined : grpc === 'OK',
    code: r.status?.http_status,
    error: r.status?.error_reason && r.status.error_reason !== 'OK' ? r.status.error_reason : undefined,
  };
}

/** Maps one validated Veza record (either shape) to OCSF API Activity. */
export function normalizeVeza(record: VezaRecord, base: NormalizeBase): OcsfEvent {
  const c = 'id' in record && 'timestamp' in record ? fromNew(record as VezaNewRecord) : fromOld(record as VezaOldRecord);
  const who = c.email || c.userId || (c.apiKeyId ? `api key ${c.apiKeyId}` : 'unknown caller');
  const status = c.ok === undefined ? 'Unknown' : c.ok ? 'Success' : 'Failure';
  const event = eventHead(
    {
      cls: 'ApiActivity',
      activityId: activityOf(c.endpoint, c.method),
      time: Date.parse(c.time),
      originalTime: c.time,
      message: `${c.method ?? ''} ${c.url ?? c.endpoint ?? ''} by ${who}: ${status}`.trim(),
      statusId: c.ok === undefined ? StatusId.Unknown : c.ok ? StatusId.Success : StatusId.Failure,
    },
    base,
    VEZA_PRODUCT,
  );
  event.status = status;
  if (c.error) event.status_detail = c.error;
  if (c.code !== undefined) event.status_code = String(c.code);
  event.actor = compact({
    user: compact({ uid: c.userId || undefined, email_addr: c.email || undefined, credential_uid: c.apiKeyId || undefined }),
    session: c.sessionId ? { uid: c.sessionId } : undefined,
  });
  event.api = {
    operation: c.endpoint ?? c.url ?? 'unknown',
    ...compact({
    service: serviceOf(c.endpoint) ? { name: serviceOf(c.endpoint) as string } : undefined,
    request: c.requestUid ? { uid: c.requestUid } : undefined,
    response: c.code !== undefined || c.error ? compact({ code: c.code, error: c.error }) : undefined,
    }),
  };
  event.src_endpoint = compact({ ip: c.ip || undefined });
  event.http_request = compact({
    http_method: c.method || undefined,
    url: c.url ? { path: c.url, url_string: c.url } : undefined,
    user_agent: c.userAgent || undefined,
  });
  return event;
}
