import { describe, expect, it } from '@jest/globals';
import { authentic8Connector } from '../../../functions/authentic8/connector.ts';
import { normalizeAuthentic8, parseHeaders } from '../../../functions/authentic8/normalize.ts';
import { authentic8Record } from '../../../functions/authentic8/schemas.ts';
import { createAuthentic8Log } from '../../../functions/authentic8/emulator/data.ts';
import { validateOcsf } from '../../../shared/ocsf-validate.ts';
import { parsedSource } from '../../helpers/vendor-source.ts';
import { runnerBases } from '../../helpers/vendor-normalize.ts';

const A8 = runnerBases(
  parsedSource('a8-main', 'authentic8', 'https://extapi.authentic8.com', '2014-07-01T00:00:00Z', { org: 'Acme' }),
  1_763_000_100_000,
);

/** The URL example of the vendor doc page, with its own line breaks (vendor-docs/authentic8-log-extraction-api.md). */
const DOC_URL = `{
"domain": "www.java.com",
"user_id": "466...3d4",
"response_headers": "Server: Sun-Java-System-Web-Server/7.0\\r\\nContent-Type: text/html;charset=UTF-8\\r\\nContent-Encoding: gzip\\r\\nVary: accept-encoding\\r\\nContent-Length: 2516\\r\\nDate: Tue, 01 Jul 2014 20:19:33 GMT\\r\\nConnection: keep-alive\\r\\n",
"seq_id": 3204201,
"response_code": 200,
"org_id": "509...0c0",
"session_id": "399...aa9",
"headers": "Host: www.java.com\\r\\nUser-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10.7; rv:29.0) Gecko/20100101 Firefox/29.0 Authentic8/1.0\\r\\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\\r\\nAccept-Language: en-US,en;q=0.5\\r\\nAccept-Encoding: gzip, deflate\\r\\nDNT: 1\\r\\nConnection: keep-alive\\r\\n",
"create_ts": 1404245973.396193,
"response_size": 2516,
"path": "/en/download/installed.jsp",
"scheme": "http",
"type": "URL"
}`;

/** The ENC example of the vendor doc page. */
const DOC_ENC = `{
"key_name": "SILOTest",
"enc": "AegpLEeh9mseUW8Gc7eop03cZ/9kLiHtvSHClOUop4DR/PRMIGXmiFATlI7/O2pK1ZxT69KLoxNzpvvgXCgYSEENRZKoVLJknGGVSbMK/NhjKFOXxdxMrLNFijJTsJ2qICt/2EkSRLxbFjXiSAEGBLmFqqq3gt3Je4flo9mpRViNxWHmYY8L4KPbHKYbp8AJeCcjWlldvnRTlXh/biKbBu9Cn85TbyUak+MVmPofKHjYAj0KivPd2DsISGSV0RRw2gY5ymIDLoNaS4wchMQUmwxo3duHF+r+L0GXo4fkgRrR360c4TQ7qA2HykQT",
"type": "ENC",
"create_ts": 1407538630.06108,
"seq_id": 3233682
}`;

/** The URL example of vendor-notes §2.4 (reference guide fields): a method, a port as a string, a username. */
const GUIDE_URL =
  '{"seq_id":48213377,"type":"URL","create_ts":1411481216.764143,"org_id":"64bb2da94d49648b75e3b3b82338086e",' +
  '"client_ip":"50.247.80.185","method":"GET","domain":"example.com","path":"/path","port":"81","response_code":200,' +
  '"headers":"Host: login.example.com\\r\\nUser-Agent: Mozilla/5.0 Authentic8/1.0\\r\\n","response_headers":"Date: Tue, 23 Sep 2014 14:13:37 GMT\\r\\n","username":"jdoe@example.com"}';

const line = (fields: Record<string, unknown>): string =>
  JSON.stringify({
    seq_id: 900,
    create_ts: 1763000000.25,
    org_id: 'f'.repeat(32),
    client_ip: '198.51.100.7',
    username: 'ana@acme.example',
    user_id: 'a'.repeat(32),
    ...fields,
  });

/** Validates `raw` as the runner does, then normalizes it with the uid the runner would give it. */
function normalize(raw: string) {
  const record = authentic8Record.parse(JSON.parse(raw));
  const base = A8.of(raw, authentic8Connector.nativeId(record, { raw, value: JSON.parse(raw) }));
  return {
    record,
    event: normalizeAuthentic8(record, base) as unknown as Record<string, unknown> & {
      metadata: Record<string, unknown>;
    },
  };
}

/** A log, the test's sentence, the OCSF fields it maps to and the fields it must not have. */
type Mapping = [sentence: string, raw: string, expected: Record<string, unknown>, absent: string[]];

