import { describe, expect, it } from '@jest/globals';
import { activityOf, normalizeVeza, VEZA_PRODUCT } from '../../../functions/veza/normalize.ts';
import { vezaRecord } from '../../../functions/veza/schemas.ts';
import { ApiActivityId, StatusId, eventUid } from '../../../shared/ocsf.ts';
import { createVezaLog } from '../../../functions/veza/emulator/data.ts';
import { parsedSource } from '../../helpers/vendor-source.ts';
import { runnerBases } from '../../helpers/vendor-normalize.ts';

const VEZA = runnerBases(
  parsedSource('veza-main', 'veza', 'https://acme.vezacloud.com', '2023-07-01T00:00:00Z'),
  Date.parse('2026-02-07T12:00:00Z'),
);

/** The "Audit events" sample of the Veza doc page, with its own indentation (vendor-notes §3.3, older shape). */
const DOC_SAMPLE_OLD = `{
    "identity": {
        "user_id": "aeaa34cf-e97f-4315-b185-249018cf191c",
        "session_id": "b0ba024d-0158-4c7e-a47f-bbe8f7b98806",
        "api_key_id": "",
        "email": "cookie@cookie.ai"
    },
    "status": {
        "grpc_code": "OK",
        "http_status": 200,
        "error_reason": "OK"
    },
    "client": {
        "ip": "10.42.1.1",
        "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/115.0.0.0 Safari/537.36"
    },
    "endpoint": "/api_protos.v1.APIKeyService/CreateAPIKey",
    "method": "POST",
    "url": "/api/preview/keys",
    "request_id": "1a98184880f9952551c53d836598b258",
    "request": {
        "name": "KeyName1"
    },
    "response": {
        "value": {
            "id": "fde4386f-3d85-4ef2-82d0-324dacb6e9ba",
            "name": "KeyName1",
            "team_id": "613df06e-9a40-4331-947c-5c327b54b228",
            "user_id": "aeaa34cf-e97f-4315-b185-249018cf191c"
        }
    },
    "started_at": "2023-07-26T08:23:17.134994459Z",
    "ended_at": "2023-07-26T08:23:17.151080751Z"
}`;

/** The OpenAPI example's shape (vendor-notes §3.3, current shape) with realistic values, as Go's encoder spaces it. */
const NEW_SHAPE_DELETE =
  `{"id": "5d0e2c1a-8f3b-4c6d-9e7f-0a1b2c3d4e5f", "timestamp": "2026-02-07T11:17:20.801234567Z", ` +
  `"intent": {"trace_id": "9c4f1e2d3b5a69788796a5b4c3d2e1f0", "user_id": "7b1e9c2a-1111-4222-8333-944455556666", "session_id": "", ` +
  `"api_key_id": "c0ffee00-aaaa-4bbb-8ccc-ddddeeeeffff", "endpoint": "/api_protos.v1.APIKeyService/DeleteAPIKey", "method": "DELETE", ` +
  `"url": "/api/preview/keys/fde4386f-3d85-4ef2-82d0-324dacb6e9ba", "client": {"ip_address": "203.0.113.7", "user_agent": "python-requests/2.31.0"}, ` +
  `"request": {"id": "fde4386f-3d85-4ef2-82d0-324dacb6e9ba"}, "delegate": ""}, "result": {"code": 0, "error_reason": 0, "response": {}}}`;

/** Validates `raw` as the runner does, then normalizes it. */
function normalize(raw: string, nativeId = 'native-id') {
  return normalizeVeza(vezaRecord.parse(JSON.parse(raw)), VEZA.of(raw, nativeId));
}

/** `raw` with `path` (a dotted path into the JSON) replaced by `value`. */
function edit(raw: string, path: string, value: unknown): string {
  const record = JSON.parse(raw) as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop() as string;
  const parent = keys.reduce<Record<string, unknown>>((node, k) => node[k] as Record<string, unknown>, record);
  parent[last] = value;
  return JSON.stringify(record);
}

/** The record of `raw` without its status (older shape). */
function withoutStatus(raw: string): string {
  const record = JSON.parse(raw) as Record<string, unknown>;
  delete record.status;
  return JSON.stringify(record);
}

