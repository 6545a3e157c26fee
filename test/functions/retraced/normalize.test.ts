import { describe, expect, it } from '@jest/globals';
import {
  AuthActivityId,
  ENTERPRISE_READ_LABEL,
  RETRACED_PRODUCT,
  authActivityOf,
  crudActivityOf,
  normalizeRetraced,
} from '../../../functions/retraced/normalize.ts';
import { retracedEvent } from '../../../functions/retraced/schemas.ts';
import { ApiActivityId, StatusId } from '../../../shared/ocsf.ts';
import { parsedSource } from '../../helpers/vendor-source.ts';
import { runnerBases } from '../../helpers/vendor-normalize.ts';
import { itAnswers } from '../../helpers/vendor-mapping.ts';

const RETRACED = runnerBases(
  parsedSource('retraced-main', 'retraced', 'https://audit.example.com', '2017-11-01T00:00:00Z'),
  Date.parse('2026-02-07T12:00:00Z'),
);

/** The GraphQL node of vendor-notes §1.8 (docs sample plus integration test values), with its own spacing. */
const DOC_NODE = `{"id":"f37803dd7e9646e3a4df42f7b4e39dc1","action":"license.update","crud":"u",
 "created":"2017-11-16T22:53:27Z","received":"2017-11-16T22:53:28Z","canonical_time":"2017-11-16T22:53:27Z",
 "description":"Automated integration testing...","is_failure":false,"is_anonymous":false,
 "source_ip":"192.168.0.1","country":"United States","loc_subdiv1":"California","loc_subdiv2":"San Francisco",
 "actor":{"id":"qa@retraced.io","name":"RetracedQA Employee","href":null,"fields":[{"key":"department","value":"QA"}]},
 "group":{"id":"rtrcdqa1234","name":"RetracedQA"},
 "target":{"id":"rtrcdapi","name":"Retraced API","href":null,"type":"integration","fields":[{"key":"record_count","value":"100"}]},
 "display":{"markdown":"**RetracedQA Employee** performed the action **license.update** on the item **Retraced API**."},
 "fields":[{"key":"quality","value":"excellent"}],"metadata":null,"external_id":null,
 "component":null,"version":null,"raw":null}`;

/** The all-null target the real server sends for an event without one (issue 15). */
const NO_TARGET = { id: null, name: null, href: null, type: null, fields: null };

/**
 * The event an enterprise-token read writes, as the real server returns it (issue 15): created = received, no target.
 */
const VIEW_NODE = JSON.stringify({
  id: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  action: 'audit.log.view',
  description: '**audit-pump** performed the action **audit.log.view**.',
  crud: 'r',
  received: '2026-11-22T00:11:30Z',
  created: '2026-11-22T00:11:30Z',
  canonical_time: '2026-11-22T00:11:30Z',
  is_failure: null,
  is_anonymous: null,
  source_ip: '10.0.0.7',
  country: null,
  loc_subdiv1: null,
  loc_subdiv2: null,
  component: null,
  version: null,
  external_id: null,
  raw: null,
  display: { markdown: '**audit-pump** performed the action **audit.log.view**.' },
  group: { id: 'rtrcdqa1234', name: 'RetracedQA' },
  actor: { id: 'enterprise:c0ffee1', name: 'audit-pump', href: null, fields: null },
  target: NO_TARGET,
  fields: null,
  metadata: null,
});

/** Validates `raw` as the runner does, then normalizes it. */
function normalize(raw: string) {
  return normalizeRetraced(retracedEvent.parse(JSON.parse(raw)), RETRACED.of(raw, 'native'));
}

/** The doc node with `changes` applied to its top-level keys. */
const docWith = (changes: Record<string, unknown>): string =>
  JSON.stringify({ ...(JSON.parse(DOC_NODE) as object), ...changes });