/** One test per mapping: `raw` normalizes to the expected fields, none of the absent ones, valid as OCSF. */
function mapsEach(mappings: Mapping[]): void {
  it.each(mappings)('%s', (_sentence, raw, expected, absent) => {
    // Act
    const { event } = normalize(raw);

    // Assess
    expect(event).toMatchObject(expected);
    for (const field of absent) expect(event).not.toHaveProperty(field);
    expect(validateOcsf(event).errors).toEqual([]);
  });
}

describe('normalizeAuthentic8: URL → HTTP Activity', () => {
  it('maps the vendor doc example: exchange, endpoints, user, session, time, and raw_data exactly as sent', () => {
    // Act
    const { event } = normalize(DOC_URL);

    // Assess
    expect(event).toMatchObject({
      class_uid: 4002,
      category_uid: 4,
      activity_id: 0,
      type_uid: 400200,
      status_id: 1,
      time: 1404245973396,
      http_request: {
        url: {
          url_string: 'http://www.java.com/en/download/installed.jsp',
          hostname: 'www.java.com',
          path: '/en/download/installed.jsp',
          scheme: 'http',
        },
        user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.7; rv:29.0) Gecko/20100101 Firefox/29.0 Authentic8/1.0',
      },
      http_response: { code: 200, length: 2516, content_type: 'text/html;charset=UTF-8' },
      dst_endpoint: { hostname: 'www.java.com' },
      actor: { user: { uid: '466...3d4' }, session: { uid: '399...aa9' } },
      metadata: {
        event_code: 'URL',
        sequence: 3204201,
        tenant_uid: '509...0c0',
        original_time: '1404245973.396193',
        log_provider: 'authentic8',
        log_name: 'a8-main',
      },
      raw_data: DOC_URL,
    });
    expect((event.http_request as { http_headers: unknown[] }).http_headers).toHaveLength(7);
    expect(event).not.toHaveProperty('unmapped');
  });

  it('maps the reference guide example: method Get, the string port into the URL, the username as the user', () => {
    // Act
    const { event } = normalize(GUIDE_URL);

    // Assess
    expect(event).toMatchObject({
      activity_id: 3,
      http_request: { http_method: 'GET', url: { url_string: 'http://example.com:81/path', port: 81 } },
      src_endpoint: { ip: '50.247.80.185' },
      dst_endpoint: { hostname: 'example.com', port: 81 },
      actor: { user: { name: 'jdoe@example.com', email_addr: 'jdoe@example.com' } },
      message: 'GET http://example.com:81/path → 200',
    });
  });

  it.each([
    ['POST', 200, 6, 1],
    ['PUT', 201, 7, 1],
    ['DELETE', 204, 2, 1],
    ['PATCH', 200, 99, 1],
    ['GET', 404, 3, 2],
    ['GET', 503, 3, 2],
  ])('maps method %s with status %i to activity %i and status %i', (method, code, activity, status) => {
    // Act
    const { event } = normalize(
      line({ type: 'URL', domain: 'example.com', path: '/', scheme: 'https', method, response_code: code }),
    );

    // Assess
    expect([event.activity_id, event.status_id]).toEqual([activity, status]);
  });

  mapsEach([
    [
      'maps a BLOCKED URL, never sent so without a response, to Web Resources Activity: denied, blocked, with its categories, unknown fields in unmapped',
      line({
        type: 'BLOCKED URL',
        domain: 'casino.example',
        path: '/',
        scheme: 'https',
        method: 'GET',
        micro_category: 'Gambling',
        macro_category: 'Adult',
        policy: 'URL Category Filtering',
      }),
      {
        class_uid: 6001,
        category_uid: 6,
        activity_id: 2,
        type_uid: 600102,
        status_id: 2,
        action_id: 2,
        action: 'Denied',
        disposition_id: 2,
        disposition: 'Blocked',
        web_resources: [{ name: 'https://casino.example/', url_string: 'https://casino.example/' }],
        http_request: { http_method: 'GET', url: { categories: ['Gambling', 'Adult'] } },
        metadata: { event_code: 'BLOCKED URL', profiles: ['host', 'security_control'] },
        unmapped: { policy: 'URL Category Filtering' },
      },
      ['http_response'],
    ],
    [
      'maps a URL log without a response code to Web Resources Activity (HTTP Activity requires the response)',
      line({ type: 'URL', domain: 'example.com', path: '/a', scheme: 'https', method: 'PUT', response_size: 10 }),
      {
        class_uid: 6001,
        activity_id: 3,
        status_id: 0,
        web_resources: [{ url_string: 'https://example.com/a' }],
        unmapped: { response_size: 10 },
      },
      ['http_response'],
    ],
  ]);

  it("declares the host profile, to which HTTP Activity's actor belongs, and validates as OCSF 1.1", () => {
    // Act
    const { event } = normalize(GUIDE_URL);

    // Assess
    expect(event.metadata.profiles).toEqual(['host']);
    expect(validateOcsf(event)).toMatchObject({ valid: true, warnings: [] });
  });
});