describe('normalizeVeza: the doc sample (older shape: identity, status, ended_at)', () => {
  it('carries the gRPC endpoint as api.operation, its service, the request id and excerpts, the caller IP and the HTTP request', () => {
    // Act
    const event = normalize(DOC_SAMPLE_OLD);

    // Assess
    expect(event.api).toEqual({
      operation: '/api_protos.v1.APIKeyService/CreateAPIKey',
      service: { name: 'api_protos.v1.APIKeyService' },
      request: { uid: '1a98184880f9952551c53d836598b258', data: { name: 'KeyName1' } },
      response: {
        code: 200,
        data: {
          value: {
            id: 'fde4386f-3d85-4ef2-82d0-324dacb6e9ba',
            name: 'KeyName1',
            team_id: '613df06e-9a40-4331-947c-5c327b54b228',
            user_id: 'aeaa34cf-e97f-4315-b185-249018cf191c',
          },
        },
      },
    });
    expect(event.src_endpoint).toEqual({ ip: '10.42.1.1' });
    expect(event.http_request).toEqual({
      http_method: 'POST',
      url: { path: '/api/preview/keys' },
      user_agent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/115.0.0.0 Safari/537.36',
    });
  });

  it('fills metadata: OCSF 1.1.0, the Veza product, vendor and source id, the given uid and receipt time', () => {
    // Prepare
    const uid = eventUid('veza', 'veza-main', '1a98184880f9952551c53d836598b258');

    // Act
    const event = normalize(DOC_SAMPLE_OLD, '1a98184880f9952551c53d836598b258');

    // Assess
    expect(event.metadata).toEqual({
      version: '1.1.0',
      uid,
      product: { vendor_name: VEZA_PRODUCT.vendorName, name: VEZA_PRODUCT.name },
      log_provider: 'veza',
      log_name: 'veza-main',
      original_time: '2023-07-26T08:23:17.151080751Z',
      processed_time: VEZA.receivedAt,
      correlation_uid: '1a98184880f9952551c53d836598b258',
    });
  });

  it('keeps raw_data exactly as received, whitespace and key order included', () => {
    // Act
    const event = normalize(DOC_SAMPLE_OLD);

    // Assess
    expect(event.raw_data).toBe(DOC_SAMPLE_OLD);
  });

  it('reports a non-OK grpc_code as a Failure named by its status (Medium for a denied caller), with the HTTP status and the error reason', () => {
    // Prepare
    const raw = edit(DOC_SAMPLE_OLD, 'status', {
      grpc_code: 'PERMISSION_DENIED',
      http_status: 403,
      error_reason: 'PERMISSION_DENIED',
    });

    // Act
    const event = normalize(raw);

    // Assess
    expect([event.status, event.status_id, event.status_code, event.status_detail, event.severity]).toEqual([
      'Failure',
      StatusId.Failure,
      'PERMISSION_DENIED',
      'PERMISSION_DENIED',
      'Medium',
    ]);
    expect(event.api?.response).toMatchObject({ code: 403, error: 'PERMISSION_DENIED' });
  });
});

describe('normalizeVeza: the current shape (id, timestamp, intent, result)', () => {
  it('carries endpoint, service, trace id, client IP and HTTP request', () => {
    // Act
    const event = normalize(NEW_SHAPE_DELETE);

    // Assess
    expect(event.api).toMatchObject({
      operation: '/api_protos.v1.APIKeyService/DeleteAPIKey',
      service: { name: 'api_protos.v1.APIKeyService' },
      request: { uid: '9c4f1e2d3b5a69788796a5b4c3d2e1f0' },
    });
    expect(event.src_endpoint).toEqual({ ip: '203.0.113.7' });
    expect(event.http_request).toEqual({
      http_method: 'DELETE',
      url: { path: '/api/preview/keys/fde4386f-3d85-4ef2-82d0-324dacb6e9ba' },
      user_agent: 'python-requests/2.31.0',
    });
  });

  it('fills metadata with the given uid and the source, and keeps raw_data exactly', () => {
    // Prepare
    const uid = eventUid('veza', 'veza-main', '5d0e2c1a-8f3b-4c6d-9e7f-0a1b2c3d4e5f');

    // Act
    const event = normalize(NEW_SHAPE_DELETE, '5d0e2c1a-8f3b-4c6d-9e7f-0a1b2c3d4e5f');

    // Assess
    expect(event.metadata).toMatchObject({
      version: '1.1.0',
      uid,
      log_provider: 'veza',
      log_name: 'veza-main',
      product: { vendor_name: 'Veza' },
    });
    expect(event.raw_data).toBe(NEW_SHAPE_DELETE);
  });

  it('reports a non-zero result.code as a Failure named by its gRPC status, keeping the numeric error reason (enum UNCONFIRMED) as it is', () => {
    // Prepare
    const raw = edit(NEW_SHAPE_DELETE, 'result', { code: 7, error_reason: 3, response: {} });

    // Act
    const event = normalize(raw);

    // Assess
    expect([event.status, event.status_id, event.status_code, event.severity_id]).toEqual([
      'Failure',
      StatusId.Failure,
      'PERMISSION_DENIED',
      3,
    ]);
    expect(event.unmapped).toEqual({ error_reason: 3 });
  });

  it.each([
    [5, 'NOT_FOUND', 2],
    [16, 'UNAUTHENTICATED', 3],
    [0, 'OK', 1],
    [42, 'CODE_42', 2],
  ])('names result.code %i %s (severity %i)', (code, name, severity) => {
    // Act
    const event = normalize(edit(NEW_SHAPE_DELETE, 'result', { code, response: {} }));

    // Assess
    expect([event.status_code, event.severity_id]).toEqual([name, severity]);
  });

  it("splits a route with a query into path and query_string, and names an API-key caller's unknown user", () => {
    // Prepare
    const raw = edit(edit(NEW_SHAPE_DELETE, 'intent.url', '/api/preview/keys?page_size=100'), 'intent.user_id', '');

    // Act
    const event = normalize(raw);

    // Assess
    expect(event.http_request?.url).toEqual({ path: '/api/preview/keys', query_string: 'page_size=100' });
    expect(event.actor?.user).toEqual({ name: 'unknown', credential_uid: 'c0ffee00-aaaa-4bbb-8ccc-ddddeeeeffff' });
  });

  it('falls back to the HTTP method when the endpoint names no known verb', () => {
    // Prepare
    const raw = edit(
      edit(NEW_SHAPE_DELETE, 'intent.endpoint', '/api_protos.v1.AuthService/Login'),
      'intent.method',
      'PATCH',
    );

    // Act
    const event = normalize(raw);

    // Assess
    expect([event.activity_id, event.type_uid]).toEqual([ApiActivityId.Update, 600303]);
  });
});

