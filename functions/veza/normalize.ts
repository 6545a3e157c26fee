/**
 * Veza audit event → OCSF API Activity (6003). Veza audits its own API calls: the actor is the
 * user or API key behind the call, the API operation is the gRPC method path, the outcome its gRPC
 * status, named (`PERMISSION_DENIED`), in `status_code`. Mapping table: README.md.
 */
import { ApiActivityId, StatusId } from '../../shared/ocsf-classes.ts';
import { UNKNOWN, compact, emailOf, int32, ipEndpoint, nonEmpty, requiredEndpoint } from '../../shared/ocsf-fields.ts';
import { eventHead, severityOf, type OcsfEvent, type OcsfUser } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import type { VezaNewRecord, VezaOldRecord, VezaRecord } from './schemas.ts';

export const VEZA_PRODUCT = { vendorName: 'Veza', name: 'Veza Access Control Platform' } as const;

/**
 * gRPC status code names by number (grpc/grpc doc/statuscodes.md); `result.code` is most likely one (vendor-notes
 * §3.3).
 */
export const GRPC_CODES: readonly string[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];
/** Outcomes where Veza's access control refused the caller: severity Medium (docs/vendors/README.md). */
const DENIED = new Set(['PERMISSION_DENIED', 'UNAUTHENTICATED']);

/**
 * Veza's endpoint is a gRPC path (`/api_protos.v1.APIKeyService/CreateAPIKey`): the verb in its method name is the best
 * activity signal; the HTTP method is the fallback (grpc-gateway maps most calls to POST).
 */
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

/** Both record shapes, read into one. */
interface Common {
  id: string;
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
  /** The gRPC status name; undefined when the record has none. */
  grpc?: string | undefined;
  http?: number | undefined;
  error?: string | undefined;
  /** A numeric `error_reason`, whose enum is UNCONFIRMED (vendor-notes §3.3): kept as it is. */
  reasonNumber?: number | undefined;
  request?: unknown;
  response?: unknown;
}

function fromNew(r: VezaNewRecord): Common {
  const i = r.intent;
  const code = r.result?.code;
  const reason = r.result?.error_reason;
  return {
    id: r.id,
    time: r.timestamp,
    userId: i?.user_id,
    sessionId: i?.session_id,
    apiKeyId: i?.api_key_id,
    endpoint: i?.endpoint,
    method: i?.method,
    url: i?.url,
    ip: i?.client?.ip_address,
    userAgent: i?.client?.user_agent,
    requestUid: i?.trace_id,
    grpc: code === undefined ? undefined : (GRPC_CODES[code] ?? `CODE_${code}`),
    error: typeof reason === 'string' && reason !== 'OK' ? reason : undefined,
    reasonNumber: typeof reason === 'number' && reason !== 0 ? reason : undefined,
    request: (i as { request?: unknown } | undefined)?.request,
    response: (r.result as { response?: unknown } | undefined)?.response,
  };
}

function fromOld(r: VezaOldRecord): Common {
  const loose = r as VezaOldRecord & { request?: unknown; response?: unknown };
  return {
    id: r.request_id,
    time: r.ended_at,
    userId: r.identity?.user_id,
    email: r.identity?.email,
    sessionId: r.identity?.session_id,
    apiKeyId: r.identity?.api_key_id,
    endpoint: r.endpoint,
    method: r.method,
    url: r.url,
    ip: r.client?.ip,
    userAgent: r.client?.user_agent,
    requestUid: r.request_id,
    grpc: r.status?.grpc_code || undefined,
    http: r.status?.http_status,
    error: r.status?.error_reason && r.status.error_reason !== 'OK' ? r.status.error_reason : undefined,
    request: loose.request,
    response: loose.response,
  };
}

/**
 * The caller: user id, e-mail, API key; an API-key call names no user, so its user is unknown (OCSF's user needs a name
 * or uid).
 */
function actorOf(c: Common): NonNullable<OcsfEvent['actor']> {
  const user: OcsfUser = compact({
    uid: c.userId || undefined,
    name: c.email || undefined,
    email_addr: emailOf(c.email),
    credential_uid: c.apiKeyId || undefined,
  });
  if (!user.uid && !user.name && (user.credential_uid || !c.sessionId)) user.name = UNKNOWN;
  return compact({ user: nonEmpty(user), session: c.sessionId ? { uid: c.sessionId } : undefined });
}

/** The request path and query; Veza's `url` is the route (`/api/preview/keys?page_size=100`), not an absolute URL. */
function urlOf(url: string | undefined): { path: string; query_string?: string } | undefined {
  if (!url) return undefined;
  const q = url.indexOf('?');
  return q < 0
    ? { path: url }
    : (compact({ path: url.slice(0, q) || '/', query_string: url.slice(q + 1) }) as { path: string });
}

const excerpt = (value: unknown): unknown =>
  value !== null && typeof value === 'object' && Object.keys(value).length ? value : undefined;

/** Maps one validated Veza record (either shape) to OCSF API Activity. */
export function normalizeVeza(record: VezaRecord, base: NormalizeBase): OcsfEvent {
  const c =
    'id' in record && 'timestamp' in record ? fromNew(record as VezaNewRecord) : fromOld(record as VezaOldRecord);
  const who = c.email || c.userId || (c.apiKeyId ? `api key ${c.apiKeyId}` : 'unknown caller');
  const ok = c.grpc === undefined ? undefined : c.grpc === 'OK';
  const status = ok === undefined ? 'Unknown' : ok ? 'Success' : 'Failure';
  const activityId = activityOf(c.endpoint, c.method);
  const event = eventHead(
    {
      cls: 'ApiActivity',
      activityId,
      ...(activityId === ApiActivityId.Other
        ? { activityName: c.endpoint?.split('/').pop() || c.method || UNKNOWN }
        : {}),
      time: Date.parse(c.time),
      originalTime: c.time,
      message: `${c.method ?? ''} ${c.url || c.endpoint || ''} by ${who}: ${c.grpc && !ok ? c.grpc : status}`.trim(),
      statusId: ok === undefined ? StatusId.Unknown : ok ? StatusId.Success : StatusId.Failure,
      severityId: severityOf({ failed: ok === false, denied: DENIED.has(c.grpc ?? '') }),
      vendorUid: c.id,
    },
    base,
    VEZA_PRODUCT,
  );
  if (c.grpc) event.status_code = c.grpc;
  if (c.error) event.status_detail = c.error;
  event.actor = actorOf(c);
  event.api = {
    operation: c.endpoint || c.url || UNKNOWN,
    ...compact({
      service: serviceOf(c.endpoint) ? { name: serviceOf(c.endpoint) as string } : undefined,
      // OCSF's request needs its uid: without one, the request excerpt stays in unmapped.
      request: c.requestUid ? compact({ uid: c.requestUid, data: excerpt(c.request) }) : undefined,
      response: nonEmpty(compact({ code: int32(c.http), error: c.error, data: excerpt(c.response) })),
    }),
  };
  event.src_endpoint = requiredEndpoint(ipEndpoint(c.ip));
  const request = compact({
    http_method: c.method || undefined,
    url: urlOf(c.url),
    user_agent: c.userAgent || undefined,
  });
  if (Object.keys(request).length) event.http_request = request;
  const unmapped = compact({
    error_reason: c.reasonNumber,
    client_ip: c.ip && !ipEndpoint(c.ip) ? c.ip : undefined,
    request: c.requestUid ? undefined : excerpt(c.request),
  });
  if (Object.keys(unmapped).length) event.unmapped = unmapped;
  return event;
}
