/**
 * The OCSF 1.1 validator: a minimal valid event of each class passes; each kind of defect fails with
 * the attribute's path (missing required, bad enum, bad type_uid/category_uid, wrong type, unknown
 * attribute, broken constraint, an attribute of an undeclared profile, integers beyond 32 bits, times
 * that are not epoch milliseconds); format and string-enum findings are warnings only.
 */
import { describe, expect, it } from '@jest/globals';
import { eventHead, OcsfClass, type OcsfClassName, type OcsfEvent } from '../../shared/ocsf.ts';
import { OcsfValidator, validateOcsf } from '../../shared/ocsf-validate.ts';
import { BASE, PRODUCT } from '../helpers/core-ocsf.ts';

const USER = { uid: 'u-1', name: 'ana', email_addr: 'ana@example.com' };

/** A minimal valid event of `cls`: the head every connector makes, plus what the class requires. */
function minimal(cls: OcsfClassName, activityId = 1): OcsfEvent & Record<string, unknown> {
  const head = eventHead({ cls, activityId, time: 1_763_000_000_000, message: 'm', statusId: 1 }, BASE, PRODUCT);
  const extra: Record<OcsfClassName, Record<string, unknown>> = {
    ApiActivity: { actor: { user: USER }, api: { operation: 'CreateThing' }, src_endpoint: { ip: '198.51.100.7' } },
    Authentication: { user: USER, service: { name: 'Console' } },
    AccountChange: { user: USER },
    HttpActivity: {
      http_request: { http_method: 'GET' },
      http_response: { code: 200 },
      src_endpoint: { ip: '198.51.100.7' },
      dst_endpoint: { hostname: 'example.com' },
    },
    WebResourcesActivity: { web_resources: [{ name: 'https://example.com/', url_string: 'https://example.com/' }] },
    FileHostingActivity: {
      actor: { user: USER },
      file: { name: 'report.pdf', type_id: 1 },
      src_endpoint: { ip: '198.51.100.7' },
    },
    DetectionFinding: { finding_info: { uid: 'f-1', title: 'Exploit blocked' } },
    BaseEvent: {},
  };
  return Object.assign(head, extra[cls]);
}

/** The errors as "path: message" lines. */
const errorsOf = (event: unknown) => validateOcsf(event).errors.map((p) => `${p.path}: ${p.message}`);

describe('OcsfValidator: valid events', () => {
  // Every class of the table but the Base Event, which has its own test below.
  const classes = (Object.keys(OcsfClass) as OcsfClassName[]).filter((cls) => cls !== 'BaseEvent');

  it.each(classes)('accepts a minimal %s event with no warnings', (cls) => {
    expect(validateOcsf(minimal(cls))).toEqual({
      classUid: minimal(cls).class_uid,
      valid: true,
      errors: [],
      warnings: [],
    });
  });

  it('accepts a Base Event (class 0) for records nothing can be read from', () => {
    // Prepare
    const head = minimal('BaseEvent', 0);

    // Act / Assess
    expect(validateOcsf(head)).toEqual({ classUid: 0, valid: true, errors: [], warnings: [] });
    expect(errorsOf({ ...head, actor: { user: USER } })).toEqual(['actor: unknown attribute of class Base Event']);
  });

  it('accepts unmapped as any object, nested resources and arrays of strings', () => {
    const event = {
      ...minimal('ApiActivity'),
      unmapped: { anything: [1, { a: null }] },
      resources: [{ uid: 'r1', data: { x: 1 } }],
      metadata: { ...minimal('ApiActivity').metadata, labels: ['a'] },
    };
    expect(errorsOf(event)).toEqual([]);
  });
});