describe('normalizeAuthentic8: AUTH → Authentication', () => {
  it('maps a SAML log-in to Logon, succeeded, with the user, the protocol and the source address', () => {
    // Act
    const { event } = normalize(line({ type: 'AUTH', auth_type: 'SAML', action: 'success' }));

    // Assess
    expect(event).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      type_uid: 300201,
      status_id: 1,
      auth_protocol_id: 5,
      auth_protocol: 'SAML',
      user: { name: 'ana@acme.example', uid: 'a'.repeat(32) },
      src_endpoint: { ip: '198.51.100.7' },
      service: { name: 'Silo' },
    });
  });

  it('maps a failed PIN log-in to a failure with its reason', () => {
    // Act
    const { event } = normalize(line({ type: 'AUTH', auth_type: 'PIN', action: 'failure', reason: 'invalid PIN' }));

    // Assess
    expect(event).toMatchObject({
      status_id: 2,
      status_detail: 'invalid PIN',
      auth_protocol_id: 99,
      auth_protocol: 'PIN',
      message: 'Silo logon by ana@acme.example failed',
    });
  });
});

describe('normalizeAuthentic8: ADMIN_AUDIT → Account Change or API Activity', () => {
  it.each([
    ['USER_CREATE', 1],
    ['USER_ENABLE', 2],
    ['USER_PASSWORD_RESET', 4],
    ['USER_DISABLE', 5],
    ['USER_DELETE', 6],
    ['User Locked', 9],
  ])(
    'maps %s on a user to Account Change activity %i, the admin as actor and the target as user',
    (auditType, activity) => {
      // Act
      const { event } = normalize(
        line({
          type: 'ADMIN_AUDIT',
          audit_type: auditType,
          target: 'new.hire@acme.example',
          target_type: 'user',
          before: null,
          after: null,
        }),
      );

      // Assess
      expect(event).toMatchObject({
        class_uid: 3001,
        activity_id: activity,
        user: { name: 'new.hire@acme.example' },
        actor: { user: { name: 'ana@acme.example' } },
      });
    },
  );

  it('maps a policy change to API Activity Update with before and after on the resource', () => {
    // Act
    const { event } = normalize(
      line({
        type: 'ADMIN_AUDIT',
        audit_type: 'POLICY_UPDATE',
        target: 'policy-3',
        target_type: 'policy',
        before: { download: 'allow' },
        after: { download: 'block' },
      }),
    );

    // Assess
    expect(event).toMatchObject({
      class_uid: 6003,
      activity_id: 3,
      api: { operation: 'POLICY_UPDATE', service: { name: 'Silo Admin Console' } },
      resources: [
        { name: 'policy-3', type: 'policy', data: { before: { download: 'allow' }, after: { download: 'block' } } },
      ],
    });
  });
});

