/**
 * Carbon Black audit log → OCSF: Authentication for log-ins and log-outs, API Activity otherwise,
 * `flagged` as status and severity, the actor, the org as tenant, raw_data untouched.
 */
import { describe, expect, it } from '@jest/globals';
import {
  CB_PRODUCT,
  apiActivityOf,
  authActivityOf,
  normalizeCarbonBlack,
  operationOf,
} from '../../../functions/carbonblack/normalize.ts';
import { cbRecord, type CbRecord } from '../../../functions/carbonblack/schemas.ts';
import { ApiActivityId, SeverityId, StatusId } from '../../../shared/ocsf.ts';
import { parsedSource } from '../../helpers/vendor-source.ts';
import { runnerBases } from '../../helpers/vendor-normalize.ts';
import { casesByAnswer, itAnswers } from '../../helpers/vendor-mapping.ts';
import { CB_DOC_RECORD } from './doc-cases.ts';

const CB = runnerBases(
  parsedSource('cb-main', 'carbonblack', 'https://defense.conferdeploy.net', '2023-11-01T00:00:00Z'),
  Date.parse('2023-11-02T18:20:00Z'),
);

function normalize(raw: string, uid = 'uid-1') {
  const record: CbRecord = cbRecord.parse(JSON.parse(raw));
  return normalizeCarbonBlack(record, CB.withUid(raw, uid));
}

const record = (fields: Record<string, unknown>): string =>
  JSON.stringify({
    org_key: 'ABCD1234',
    actor_ip: '10.29.99.1',
    actor: 'ABCDEFGHIJ',
    request_url: null,
    description: 'x',
    flagged: false,
    verbose: false,
    create_time: '2024-03-01T10:00:00.123Z',
    ...fields,
  });

