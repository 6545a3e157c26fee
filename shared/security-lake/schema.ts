/**
 * The Parquet schema of each class in the lake, derived, never written by hand: the columns of the
 * archive's one table definition (shared/table.ts) that the class has as OCSF attributes
 * (shared/ocsf-1.1.0-subset.json), with every struct pruned to the attributes of the OCSF object it
 * holds. So a class's file carries exactly its own OCSF attributes, nested as OCSF nests them, with
 * the types the Glue table gives them (JSON text where the shape varies by vendor, as in the
 * archive's table). The local writer and the deployed exporter both call {@link lakeColumns}.
 */
import type { SchemaElement } from 'hyparquet-writer';
import type { OcsfAttribute, OcsfSubset } from '../ocsf-validate.ts';
import { EVENT_COLUMNS, type Column } from '../table.ts';

/** A Hive/Glue type string, parsed. */
export type HiveType =
  | { readonly kind: 'struct'; readonly fields: ReadonlyArray<{ readonly name: string; readonly type: HiveType }> }
  | { readonly kind: 'array'; readonly item: HiveType }
  | { readonly kind: 'primitive'; readonly name: string };

/** Parses `struct<a:string,b:array<int>>` and the like (the types shared/table.ts uses). */
export function parseHiveType(text: string): HiveType {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`bad Hive type "${text}": ${what} at ${pos}`);
  };
  const word = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos)) ?? fail('expected a name');
    pos += m[0].length;
    return m[0];
  };
  const expect = (s: string): void => {
    if (!text.startsWith(s, pos)) fail(`expected "${s}"`);
    pos += s.length;
  };
  const type = (): HiveType => {
    const name = word().toLowerCase();
    if (name === 'array') {
      expect('<');
      const item = type();
      expect('>');
      return { kind: 'array', item };
    }
    if (name !== 'struct') return { kind: 'primitive', name };
    expect('<');
    const fields: Array<{ name: string; type: HiveType }> = [];
    do {
      if (fields.length) expect(',');
      const field = word();
      expect(':');
      fields.push({ name: field, type: type() });
    } while (text.startsWith(',', pos));
    expect('>');
    return { kind: 'struct', fields };
  };
  const parsed = type();
  if (pos !== text.length) fail('trailing text');
  return parsed;
}

/** The Hive type string of a parsed type. */
export function renderHiveType(type: HiveType): string {
  if (type.kind === 'primitive') return type.name;
  if (type.kind === 'array') return `array<${renderHiveType(type.item)}>`;
  return `struct<${type.fields.map((f) => `${f.name}:${renderHiveType(f.type)}`).join(',')}>`;
}

/** `type` with every struct field that the OCSF definition behind `attribute` lacks removed. */
function prune(type: HiveType, attribute: OcsfAttribute, subset: OcsfSubset): HiveType {
  const item = type.kind === 'array' ? type.item : type;
  const object = subset.objects[attribute.type];
  if (item.kind !== 'struct' || !object) return type;
  const fields = item.fields.flatMap((field) => {
    const inner = object.attributes[field.name];
    return inner ? [{ name: field.name, type: prune(field.type, inner, subset) }] : [];
  });
  const struct: HiveType = { kind: 'struct', fields };
  return type.kind === 'array' ? { kind: 'array', item: struct } : struct;
}

/** The lake's columns for `classUid`: the table's columns that are attributes of the class, pruned to OCSF. */
export function lakeColumns(classUid: number, subset: OcsfSubset): Column[] {
  const definition = subset.classes[String(classUid)];
  if (!definition)
    throw new Error(
      `OCSF class ${classUid} is not in the schema subset (classes: ${Object.keys(subset.classes).join(', ')})`,
    );
  return EVENT_COLUMNS.flatMap((column) => {
    const attribute = definition.attributes[column.name];
    if (!attribute) return [];
    return [{ ...column, type: renderHiveType(prune(parseHiveType(column.type), attribute, subset)) }];
  });
}

/** Hive primitives → Parquet physical types (and the UTF-8 annotation for strings). */
const PRIMITIVES: Readonly<Record<string, Pick<SchemaElement, 'type' | 'converted_type'>>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  int: { type: 'INT32' },
  bigint: { type: 'INT64' },
  boolean: { type: 'BOOLEAN' },
  double: { type: 'DOUBLE' },
  float: { type: 'FLOAT' },
};

/**
 * The Parquet schema of `columns`, depth first as Parquet lists it: every field optional, structs as
 * groups, arrays as the three-level LIST (`<name>` / `list` repeated / `element`) that Athena,
 * Glue and DuckDB read.
 */
export function parquetSchema(columns: readonly Column[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  const add = (name: string, type: HiveType): void => {
    if (type.kind === 'primitive') {
      const primitive = PRIMITIVES[type.name];
      if (!primitive) throw new Error(`column ${name}: no Parquet type for Hive type "${type.name}"`);
      out.push({ name, repetition_type: 'OPTIONAL', ...primitive });
    } else if (type.kind === 'struct') {
      out.push({ name, repetition_type: 'OPTIONAL', num_children: type.fields.length });
      for (const field of type.fields) add(field.name, field.type);
    } else {
      out.push({ name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      add('element', type.item);
    }
  };
  for (const column of columns) add(column.name, parseHiveType(column.type));
  return out;
}

/** Counts values that did not fit their column's type and were written as null. */
export interface Coercion {
  misfits: number;
}

/**
 * An event's value as the column's type holds it: JSON text for a string column given an object
 * (`unmapped`, the `data` fields), 64-bit integers as bigint, struct fields the schema lacks
 * dropped. A value of the wrong kind becomes null and is counted: the event's `raw_data` still
 * holds the vendor's record, and the OCSF validator keeps such values out of the normalizers.
 */
export function columnValue(type: HiveType, value: unknown, coercion: Coercion): unknown {
  if (value === null || value === undefined) return null;
  if (type.kind === 'struct') {
    if (typeof value !== 'object' || Array.isArray(value)) return misfit(coercion);
    const record = value as Record<string, unknown>;
    return Object.fromEntries(type.fields.map((f) => [f.name, columnValue(f.type, record[f.name], coercion)]));
  }
  if (type.kind === 'array')
    return Array.isArray(value) ? value.map((v) => columnValue(type.item, v, coercion)) : misfit(coercion);
  switch (type.name) {
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'int':
    case 'bigint':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return misfit(coercion);
      return type.name === 'bigint' ? BigInt(value) : value;
    case 'boolean':
      return typeof value === 'boolean' ? value : misfit(coercion);
    default:
      return typeof value === 'number' ? value : misfit(coercion);
  }
}

function misfit(coercion: Coercion): null {
  coercion.misfits++;
  return null;
}