describe('OcsfValidator: errors', () => {
  it('flags a missing required attribute of the class, of the base event and of a nested object', () => {
    // Prepare
    const { api: _api, severity_id: _severity, ...event } = minimal('ApiActivity');
    const noVendor = { ...event, metadata: { ...event.metadata, product: { name: 'Veza' } } };

    // Act / Assess
    expect(errorsOf(noVendor)).toEqual([
      'metadata.product.vendor_name: required attribute of Product is missing',
      'api: required attribute of class API Activity is missing',
      'severity_id: required attribute of class API Activity is missing',
    ]);
  });

  it('flags a value outside an integer enum', () => {
    expect(errorsOf({ ...minimal('ApiActivity'), severity_id: 7 })).toEqual([
      expect.stringMatching(/^severity_id: 7 is not one of 0 \(Unknown\), 1 \(Informational\)/),
    ]);
    expect(errorsOf({ ...minimal('Authentication'), user: { ...USER, type_id: 5 } })).toEqual([
      expect.stringMatching(/^user\.type_id: 5 is not one of/),
    ]);
  });

  it('flags an activity the class does not define, and a type_uid that is not class_uid * 100 + activity_id', () => {
    expect(errorsOf({ ...minimal('ApiActivity'), activity_id: 7, type_uid: 600307 })).toEqual([
      expect.stringMatching(/^activity_id: 7 is not one of 0 \(Unknown\), 1 \(Create\)/),
      expect.stringMatching(/^type_uid: 600307 is not one of/),
    ]);
    expect(errorsOf({ ...minimal('ApiActivity'), type_uid: 600302 })).toEqual([
      'type_uid: must be class_uid * 100 + activity_id = 600301, got 600302',
    ]);
  });

  it("flags a category_uid that is not the class's, and an unknown class", () => {
    expect(errorsOf({ ...minimal('Authentication'), category_uid: 6 })).toEqual([
      expect.stringMatching(/^category_uid: 6 is not one of 3 \(Identity & Access Management\)/),
      'category_uid: must be 3 for class 3002 (Authentication), got 6',
    ]);
    expect(errorsOf({ ...minimal('ApiActivity'), class_uid: 1001 })).toEqual([
      expect.stringMatching(
        /^class_uid: 1001 is not a class audit-pump emits \(0, 2004, 3001, 3002, 4002, 6001, 6003, 6006\)/,
      ),
    ]);
  });

  it('flags wrong types: strings, integers, timestamps, arrays, objects, port range', () => {
    // Prepare
    const event = {
      ...minimal('HttpActivity'),
      time: '2026-01-01T00:00:00Z',
      status_code: 404,
      http_response: { code: '200' },
      src_endpoint: { ip: '198.51.100.7', port: 70000 },
      dst_endpoint: 'example.com',
      metadata: { ...minimal('HttpActivity').metadata, labels: 'a' },
    };

    // Act / Assess
    expect(errorsOf(event)).toEqual([
      'time: must be long_t (timestamp_t), got string "2026-01-01T00:00:00Z"',
      'metadata.labels: must be an array of string_t, got string',
      'http_response.code: must be integer_t, got string "200"',
      "src_endpoint.port: 70000 is outside port_t's range 0..65535",
      'dst_endpoint: must be an object (Network Endpoint), got string',
      'status_code: must be string_t, got integer 404',
    ]);
  });

  it('flags unknown attributes at the top level and in objects', () => {
    expect(
      errorsOf({ ...minimal('ApiActivity'), vendor: 'veza', actor: { user: { ...USER, shoe_size: 44 } } }),
    ).toEqual(['actor.user.shoe_size: unknown attribute of User', 'vendor: unknown attribute of class API Activity']);
  });

  it('flags broken at_least_one constraints (an empty actor, an Authentication with neither service nor dst_endpoint)', () => {
    const { service: _service, ...auth } = minimal('Authentication');
    expect(errorsOf({ ...minimal('ApiActivity'), actor: {} })).toEqual([
      'actor: Actor needs at least one of process, user, invoked_by, session',
    ]);
    expect(errorsOf(auth)).toEqual([': Authentication needs at least one of service, dst_endpoint']);
  });

  it("requires a profile's attributes only when metadata.profiles declares the profile", () => {
    // Prepare
    const declared = {
      ...minimal('HttpActivity'),
      metadata: { ...minimal('HttpActivity').metadata, profiles: ['security_control'] },
    };

    // Act / Assess
    expect(errorsOf(declared)).toEqual(['action_id: required attribute of class HTTP Activity is missing']);
    expect(errorsOf({ ...declared, action_id: 2 })).toEqual([]);
  });

  it('flags an attribute of a profile that metadata.profiles does not declare', () => {
    // Prepare
    const event = { ...minimal('HttpActivity'), actor: { user: USER } };
    const declared = { ...event, metadata: { ...event.metadata, profiles: ['host'] } };

    // Act / Assess
    expect(errorsOf(event)).toEqual(['actor: belongs to the host profile, which metadata.profiles does not declare']);
    expect(errorsOf(declared)).toEqual([]);
  });

  it('flags a time in seconds or microseconds: every timestamp_t is epoch milliseconds', () => {
    // Prepare
    const event = minimal('ApiActivity');

    // Act / Assess
    expect(errorsOf({ ...event, time: 1_763_000_000 })).toEqual([
      expect.stringMatching(/^time: 1763000000 is not epoch milliseconds/),
    ]);
    expect(errorsOf({ ...event, metadata: { ...event.metadata, logged_time: 1_763_000_000_000_000 } })).toEqual([
      expect.stringMatching(/^metadata\.logged_time: 1763000000000000 is not epoch milliseconds/),
    ]);
    expect(errorsOf({ ...event, time: 100_000_000_000 })).toEqual([]);
  });

  it('flags an integer_t outside 32 bits, and lets long_t hold it', () => {
    // Prepare
    const event = minimal('HttpActivity');

    // Act / Assess
    expect(errorsOf({ ...event, http_response: { code: 200, length: 2 ** 31 } })).toEqual([
      "http_response.length: 2147483648 is outside integer_t's 32 bits (-2147483648..2147483647)",
    ]);
    expect(errorsOf({ ...event, http_response: { code: 200, length: 2 ** 31 - 1 } })).toEqual([]);
    expect(errorsOf({ ...event, metadata: { ...event.metadata, sequence: -(2 ** 31) - 1 } })).toEqual([
      expect.stringMatching(/^metadata\.sequence: -2147483649 is outside integer_t/),
    ]);
    expect(errorsOf({ ...event, type_uid: 400203, activity_id: 3 })).toEqual([]);
  });

  it('flags what is not an object at all', () => {
    expect(errorsOf('{"class_uid": 6003}')).toEqual([': an event must be a JSON object']);
  });
});

describe('OcsfValidator: warnings', () => {
  it('warns on formats, string enums, null values and captions that disagree with their id', () => {
    // Prepare
    const event = {
      ...minimal('HttpActivity'),
      http_request: { http_method: 'PATCH' },
      actor: { user: { uid: 'u', email_addr: 'José@example.com' } },
      status: 'Failure',
      message: null,
      metadata: { ...minimal('HttpActivity').metadata, profiles: ['host'] },
    };

    // Act
    const result = new OcsfValidator().validate(event);

    // Assess
    expect(result.valid).toBe(true);
    expect(result.warnings.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'status: "Failure" disagrees with status_id 1 ("Success")',
      'message: is null (omit the attribute instead)',
      expect.stringMatching(/^http_request\.http_method: "PATCH" is not one of CONNECT/),
      'actor.user.email_addr: "José@example.com" does not match the email_t format',
    ]);
  });
});