describe('normalizeCarbonBlack', () => {
  it("maps the doc's log-in to OCSF Authentication (Logon, Success) with user, source IP and tenant", async () => {
    // Act
    const event = normalize(CB_DOC_RECORD);

    // Assess
    expect(event).toMatchObject({
      class_uid: 3002,
      category_uid: 3,
      activity_id: 1,
      type_uid: 300201,
      status_id: StatusId.Success,
      status: 'Success',
      severity_id: SeverityId.Informational,
      time: Date.parse('2023-11-02T18:13:44.276Z'),
      message: 'Logged in successfully',
      user: { name: 'user1@mydomain.com', email_addr: 'user1@mydomain.com', org: { uid: 'ABCD1234' } },
      actor: { user: { name: 'user1@mydomain.com' } },
      service: { name: 'Carbon Black Cloud' },
      src_endpoint: { ip: '50.215.71.123' },
      metadata: {
        version: '1.1.0',
        uid: 'uid-1',
        product: { vendor_name: CB_PRODUCT.vendorName, name: CB_PRODUCT.name },
        log_provider: 'carbonblack',
        log_name: 'cb-main',
        original_time: '2023-11-02T18:13:44.276Z',
        tenant_uid: 'ABCD1234',
        processed_time: CB.receivedAt,
      },
    });
    expect(event.raw_data).toBe(CB_DOC_RECORD);
    expect(event).not.toHaveProperty('api');
    expect(event).not.toHaveProperty('http_request');
  });

  it('raises a flagged failed log-in to medium severity, its status the outcome, and keeps flagged and verbose in unmapped', async () => {
    // Act
    const event = normalize(
      record({ actor: 'ada@example.com', description: 'Login failed: invalid password', flagged: true, verbose: true }),
    );

    // Assess
    expect(event).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      status_id: StatusId.Failure,
      status: 'Failure',
      severity_id: SeverityId.Medium,
      severity: 'Medium',
    });
    expect(event.unmapped).toEqual({ flagged: true, verbose: true });
  });

  it.each(['Created API key K7Q2M9XZ1P with access level "SIEM"', 'Enabled bypass mode on device 4242'])(
    'keeps a flagged successful action ("%s") a success of medium severity: flagged is not a failure',
    async (description) => {
      // Act
      const event = normalize(record({ description, flagged: true }));

      // Assess
      expect(event).toMatchObject({ status_id: StatusId.Success, status: 'Success', severity_id: SeverityId.Medium });
    },
  );

  itAnswers('gives "%s" the low-cardinality operation "%s"', operationOf, [
    ['Updated policy', ['Updated policy "Standard 2" (id 123456)']],
    ['Created API key with access level', ['Created API key K7Q2M9XZ1P with access level "SIEM"']],
    ['LiveResponse session started on device', ["LiveResponse session 42 started on device 9876 (Zoë's laptop)"]],
    ['Connector retrieved alerts', ['Connector "siem-2" retrieved alerts']],
    ['Granted role to via', ['Granted role to bob@example.com via https://x.example/a?b=1']],
    ['unknown', ['12345']],
  ]);

  it('maps a log-out to Authentication Logoff', async () => {
    // Act
    const event = normalize(record({ actor: 'ada@example.com', description: 'Logged out' }));

    // Assess
    expect([event.class_uid, event.activity_id, event.type_uid]).toEqual([3002, 2, 300202]);
  });

  it('maps other events to API Activity with the description as operation and an API key actor', async () => {
    // Act
    const event = normalize(
      record({
        description: 'Connector "siem-2" retrieved alerts',
        request_url: 'https://defense.conferdeploy.net/api/alerts/v7/orgs/ABCD1234/alerts/_search',
      }),
    );

    // Assess
    expect(event).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: ApiActivityId.Read,
      type_uid: 600302,
      status_id: StatusId.Success,
      api: { operation: 'Connector retrieved alerts' },
      actor: { user: { name: 'ABCDEFGHIJ', credential_uid: 'ABCDEFGHIJ', org: { uid: 'ABCD1234' } } },
      src_endpoint: { ip: '10.29.99.1' },
      http_request: {
        url: {
          url_string: 'https://defense.conferdeploy.net/api/alerts/v7/orgs/ABCD1234/alerts/_search',
          hostname: 'defense.conferdeploy.net',
          path: '/api/alerts/v7/orgs/ABCD1234/alerts/_search',
          scheme: 'https',
        },
      },
    });
    expect(event).not.toHaveProperty('user');
  });

  it.each(
    casesByAnswer([
      [ApiActivityId.Create, ['Created API key K7Q2M9XZ1P with access level "SIEM"']],
      [ApiActivityId.Delete, ['Deleted sensor group "Lab 3"', 'Removed role added by ada']],
      [ApiActivityId.Update, ['Updated policy "Standard 2" (id 123456)', 'Enabled bypass mode on device 4242']],
      [ApiActivityId.Read, ['Downloaded audit log export']],
      [ApiActivityId.Other, ['LiveResponse session 42 started on device 9876']],
    ]),
  )('reads the API activity of "%s" as %i', (description, expected) => {
    // Act / Assess
    expect(apiActivityOf(description)).toBe(expected);
    expect(authActivityOf(description)).toBeUndefined();
  });

  itAnswers('reads "%s" as Authentication activity %i', authActivityOf, [
    [1, ['Logged in successfully', 'Login failed: invalid password', 'User signed in via SAML']],
    [2, ['Logged out', 'Log off']],
  ]);

  it('treats an unflagged failure in the description as a low-severity failure', async () => {
    // Act
    const event = normalize(record({ description: 'Access denied to device 12' }));

    // Assess
    expect([event.status_id, event.severity_id]).toEqual([StatusId.Failure, SeverityId.Low]);
  });

  it('accepts the Data Forwarder shape without flagged, verbose or actor_ip, and keeps a non-IP actor_ip unmapped', async () => {
    // Prepare
    const forwarded =
      '{"org_key":"ABCD1234","actor":"ada@example.com","description":"Updated policy \\"Lab\\"","create_time":"2024-03-01T10:00:00.000Z"}';

    // Act
    const sparse = normalize(forwarded);
    const hostname = normalize(record({ actor_ip: 'proxy.internal' }));

    // Assess
    expect(sparse).toMatchObject({
      class_uid: 6003,
      activity_id: ApiActivityId.Update,
      src_endpoint: { name: 'unknown' },
      status_id: StatusId.Success,
    });
    expect(sparse).not.toHaveProperty('unmapped');
    expect(hostname.src_endpoint).toEqual({ name: 'unknown' });
    expect(hostname.unmapped).toMatchObject({ actor_ip: 'proxy.internal' });
  });

  it('refuses records without a valid create_time or description (the runner dead-letters them)', async () => {
    // Act
    const results = [
      cbRecord.safeParse({ description: 'Logged in successfully' }),
      cbRecord.safeParse({ description: 'x', create_time: 'yesterday' }),
      cbRecord.safeParse({ create_time: '2024-03-01T10:00:00.000Z' }),
    ];

    // Assess
    expect(results.map((r) => r.success)).toEqual([false, false, false]);
  });
});
