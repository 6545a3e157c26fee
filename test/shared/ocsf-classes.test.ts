/**
 * The class table of shared/ocsf-classes.ts agrees with the OCSF 1.1.0 schema subset (every id and
 * caption), and eventHead sets the captions producers set: class_name, category_name,
 * activity_name (the vendor's label for Other), type_name, severity and status.
 */
import { describe, expect, it } from '@jest/globals';
import {
  CATEGORY_NAMES,
  OcsfClass,
  emailOf,
  eventHead,
  int32,
  requiredEndpoint,
  severityOf,
  SeverityId,
  type OcsfClassName,
} from '../../shared/ocsf.ts';
import { loadOcsfSubset } from '../../shared/ocsf-validate.ts';
import { BASE, PRODUCT } from '../helpers/core-ocsf.ts';

const subset = loadOcsfSubset();

describe('OcsfClass', () => {
  it('lists exactly the classes of the schema subset, with their category', () => {
    expect(
      Object.values(OcsfClass)
        .map((c) => [String(c.uid), c.caption, c.category])
        .sort(),
    ).toEqual(
      Object.entries(subset.classes)
        .map(([uid, c]) => [uid, c.caption, c.category_uid])
        .sort(),
    );
  });

  it.each(Object.keys(OcsfClass) as OcsfClassName[])(
    "%s: activity, category and status captions are the schema's",
    (name) => {
      // Prepare
      const cls: {
        uid: number;
        category: number;
        activities: Record<number, string>;
        statuses?: Record<number, string>;
      } = OcsfClass[name];
      const attrs = subset.classes[String(cls.uid)]?.attributes;

      // Assess
      expect(Object.fromEntries(Object.entries(cls.activities))).toEqual(attrs?.activity_id?.enum);
      expect({ [cls.category]: CATEGORY_NAMES[cls.category] }).toEqual(attrs?.category_uid?.enum);
      if (cls.statuses) expect(Object.fromEntries(Object.entries(cls.statuses))).toEqual(attrs?.status_id?.enum);
    },
  );
});

describe('eventHead', () => {
  it('sets the caption beside every id, as the schema names it', () => {
    // Act
    const event = eventHead(
      {
        cls: 'ApiActivity',
        activityId: 3,
        time: 1_763_000_000_000,
        message: 'm',
        statusId: 2,
        severityId: SeverityId.Low,
      },
      BASE,
      PRODUCT,
    );

    // Assess
    expect(event).toMatchObject({
      class_uid: 6003,
      class_name: 'API Activity',
      category_uid: 6,
      category_name: 'Application Activity',
      activity_id: 3,
      activity_name: 'Update',
      type_uid: 600303,
      type_name: 'API Activity: Update',
      severity_id: 2,
      severity: 'Low',
      status_id: 2,
      status: 'Failure',
    });
  });

  it("gives Other (99) the vendor's own label, and keeps type_name the schema's caption", () => {
    // Act
    const event = eventHead(
      {
        cls: 'ApiActivity',
        activityId: 99,
        activityName: 'Call Via API',
        time: 1,
        message: 'm',
        statusId: 99,
        statusName: 'Queued',
      },
      BASE,
      PRODUCT,
    );

    // Assess
    expect(event).toMatchObject({ activity_name: 'Call Via API', type_name: 'API Activity: Other', status: 'Queued' });
  });

  it("uses the class's own status captions (a finding is New, not Success) and carries the vendor's record id", () => {
    // Act
    const event = eventHead(
      { cls: 'DetectionFinding', activityId: 1, time: 1, message: 'm', statusId: 1, vendorUid: '48213377' },
      BASE,
      PRODUCT,
    );

    // Assess
    expect(event).toMatchObject({
      class_name: 'Detection Finding',
      category_name: 'Findings',
      status: 'New',
      metadata: { correlation_uid: '48213377' },
    });
  });
});

describe('severityOf: the shared severity policy', () => {
  it.each([
    [{}, SeverityId.Informational],
    [{ failed: true }, SeverityId.Low],
    [{ failed: true, denied: true }, SeverityId.Medium],
    [{ flagged: true }, SeverityId.Medium],
    [{ detection: true, failed: true }, SeverityId.High],
  ])('%j → %i', (signals, severity) => {
    expect(severityOf(signals)).toBe(severity);
  });
});

describe('the shared mapping helpers', () => {
  it("emailOf keeps only addresses in OCSF's email_t format", () => {
    expect(['ana@example.com', 'José@example.com', 'a@b', '"x"@y.z', '', undefined].map(emailOf)).toEqual([
      'ana@example.com',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('int32 keeps integers that fit 32 bits', () => {
    expect([0, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 1.5, '7', undefined].map(int32)).toEqual([
      0,
      2 ** 31 - 1,
      undefined,
      -(2 ** 31),
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('requiredEndpoint keeps a named endpoint and says "unknown" where the record names none', () => {
    expect([
      requiredEndpoint({ ip: '198.51.100.7' }),
      requiredEndpoint(undefined),
      requiredEndpoint({ port: 81 }),
    ]).toEqual([{ ip: '198.51.100.7' }, { name: 'unknown' }, { port: 81, name: 'unknown' }]);
  });
});
