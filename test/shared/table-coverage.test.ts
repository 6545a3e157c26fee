/**
 * Every field queryable: each path any normalizer emits has a column in the one table definition
 * (shared/table.ts), of one stable type. The paths are derived from normalized events of every
 * vendor, generated from every documented record shape with all optional fields present and in
 * their sparse shapes (local/<vendor>-arbitrary.ts); a path without a column fails the test, as
 * does a value whose JSON kind does not fit its column (Parquet conversion would drop the field
 * or the record). Paths whose shape varies by vendor are JSON text in a string column.
 */
import { describe, expect, it } from '@jest/globals';
import { GENERATED, generatedEvents } from '../../local/emulators/generated-records.ts';
import type { Vendor } from '../../shared/config.ts';
import { JSON_TEXT_PATHS, leafPaths } from '../../shared/table.ts';

const LEAVES = leafPaths();

/** The JSON kind of a leaf value, as a column must hold it. */
function kindOf(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return value === null ? 'null' : typeof value;
}

/** Every leaf path of `event` with the kinds seen there; JSON-text paths are leaves whatever they hold. */
function collect(value: unknown, path: string, into: Map<string, Set<string>>): void {
  const add = (kind: string) => into.set(path, (into.get(path) ?? new Set()).add(kind));
  if (JSON_TEXT_PATHS.includes(path)) add('json');
  else if (Array.isArray(value)) {
    if (value.length === 0) into.set(`${path}[]`, into.get(`${path}[]`) ?? new Set());
    for (const item of value) collect(item, `${path}[]`, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) collect(v, path ? `${path}.${key}` : key, into);
  } else add(kindOf(value));
}

/** What a column of Hive type `type` accepts. */
const FITS: Record<string, (kind: string) => boolean> = {
  string: (k) => k === 'string',
  int: (k) => k === 'integer',
  bigint: (k) => k === 'integer',
  boolean: (k) => k === 'boolean',
  double: (k) => k === 'number' || k === 'integer',
};

/** The emitted paths of 1500 full and 1500 sparse generated records of `vendor`, with their kinds. */
function emitted(vendor: Vendor): Map<string, Set<string>> {
  const paths = new Map<string, Set<string>>();
  for (const event of generatedEvents(vendor, 3000, 15)) collect(event, '', paths);
  return paths;
}

describe('the events table covers every field the normalizers emit', () => {
  it.each(Object.keys(GENERATED) as Vendor[])(
    '%s: every emitted path has a column whose type fits every value seen there',
    (vendor) => {
      // Act
      const paths = emitted(vendor);

      // Assess
      const problems = [...paths].flatMap(([path, kinds]) => {
        const type = JSON_TEXT_PATHS.includes(path) ? 'string' : LEAVES.get(path);
        if (type === undefined) return [`${path}: no column (seen as ${[...kinds].join(', ') || 'an empty array'})`];
        const misfits = [...kinds].filter((k) => k !== 'json' && !FITS[type]?.(k));
        return misfits.length ? [`${path}: ${type} column, but ${misfits.join(', ')} values`] : [];
      });
      expect(problems).toEqual([]);
      expect(paths.size).toBeGreaterThan(20);
    },
  );

  it('keeps the JSON-text paths in string columns', () => {
    expect(JSON_TEXT_PATHS.map((p) => [p, LEAVES.get(p)])).toEqual(JSON_TEXT_PATHS.map((p) => [p, 'string']));
  });

  it('fails on a path without a column: a leaf the table does not have is reported by name', () => {
    // Prepare
    const paths = new Map<string, Set<string>>();
    collect({ metadata: { uid: 'u', not_a_column: 1 }, resources: [{ name: 'r', shoe_size: 44 }] }, '', paths);

    // Act
    const missing = [...paths.keys()].filter((p) => !LEAVES.has(p));

    // Assess
    expect(missing).toEqual(['metadata.not_a_column', 'resources[].shoe_size']);
  });
});
