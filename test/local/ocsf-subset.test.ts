/**
 * The OCSF schema subset generator (local/ocsf-subset.ts): the committed
 * shared/ocsf-1.1.0-subset.json is what it makes from the schema data kept in the repository
 * (shared/ocsf-1.1.0), and it resolves the schema's merge rules as the OCSF
 * server does: includes, extends, dictionary, enums, profiles.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { buildSubset, DEFAULT_SCHEMA_DIR, renderSubset, SUBSET_PATH } from '../../local/ocsf-subset.ts';
import type { OcsfSubset } from '../../shared/ocsf-validate.ts';

let subset: OcsfSubset;
beforeAll(() => {
  if (!existsSync(DEFAULT_SCHEMA_DIR)) {
    throw new Error(
      `the OCSF 1.1.0 schema data is missing: expected it at ${DEFAULT_SCHEMA_DIR} (the repository's copy of the schema)`,
    );
  }
  subset = buildSubset(DEFAULT_SCHEMA_DIR);
});

describe('the OCSF subset generator', () => {
  it('made the committed shared/ocsf-1.1.0-subset.json from the schema data (else run: npx tsx local/ocsf-subset.ts)', () => {
    expect(readFileSync(SUBSET_PATH, 'utf8')).toBe(renderSubset(subset));
  });

  it('holds the classes audit-pump emits with their class and category ids, and every object they reach', () => {
    expect(
      Object.fromEntries(Object.entries(subset.classes).map(([uid, c]) => [uid, [c.caption, c.category_uid]])),
    ).toEqual({
      0: ['Base Event', 0],
      2004: ['Detection Finding', 2],
      3001: ['Account Change', 3],
      3002: ['Authentication', 3],
      4002: ['HTTP Activity', 4],
      6001: ['Web Resources Activity', 6],
      6003: ['API Activity', 6],
      6006: ['File Hosting Activity', 6],
    });
    expect(Object.keys(subset.objects)).toEqual(
      expect.arrayContaining([
        'actor',
        'user',
        'metadata',
        'product',
        'network_endpoint',
        'api',
        'http_request',
        'url',
        'web_resource',
        'resource_details',
        'process',
        'file',
      ]),
    );
  });

  it("merges enums: the base activities (0, 99) with the class's own, and type_uid one value per activity", () => {
    const api = subset.classes['6003']?.attributes;
    expect(Object.keys(api?.activity_id?.enum ?? {})).toEqual(['0', '1', '2', '3', '4', '99']);
    expect(Object.keys(api?.type_uid?.enum ?? {})).toEqual([
      '600300',
      '600301',
      '600302',
      '600303',
      '600304',
      '600399',
    ]);
    expect(api?.class_uid?.enum).toEqual({ 6003: 'API Activity' });
  });

  it("puts definitions over the dictionary and over parents: user.name is a username_t, product.name keeps _entity's requirement", () => {
    expect(subset.objects.user?.attributes.name).toEqual({ type: 'username_t', requirement: 'recommended' });
    expect(subset.objects.product?.attributes.name).toMatchObject({ type: 'string_t', requirement: 'recommended' });
    expect(subset.objects.product?.attributes.vendor_name).toMatchObject({ requirement: 'required' });
    expect(subset.objects.network_endpoint?.constraints?.at_least_one).toContain('svc_name');
  });

  it('tags profile attributes, unless the class takes them over (profile: null)', () => {
    expect(subset.classes['4002']?.attributes.actor).toEqual({ type: 'actor', profile: 'host' });
    expect(subset.classes['6003']?.attributes.api).toEqual({ type: 'api', requirement: 'required' });
    expect(subset.classes['6003']?.attributes.cloud).toMatchObject({ requirement: 'required', profile: 'cloud' });
    expect(subset.objects.resource_details?.attributes.region).toMatchObject({ profile: 'cloud' });
  });

  it('fails with a clear message when the schema data is not where it is looked for', () => {
    expect(() => buildSubset('/nonexistent/ocsf-1.1.0')).toThrow(
      'OCSF 1.1.0 schema data not found at /nonexistent/ocsf-1.1.0 (expected dictionary.json there',
    );
  });
});