describe('normalizeRetraced: the documented node (§1.8)', () => {
  it('maps it to API Activity Update with actor, endpoint, target resource, times and raw_data as received', () => {
    // Act
    const event = normalize(DOC_NODE);

    // Assess
    expect(event).toMatchObject({
      class_uid: 6003,
      class_name: 'API Activity',
      category_uid: 6,
      category_name: 'Application Activity',
      activity_id: ApiActivityId.Update,
      activity_name: 'Update',
      type_uid: 600303,
      type_name: 'API Activity: Update',
      severity_id: 1,
      severity: 'Informational',
      status_id: StatusId.Success,
      status: 'Success',
      time: Date.parse('2017-11-16T22:53:27Z'),
      message: 'Automated integration testing...',
      metadata: {
        version: '1.1.0',
        product: { vendor_name: RETRACED_PRODUCT.vendorName, name: 'Retraced' },
        log_provider: 'retraced',
        log_name: 'retraced-main',
        original_time: '2017-11-16T22:53:27Z',
        logged_time: Date.parse('2017-11-16T22:53:28Z'),
        event_code: 'license.update',
        tenant_uid: 'rtrcdqa1234',
        correlation_uid: 'f37803dd7e9646e3a4df42f7b4e39dc1',
      },
      actor: { user: { uid: 'qa@retraced.io', name: 'RetracedQA Employee' } },
      src_endpoint: {
        ip: '192.168.0.1',
        location: { city: 'San Francisco', region: 'California', desc: 'San Francisco, California, United States' },
      },
      api: { operation: 'license.update' },
      resources: [{ uid: 'rtrcdapi', name: 'Retraced API', type: 'integration', data: { record_count: '100' } }],
      unmapped: {
        crud: 'u',
        group_name: 'RetracedQA',
        is_anonymous: false,
        fields: { quality: 'excellent' },
        actor_fields: { department: 'QA' },
        country: 'United States',
      },
    });
    expect(event.raw_data).toBe(DOC_NODE);
    expect(event.metadata.labels).toBeUndefined();
  });

  it('falls back to the display markdown without emphasis when there is no description', () => {
    // Act
    const event = normalize(docWith({ description: null }));

    // Assess
    expect(event.message).toBe('RetracedQA Employee performed the action license.update on the item Retraced API.');
  });

  it('reports a failure (severity Low), and Unknown when is_failure is absent', () => {
    // Act
    const failed = normalize(docWith({ is_failure: true }));
    const unknown = normalize(docWith({ is_failure: null }));

    // Assess
    expect([failed.status_id, failed.status, failed.severity_id]).toEqual([StatusId.Failure, 'Failure', 2]);
    expect([unknown.status_id, unknown.status, unknown.severity_id]).toEqual([StatusId.Unknown, 'Unknown', 1]);
  });

  it('names the component as the API service and keeps the version', () => {
    // Act
    const event = normalize(docWith({ component: 'billing', version: 'v2.3.0' }));

    // Assess
    expect(event.api).toEqual({ operation: 'license.update', service: { name: 'billing' }, version: 'v2.3.0' });
  });
});

describe('normalizeRetraced: log-in and log-out actions', () => {
  it('maps user.login.failed to a failed Authentication Logon (severity Low) whose user is the actor, without resources', () => {
    // Act
    const event = normalize(docWith({ action: 'user.login.failed', crud: 'c', is_failure: true, target: NO_TARGET }));

    // Assess
    expect(event).toMatchObject({
      class_uid: 3002,
      category_uid: 3,
      activity_id: AuthActivityId.Logon,
      type_uid: 300201,
      status_id: StatusId.Failure,
      severity_id: 2,
    });
    expect(event.user).toEqual({ uid: 'qa@retraced.io', name: 'RetracedQA Employee' });
    expect(event.api).toBeUndefined();
    expect(event.resources).toBeUndefined();
    expect(event.unmapped).toMatchObject({ crud: 'c' });
  });

  it("names the service by the publisher's component, else by the source the pump reads (no placeholder)", () => {
    // Act
    const withComponent = normalize(
      docWith({ action: 'user.login', component: 'web', version: 'v1.2.0', target: NO_TARGET }),
    );
    const without = normalize(docWith({ action: 'user.login', target: NO_TARGET }));

    // Assess
    expect((withComponent as { service?: unknown }).service).toEqual({ name: 'web', version: 'v1.2.0' });
    expect((without as { service?: unknown }).service).toEqual({ name: 'retraced-main' });
  });

  it('keeps the target of a log-in in unmapped: Authentication has no resources', () => {
    // Act
    const event = normalize(docWith({ action: 'user.login' }));

    // Assess
    expect(event.resources).toBeUndefined();
    expect(event.unmapped?.target).toEqual({
      uid: 'rtrcdapi',
      name: 'Retraced API',
      type: 'integration',
      data: { record_count: '100' },
    });
  });

  itAnswers('authActivityOf(%j) is %j', authActivityOf, [
    [AuthActivityId.Logon, ['user.login', 'sso_login.succeeded', 'account.signin', 'user.authenticated']],
    [AuthActivityId.Logoff, ['user.logout', 'session.sign_out']],
    [undefined, ['login_page.update', 'blogin.create', 'document.edit', null]],
  ]);
});

