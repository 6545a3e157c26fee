/**
 * The lake's schema per class is derived from the one table definition and the OCSF subset: every
 * column and every nested field of a class's schema is an attribute of that class (or of the OCSF
 * object that holds it) with a type that stores it, and nothing of another class creeps in.
 */
import { describe, expect, it } from '@jest/globals';
import { loadOcsfSubset, type OcsfAttribute } from '../../../shared/ocsf-validate.ts';
import { OcsfClass } from '../../../shared/ocsf-classes.ts';
import {
  columnValue,
  lakeColumns,
  parquetSchema,
  parseHiveType,
  renderHiveType,
  type HiveType,
} from '../../../shared/security-lake/schema.ts';
import { EVENT_COLUMNS, JSON_TEXT_PATHS } from '../../../shared/table.ts';

const subset = loadOcsfSubset();
const CLASSES = Object.values(OcsfClass).map((c) => c.uid);

/** The Hive primitive an OCSF scalar type is stored as. */
function storedAs(type: string): string {
  const base = (t: string): string => (subset.types[t]?.base ? base(subset.types[t].base as string) : t);
  const root = base(type);
  return (
    {
      string_t: 'string',
      integer_t: 'int',
      long_t: 'bigint',
      boolean_t: 'boolean',
      float_t: 'double',
      json_t: 'string',
    }[root] ?? root
  );
}

/** Every leaf of a column with the OCSF attribute it stands for; throws on a path OCSF does not have. */
function leaves(
  path: string,
  type: HiveType,
  attribute: OcsfAttribute,
  out: Array<{ path: string; hive: string; ocsf: string }>,
): void {
  const item = type.kind === 'array' ? type.item : type;
  if (type.kind === 'array') expect({ path, isArray: attribute.is_array === true }).toEqual({ path, isArray: true });
  if (item.kind === 'struct') {
    const object = subset.objects[attribute.type];
    if (!object) throw new Error(`${path}: a struct for OCSF type ${attribute.type}`);
    for (const field of item.fields) {
      const inner = object.attributes[field.name];
      if (!inner) throw new Error(`${path}.${field.name} is no attribute of OCSF object ${attribute.type}`);
      leaves(`${path}${type.kind === 'array' ? '[]' : ''}.${field.name}`, field.type, inner, out);
    }
  } else if (item.kind === 'primitive') {
    out.push({ path: `${path}${type.kind === 'array' ? '[]' : ''}`, hive: item.name, ocsf: attribute.type });
  }
}

describe('lakeColumns', () => {
  it.each(CLASSES)(
    'class %i: every column and nested field is an OCSF attribute of the class, stored in its type',
    (uid) => {
      // Act
      const columns = lakeColumns(uid, subset);

      // Assess
      const definition = subset.classes[String(uid)];
      const found: Array<{ path: string; hive: string; ocsf: string }> = [];
      for (const column of columns)
        leaves(column.name, parseHiveType(column.type), definition?.attributes[column.name] as OcsfAttribute, found);
      const wrong = found.filter(
        (l) =>
          !(
            l.hive === storedAs(l.ocsf) ||
            (l.hive === 'string' && JSON_TEXT_PATHS.includes(l.path) && ['object', 'json_t'].includes(l.ocsf))
          ),
      );
      expect(wrong).toEqual([]);
      expect(found.length).toBeGreaterThan(20);
    },
  );

  it.each(CLASSES)(
    'class %i: has every column of the table that the class has as an attribute, and no other',
    (uid) => {
      const names = lakeColumns(uid, subset).map((c) => c.name);
      const attributes = subset.classes[String(uid)]?.attributes ?? {};
      expect(names).toEqual(EVENT_COLUMNS.map((c) => c.name).filter((n) => n in attributes));
    },
  );

  it('differs by class: API Activity has api and no web_resources, Web Resources Activity has web_resources', () => {
    const api = lakeColumns(OcsfClass.ApiActivity.uid, subset).map((c) => c.name);
    const web = lakeColumns(OcsfClass.WebResourcesActivity.uid, subset).map((c) => c.name);
    expect(api).toContain('api');
    expect(api).not.toContain('web_resources');
    expect(web).toContain('web_resources');
  });

  it('prunes struct fields the OCSF object lacks (actor.app_name is no attribute of OCSF 1.1 actor)', () => {
    const actor = lakeColumns(OcsfClass.ApiActivity.uid, subset).find((c) => c.name === 'actor');
    expect(EVENT_COLUMNS.find((c) => c.name === 'actor')?.type).toContain('app_name:string');
    expect(actor?.type).not.toContain('app_name');
  });

  it('refuses a class outside the subset, naming the classes it has', () => {
    expect(() => lakeColumns(1001, subset)).toThrow(
      'OCSF class 1001 is not in the schema subset (classes: 0, 2004, 3001',
    );
  });
});

describe('parseHiveType / renderHiveType', () => {
  it('round-trips every column type of the table', () => {
    for (const column of EVENT_COLUMNS) expect(renderHiveType(parseHiveType(column.type))).toBe(column.type);
  });

  it('names what is wrong in a bad type', () => {
    expect(() => parseHiveType('struct<a:string')).toThrow('bad Hive type "struct<a:string": expected ">" at 15');
  });
});

describe('parquetSchema', () => {
  it('writes arrays as three-level LISTs and structs as groups, every field optional', () => {
    const schema = parquetSchema([{ name: 'resources', type: 'array<struct<uid:string,size:bigint>>' }]);
    expect(schema).toEqual([
      { name: 'root', num_children: 1 },
      { name: 'resources', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'uid', repetition_type: 'OPTIONAL', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
      { name: 'size', repetition_type: 'OPTIONAL', type: 'INT64' },
    ]);
  });

  it('refuses a Hive type it has no Parquet type for', () => {
    expect(() => parquetSchema([{ name: 'd', type: 'decimal' }])).toThrow(
      'column d: no Parquet type for Hive type "decimal"',
    );
  });
});

describe('columnValue', () => {
  it('keeps JSON text where the column is a string and the value an object, and 64-bit integers as bigint', () => {
    const coercion = { misfits: 0 };
    const type = parseHiveType('struct<data:string,size:bigint,code:int,tags:array<string>>');

    const value = columnValue(type, { data: { a: [1] }, size: 5, code: 7, tags: ['x'], extra: 'dropped' }, coercion);

    expect(value).toEqual({ data: '{"a":[1]}', size: 5n, code: 7, tags: ['x'] });
    expect(coercion.misfits).toBe(0);
  });

  it('writes a value of the wrong kind as null and counts it', () => {
    const coercion = { misfits: 0 };
    expect(columnValue(parseHiveType('struct<code:int,on:boolean>'), { code: 'seven', on: 'yes' }, coercion)).toEqual({
      code: null,
      on: null,
    });
    expect(columnValue(parseHiveType('array<string>'), 'not a list', coercion)).toBeNull();
    expect(coercion.misfits).toBe(3);
  });
});