describe('normalizeAuthentic8: ENC and the other types', () => {
  it('keeps the vendor doc ENC example opaque: Base Event, unknown activity, labelled encrypted, raw_data exact', () => {
    // Act
    const { record, event } = normalize(DOC_ENC);

    // Assess
    expect(event).toMatchObject({
      class_uid: 0,
      category_uid: 0,
      type_uid: 0,
      activity_id: 0,
      status_id: 0,
      time: 1407538630061,
      raw_data: DOC_ENC,
      metadata: { labels: ['encrypted'], event_code: 'ENC', sequence: 3233682 },
      unmapped: { encrypted: true, key_name: 'SILOTest' },
    });
    expect(event.metadata).not.toHaveProperty('tenant_uid');
    expect(JSON.stringify(event.unmapped)).not.toContain('AegpLEeh');
    expect(authentic8Connector.nativeId(record, { raw: DOC_ENC, value: JSON.parse(DOC_ENC) })).toBe('3233682');
  });

  it('maps any other type to API Activity Other: the Silo type as activity_name and operation, the file as a resource, not also in unmapped', () => {
    // Act
    const { event } = normalize(line({ type: 'PRINT', filename: 'Résumé.pdf', pages: 3 }));

    // Assess
    expect(event).toMatchObject({
      class_uid: 6003,
      activity_id: 99,
      activity_name: 'PRINT',
      type_name: 'API Activity: Other',
      api: { operation: 'PRINT', service: { name: 'Silo' } },
      resources: [{ name: 'Résumé.pdf', type: 'file' }],
      unmapped: { pages: 3 },
      src_endpoint: { ip: '198.51.100.7' },
      metadata: { correlation_uid: '900' },
    });
    expect(event.unmapped).not.toHaveProperty('filename');
  });

  mapsEach([
    [
      'maps a DOWNLOAD to File Hosting Activity Download: the file with its size and hash, the site as destination',
      line({
        type: 'DOWNLOAD',
        url: 'https://example.com/a/Résumé.pdf',
        filename: 'Résumé.pdf',
        bytes: 1000,
        sha256: 'a'.repeat(64),
      }),
      {
        class_uid: 6006,
        category_uid: 6,
        activity_id: 2,
        activity_name: 'Download',
        type_uid: 600602,
        status_id: 0,
        file: { name: 'Résumé.pdf', type_id: 1, size: 1000, hashes: [{ algorithm_id: 3, value: 'a'.repeat(64) }] },
        actor: { user: { name: 'ana@acme.example' } },
        src_endpoint: { ip: '198.51.100.7' },
        dst_endpoint: { hostname: 'example.com' },
        unmapped: { url: 'https://example.com/a/Résumé.pdf' },
      },
      [],
    ],
    [
      'maps an UPLOAD without a file name to File Hosting Activity Upload, naming the file by the URL',
      line({
        type: 'UPLOAD',
        url: 'https://drive.example/up/notes.txt',
        destination_path: '/uploads/1',
        client_ip: null,
      }),
      {
        class_uid: 6006,
        activity_id: 1,
        file: { name: 'notes.txt', path: '/uploads/1' },
        src_endpoint: { name: 'unknown' },
      },
      [],
    ],
    [
      'maps an EXPLOIT to a Detection Finding of severity High, the exploit as its title, the file and URL as affected resources',
      line({
        type: 'EXPLOIT',
        exploit_name: 'CVE-2026-0001 PDF JS',
        url: 'https://example.com/x.pdf',
        filename: 'x.pdf',
      }),
      {
        class_uid: 2004,
        category_uid: 2,
        activity_id: 1,
        severity_id: 4,
        severity: 'High',
        status_id: 1,
        status: 'New',
        finding_info: { uid: '900', title: 'CVE-2026-0001 PDF JS', types: ['Exploit'] },
        resources: [
          { name: 'x.pdf', type: 'file' },
          { name: 'https://example.com/x.pdf', type: 'url' },
        ],
        actor: { user: { name: 'ana@acme.example' } },
        metadata: { profiles: ['host'] },
      },
      [],
    ],
    [
      'gives records that name no user, session or client address the unknown actor and src_endpoint OCSF requires',
      JSON.stringify({ seq_id: 7, create_ts: 1763000000.5, type: 'SESSION' }),
      { actor: { user: { name: 'unknown' } }, src_endpoint: { name: 'unknown' } },
      [],
    ],
  ]);

  it('gives each log the native id org_id:seq_id', () => {
    // Prepare
    const raw = line({ type: 'SESSION' });

    // Act
    const nativeId = authentic8Connector.nativeId(authentic8Record.parse(JSON.parse(raw)), {
      raw,
      value: JSON.parse(raw),
    });

    // Assess
    expect(nativeId).toBe(`${'f'.repeat(32)}:900`);
  });

  it('maps every log the emulator makes, of every type, plaintext and encrypted, at its create_ts', () => {
    // Prepare
    const log = createAuthentic8Log(5);
    const events = log.orgs.flatMap((org) =>
      Array.from({ length: 150 }, (_, i) => log.append(org, 1_763_000_000_000 + i * 1000)),
    );

    // Act
    const mapped = events.map((e) => normalize(e.text).event);

    // Assess
    expect(new Set(events.map((e) => e.innerType)).size).toBeGreaterThanOrEqual(20);
    expect(mapped.map((m) => m.raw_data)).toEqual(events.map((e) => e.text));
    expect(mapped.map((m) => m.time)).toEqual(events.map((e) => Math.floor(e.createTs * 1000)));
    expect(new Set(mapped.map((m) => m.class_uid))).toEqual(new Set([4002, 6001, 3002, 3001, 6003, 6006, 2004, 0]));
    expect(mapped.flatMap((m) => validateOcsf(m).errors)).toEqual([]);
  });
});

describe('parseHeaders', () => {
  it('splits raw CRLF header lines into name and value, keeping colons in values', () => {
    expect(parseHeaders('Host: a.example\r\nDate: Tue, 01 Jul 2014 20:19:33 GMT\r\n\r\n')).toEqual([
      { name: 'Host', value: 'a.example' },
      { name: 'Date', value: 'Tue, 01 Jul 2014 20:19:33 GMT' },
    ]);
  });
});