describe('normalizeVeza: either shape', () => {
  it.each([
    [
      'a CreateAPIKey call to OCSF API Activity, Create, Success',
      DOC_SAMPLE_OLD,
      { activity_id: ApiActivityId.Create, type_uid: 600301, severity_id: 1 },
    ],
    [
      'a DeleteAPIKey call by API key to API Activity, Delete, Success',
      NEW_SHAPE_DELETE,
      { activity_id: ApiActivityId.Delete, type_uid: 600304 },
    ],
  ])('maps %s', (_call, raw, activity) => {
    // Act
    const event = normalize(raw);

    // Assess
    expect(event).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      status: 'Success',
      status_id: StatusId.Success,
      ...activity,
    });
  });

  it.each([
    [
      'ended_at',
      'nanosecond string',
      DOC_SAMPLE_OLD,
      Date.UTC(2023, 6, 26, 8, 23, 17, 151),
      '2023-07-26T08:23:17.151080751Z',
    ],
    ['timestamp', 'string', NEW_SHAPE_DELETE, Date.UTC(2026, 1, 7, 11, 17, 20, 801), '2026-02-07T11:17:20.801234567Z'],
  ])('takes time from %s as epoch ms and keeps the %s as original_time', (_field, _kept, raw, time, originalTime) => {
    // Act
    const event = normalize(raw);

    // Assess
    expect(event.time).toBe(time);
    expect(event.metadata.original_time).toBe(originalTime);
  });

  it.each([
    [
      'by user id and email, with the session, and no credential when api_key_id is empty',
      DOC_SAMPLE_OLD,
      {
        user: { uid: 'aeaa34cf-e97f-4315-b185-249018cf191c', name: 'cookie@cookie.ai', email_addr: 'cookie@cookie.ai' },
        session: { uid: 'b0ba024d-0158-4c7e-a47f-bbe8f7b98806' },
      },
    ],
    [
      'by user id and the API key as credential_uid, without an empty session',
      NEW_SHAPE_DELETE,
      { user: { uid: '7b1e9c2a-1111-4222-8333-944455556666', credential_uid: 'c0ffee00-aaaa-4bbb-8ccc-ddddeeeeffff' } },
    ],
  ])('names the actor %s', (_how, raw, actor) => {
    // Act
    const event = normalize(raw);

    // Assess
    expect(event.actor).toEqual(actor);
  });

  it.each([
    ['the record has no status', withoutStatus(DOC_SAMPLE_OLD)],
    ['result has no code', edit(NEW_SHAPE_DELETE, 'result', { response: {} })],
  ])('reports Unknown when %s', (_case, raw) => {
    // Act
    const event = normalize(raw);

    // Assess
    expect([event.status, event.status_id]).toEqual(['Unknown', StatusId.Unknown]);
  });
});