describe('normalizeRetraced: events as the real server sends them (issue 15)', () => {
  it('drops the all-null target the server sends for an event without one', () => {
    // Act
    const event = normalize(docWith({ target: NO_TARGET }));

    // Assess
    expect(event.resources).toBeUndefined();
    expect(event.unmapped?.target).toBeUndefined();
  });

  it('gives an event without source_ip the unknown src_endpoint that API Activity requires', () => {
    // Act
    const event = normalize(docWith({ source_ip: null, country: null, loc_subdiv1: null, loc_subdiv2: null }));

    // Assess
    expect(event.src_endpoint).toEqual({ name: 'unknown' });
  });

  it('names an anonymous actor (all-null actor, is_anonymous) "anonymous", not an empty user', () => {
    // Act
    const event = normalize(
      docWith({
        action: 'user.login',
        actor: { id: null, name: null, href: null, fields: null },
        is_anonymous: true,
        target: NO_TARGET,
      }),
    );

    // Assess
    expect(event.user).toEqual({ name: 'anonymous' });
    expect(event.actor).toBeUndefined();
  });

  it('keeps a location only with a city or region (OCSF 1.1); a bare country stays in unmapped', () => {
    // Act
    const event = normalize(docWith({ loc_subdiv1: null, loc_subdiv2: null }));

    // Assess
    expect(event.src_endpoint).toEqual({ ip: '192.168.0.1' });
    expect(event.unmapped?.country).toBe('United States');
  });
});

describe('crudActivityOf', () => {
  itAnswers('maps crud %j to API activity %j', crudActivityOf, [
    [ApiActivityId.Create, ['c']],
    [ApiActivityId.Read, ['r']],
    [ApiActivityId.Update, ['u']],
    [ApiActivityId.Delete, ['d']],
    [ApiActivityId.Unknown, [null]],
  ]);
});

describe('normalizeRetraced: reads through the enterprise API', () => {
  it('marks the audit.log.view event of a token read with the enterprise-read label, as a Read by the token actor', () => {
    // Act
    const event = normalize(VIEW_NODE);

    // Assess
    expect(event).toMatchObject({
      class_uid: 6003,
      activity_id: ApiActivityId.Read,
      status_id: StatusId.Unknown,
      message: 'audit-pump performed the action audit.log.view.',
    });
    expect(event.metadata.labels).toEqual([ENTERPRISE_READ_LABEL]);
    expect(event.actor).toEqual({ user: { uid: 'enterprise:c0ffee1', name: 'audit-pump' } });
    expect(event.resources).toBeUndefined();
  });

  it("marks a read with the description the server's code sets too", () => {
    // Act
    const event = normalize(
      JSON.stringify({ ...(JSON.parse(VIEW_NODE) as object), description: 'Exported audit log events' }),
    );

    // Assess
    expect(event.metadata.labels).toEqual([ENTERPRISE_READ_LABEL]);
  });

  it('does not mark a publisher event that merely reads something', () => {
    // Act
    const event = normalize(docWith({ action: 'audit.log.view', crud: 'r' }));

    // Assess
    expect(event.metadata.labels).toBeUndefined();
  });
});

describe('retracedEvent (the record schema)', () => {
  it('accepts nulls everywhere the schema allows them, and fields it does not know', () => {
    // Act
    const parsed = retracedEvent.safeParse({ ...(JSON.parse(VIEW_NODE) as object), added_later: { x: 1 } });

    // Assess
    expect(parsed.success).toBe(true);
  });

  it.each([
    ['no id', { id: undefined }],
    ['an unparseable canonical_time', { canonical_time: 'yesterday' }],
    ['a crud outside c r u d', { crud: 'x' }],
  ])('rejects a node with %s', (_name, change) => {
    // Act
    const parsed = retracedEvent.safeParse(JSON.parse(docWith(change)));

    // Assess
    expect(parsed.success).toBe(false);
  });
});