describe('normalizeVeza: events generated by the emulator', () => {
  const events = (() => {
    const log = createVezaLog(7, 'mixed');
    for (let i = 0; i < 200; i++) log.append(Date.parse('2026-02-01T00:00:00Z') + i * 60_000);
    return log.events;
  })();

  it('maps every event of either shape with time and original_time from its own end time, and raw_data unchanged', () => {
    // Prepare
    const shapes = new Set(events.map((e) => e.shape));

    // Act
    const mapped = events.map((e) => ({ e, event: normalize(e.text, e.id) }));

    // Assess
    expect(shapes).toEqual(new Set(['new', 'old']));
    for (const { e, event } of mapped) {
      expect([event.class_uid, event.category_uid, event.type_uid - event.activity_id]).toEqual([6003, 6, 600300]);
      expect(event.time).toBe(Date.parse(e.endedAt));
      expect(event.metadata.original_time).toBe(e.endedAt);
      expect(event.raw_data).toBe(e.text);
      expect(event.metadata.uid).toBe(eventUid('veza', 'veza-main', e.id));
    }
  });

  it('says Success exactly when the vendor reports OK (result.code 0 or grpc_code OK)', () => {
    // Act
    const outcomes = events.map((e) => {
      const r = e.record;
      const ok = 'request_id' in r ? r.status?.grpc_code === 'OK' : r.result?.code === 0;
      return { ok, status: normalize(e.text).status };
    });

    // Assess
    expect(outcomes.some((o) => !o.ok)).toBe(true);
    for (const { ok, status } of outcomes) expect(status).toBe(ok ? 'Success' : 'Failure');
  });

  it('derives the activity from the gRPC method name of each event', () => {
    // Act
    const pairs = events.map((e) => {
      const endpoint = 'request_id' in e.record ? e.record.endpoint : e.record.intent?.endpoint;
      return [endpoint?.split('/').pop() ?? '', normalize(e.text).activity_id] as const;
    });

    // Assess
    const expected = (name: string): number =>
      name.startsWith('Create')
        ? 1
        : /^(List|Get|Export)/.test(name)
          ? 2
          : name.startsWith('Update')
            ? 3
            : name.startsWith('Delete')
              ? 4
              : -1;
    for (const [name, activity] of pairs) expect([name, activity]).toEqual([name, expected(name)]);
    expect(new Set(pairs.map(([, a]) => a))).toEqual(new Set([1, 2, 3, 4]));
  });
});

describe('activityOf', () => {
  it.each([
    ['/api_protos.v1.APIKeyService/CreateAPIKey', 'POST', ApiActivityId.Create],
    ['/api_protos.v1.APIKeyService/ListAPIKeys', 'GET', ApiActivityId.Read],
    ['/api_protos.v1.QueryService/GetAssessmentQuery', 'GET', ApiActivityId.Read],
    ['/api_protos.v1.SystemAuditService/ExportAuditEvents', 'GET', ApiActivityId.Read],
    ['/api_protos.v1.QueryService/UpdateAssessmentQuery', 'PUT', ApiActivityId.Update],
    ['/api_protos.v1.APIKeyService/DeleteAPIKey', 'DELETE', ApiActivityId.Delete],
    // grpc-gateway maps most calls to POST: the method name wins over the HTTP verb.
    ['/api_protos.v1.ProviderService/ListCustomProviders', 'POST', ApiActivityId.Read],
    ['/api_protos.v1.APIKeyService/DeleteAPIKey', 'POST', ApiActivityId.Delete],
    ['/api_protos.v1.APIKeyService/RotateAPIKey', 'POST', ApiActivityId.Update],
    ['/api_protos.v1.APIKeyService/RevokeAPIKey', 'POST', ApiActivityId.Delete],
    // No verb in the method name: the HTTP method decides.
    ['/api_protos.v1.AuthService/Login', 'GET', ApiActivityId.Read],
    ['/api_protos.v1.AuthService/Login', 'put', ApiActivityId.Update],
    ['/api_protos.v1.AuthService/Login', 'PATCH', ApiActivityId.Update],
    ['/api_protos.v1.AuthService/Login', 'DELETE', ApiActivityId.Delete],
    ['/api_protos.v1.AuthService/Login', 'POST', ApiActivityId.Create],
    ['/api_protos.v1.AuthService/Login', 'OPTIONS', ApiActivityId.Other],
    ['/api_protos.v1.AuthService/Login', undefined, ApiActivityId.Other],
    [undefined, 'HEAD', ApiActivityId.Other],
    [undefined, undefined, ApiActivityId.Unknown],
  ])('maps endpoint %s with HTTP method %s to activity %d', (endpoint, method, expected) => {
    // Act
    const activity = activityOf(endpoint, method);

    // Assess
    expect(activity).toBe(expected);
  });
});
