/**
 * OCSF 1.1 validator for the classes audit-pump emits (DESIGN.md 4.4), driven by the schema data in
 * shared/ocsf-1.1.0-subset.json (generated from the OCSF schema by local/ocsf-subset.ts, so the
 * product validates without the schema repository). Errors: missing required attributes (the
 * class's, the base event's and every object's, recursively; a profile's only when the event
 * declares it in `metadata.profiles`), attributes of a profile the event does not declare, unknown
 * attributes, wrong types, `integer_t` values outside 32 bits, `timestamp_t` values that are not
 * epoch milliseconds, values outside an enum, broken `at_least_one`/`just_one` constraints, and
 * class arithmetic (`category_uid`, `type_uid`).
 * Warnings: format regexes (email, ip, hostname...), values outside a string enum, null values,
 * sibling captions that disagree with their `_id`.
 */
import { readFileSync } from 'node:fs';

/** One attribute of a class or object, resolved (dictionary, includes, extends and profiles merged). */
export interface OcsfAttribute {
  /** A scalar type (`string_t`, `timestamp_t`...), an object name, or `object` (any JSON object). */
  type: string;
  is_array?: true;
  /** Absent means optional. */
  requirement?: 'required' | 'recommended';
  /** Allowed values → caption. */
  enum?: Record<string, string>;
  /** The profile the attribute belongs to: required only when the event declares that profile. */
  profile?: string;
  /** The caption attribute of an `_id` enum (`status` for `status_id`). */
  sibling?: string;
  deprecated?: true;
}

/** A scalar type: its base type and constraints. */
export interface OcsfType {
  base?: string;
  regex?: string;
  range?: [number, number];
  max_len?: number;
}

export interface OcsfDefinition {
  caption: string;
  attributes: Record<string, OcsfAttribute>;
  constraints?: Record<string, string[]>;
}

export interface OcsfClassDefinition extends OcsfDefinition {
  name: string;
  category_uid: number;
}

/** The generated schema subset. */
export interface OcsfSubset {
  version: string;
  source: string;
  types: Record<string, OcsfType>;
  /** By class_uid. */
  classes: Record<string, OcsfClassDefinition>;
  objects: Record<string, OcsfDefinition>;
}

export interface OcsfProblem {
  /** Where, e.g. `actor.user.uid` or `resources[0].type` (empty for the event itself). */
  path: string;
  message: string;
}

export interface OcsfValidation {
  classUid?: number;
  valid: boolean;
  errors: OcsfProblem[];
  warnings: OcsfProblem[];
}

/** Where the generated subset lives. */
export const SUBSET_URL = new URL('./ocsf-1.1.0-subset.json', import.meta.url);

/** Reads the generated schema subset. */
export function loadOcsfSubset(url: URL | string = SUBSET_URL): OcsfSubset {
  return JSON.parse(readFileSync(url, 'utf8')) as OcsfSubset;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

const BASE_CHECKS: Record<string, (v: unknown) => boolean> = {
  string_t: (v) => typeof v === 'string',
  integer_t: (v) => Number.isInteger(v),
  long_t: (v) => Number.isSafeInteger(v),
  float_t: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean_t: (v) => typeof v === 'boolean',
  json_t: () => true,
};

/**
 * Limits the schema states in prose: `integer_t` is a 32-bit integer (`long_t` is the 64-bit one),
 * and a `timestamp_t` is epoch milliseconds. A time in seconds (about 1.7e9 today) or microseconds
 * (1.7e15) is read as a date in 1970 or in the year 50000, so values outside 1973..5138 are taken
 * for the wrong unit.
 */
const LIMITS: Record<string, { min: number; max: number; message: string }> = {
  integer_t: { min: -(2 ** 31), max: 2 ** 31 - 1, message: "is outside integer_t's 32 bits (-2147483648..2147483647)" },
  timestamp_t: {
    min: 1e11,
    max: 1e14 - 1,
    message: 'is not epoch milliseconds (expected 1e11..1e14, 1973..5138: seconds or microseconds?)',
  },
};

/** Validates events against the subset; one instance caches compiled regexes. */
export class OcsfValidator {
  private readonly regexes = new Map<string, RegExp>();

  constructor(readonly schema: OcsfSubset = loadOcsfSubset()) {}

  /** Every problem of one event. */
  validate(event: unknown): OcsfValidation {
    const errors: OcsfProblem[] = [];
    const warnings: OcsfProblem[] = [];
    const run = new Run(this, errors, warnings);
    if (!isObject(event))
      return { valid: false, errors: [{ path: '', message: 'an event must be a JSON object' }], warnings };
    const classUid = event.class_uid;
    const cls = typeof classUid === 'number' ? this.schema.classes[String(classUid)] : undefined;
    if (!cls) {
      errors.push({
        path: 'class_uid',
        message: `${JSON.stringify(classUid)} is not a class audit-pump emits (${Object.keys(this.schema.classes).join(', ')})`,
      });
      return { valid: false, errors, warnings };
    }
    const meta = isObject(event.metadata) ? event.metadata : {};
    run.profiles = new Set(
      Array.isArray(meta.profiles) ? meta.profiles.filter((p): p is string => typeof p === 'string') : [],
    );
    run.object(event, cls, '');
    if (event.category_uid !== cls.category_uid)
      errors.push({
        path: 'category_uid',
        message: `must be ${cls.category_uid} for class ${classUid} (${cls.caption}), got ${JSON.stringify(event.category_uid)}`,
      });
    if (
      Number.isInteger(event.activity_id) &&
      event.type_uid !== (classUid as number) * 100 + (event.activity_id as number)
    ) {
      errors.push({
        path: 'type_uid',
        message: `must be class_uid * 100 + activity_id = ${(classUid as number) * 100 + (event.activity_id as number)}, got ${JSON.stringify(event.type_uid)}`,
      });
    }
    if (meta.version !== undefined && meta.version !== this.schema.version)
      errors.push({
        path: 'metadata.version',
        message: `must be "${this.schema.version}", got ${JSON.stringify(meta.version)}`,
      });
    return { classUid: classUid as number, valid: errors.length === 0, errors, warnings };
  }

  /** The compiled regex of a scalar type. */
  regex(source: string): RegExp {
    let re = this.regexes.get(source);
    if (!re) this.regexes.set(source, (re = new RegExp(source)));
    return re;
  }
}

/** One validation pass: the problems found so far and the event's declared profiles. */
class Run {
  profiles = new Set<string>();

  constructor(
    private readonly validator: OcsfValidator,
    private readonly errors: OcsfProblem[],
    private readonly warnings: OcsfProblem[],
  ) {}

  object(value: Record<string, unknown>, def: OcsfDefinition, path: string): void {
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const attr = def.attributes[key];
      if (!attr) {
        this.errors.push({
          path: join(path, key),
          message: `unknown attribute of ${path ? def.caption : `class ${def.caption}`}`,
        });
        continue;
      }
      if (attr.profile && !this.profiles.has(attr.profile))
        this.errors.push({
          path: join(path, key),
          message: `belongs to the ${attr.profile} profile, which metadata.profiles does not declare`,
        });
      if (attr.deprecated) this.warnings.push({ path: join(path, key), message: 'is deprecated in OCSF 1.1' });
      this.attribute(v, attr, join(path, key));
      this.sibling(value, key, attr, path);
    }
    for (const [key, attr] of Object.entries(def.attributes)) {
      const applies = !attr.profile || this.profiles.has(attr.profile);
      if (attr.requirement === 'required' && applies && (value[key] === undefined || value[key] === null)) {
        this.errors.push({
          path: join(path, key),
          message: `required attribute of ${path ? def.caption : `class ${def.caption}`} is missing`,
        });
      }
    }
    this.constraints(value, def, path);
  }

  private constraints(value: Record<string, unknown>, def: OcsfDefinition, path: string): void {
    const present = (names: string[]) => names.filter((n) => value[n] !== undefined && value[n] !== null);
    const { at_least_one: atLeastOne, just_one: justOne } = def.constraints ?? {};
    if (atLeastOne && present(atLeastOne).length === 0)
      this.errors.push({ path, message: `${def.caption} needs at least one of ${atLeastOne.join(', ')}` });
    if (justOne && present(justOne).length !== 1)
      this.errors.push({ path, message: `${def.caption} needs exactly one of ${justOne.join(', ')}` });
  }

  private sibling(value: Record<string, unknown>, key: string, attr: OcsfAttribute, path: string): void {
    const id = value[key];
    const caption = attr.enum?.[String(id)];
    const given = attr.sibling ? value[attr.sibling] : undefined;
    // 99 (Other) means the sibling carries the source's own caption.
    if (caption !== undefined && id !== 99 && typeof given === 'string' && given !== caption) {
      this.warnings.push({
        path: join(path, attr.sibling as string),
        message: `"${given}" disagrees with ${key} ${String(id)} ("${caption}")`,
      });
    }
  }

  private attribute(v: unknown, attr: OcsfAttribute, path: string): void {
    if (v === null) {
      this.warnings.push({ path, message: 'is null (omit the attribute instead)' });
      return;
    }
    if (!attr.is_array) return this.single(v, attr, path);
    if (!Array.isArray(v)) {
      this.errors.push({ path, message: `must be an array of ${attr.type}, got ${typeName(v)}` });
      return;
    }
    v.forEach((item, i) => this.single(item, attr, `${path}[${i}]`));
  }

  private single(v: unknown, attr: OcsfAttribute, path: string): void {
    const schema = this.validator.schema;
    const def = schema.objects[attr.type];
    if (def || attr.type === 'object') {
      if (!isObject(v))
        this.errors.push({ path, message: `must be an object (${def?.caption ?? 'object'}), got ${typeName(v)}` });
      else if (def) this.object(v, def, path);
      return;
    }
    if (!this.scalar(v, attr.type, path)) return;
    if (attr.enum && !(String(v) in attr.enum)) {
      // Integer enums are closed (99 is Other); string enums list the usual values (http_method has no PATCH in 1.1).
      const problems = typeof v === 'string' ? this.warnings : this.errors;
      problems.push({
        path,
        message: `${JSON.stringify(v)} is not one of ${Object.entries(attr.enum)
          .map(([k, c]) => `${k} (${c})`)
          .join(', ')}`,
      });
    }
  }

  /** Checks a scalar against its type chain (`email_t` → `string_t`); false when the base type is wrong. */
  private scalar(v: unknown, type: string, path: string): boolean {
    const types = this.validator.schema.types;
    for (let name: string | undefined = type; name; name = types[name]?.base) {
      const t = types[name];
      if (!t) {
        this.errors.push({ path, message: `has unknown type ${name}` });
        return false;
      }
      const check = BASE_CHECKS[name];
      if (check && !check(v)) {
        this.errors.push({
          path,
          message: `must be ${name}${name === type ? '' : ` (${type})`}, got ${typeName(v)} ${JSON.stringify(v).slice(0, 60)}`,
        });
        return false;
      }
      const bounds = LIMITS[name];
      if (bounds && typeof v === 'number' && !(v >= bounds.min && v <= bounds.max))
        this.errors.push({ path, message: `${v} ${bounds.message}` });
      if (t.range && typeof v === 'number' && (v < t.range[0] || v > t.range[1]))
        this.errors.push({ path, message: `${v} is outside ${name}'s range ${t.range[0]}..${t.range[1]}` });
      if (t.regex && typeof v === 'string' && !this.validator.regex(t.regex).test(v))
        this.warnings.push({ path, message: `${JSON.stringify(v.slice(0, 80))} does not match the ${name} format` });
      if (t.max_len && typeof v === 'string' && v.length > t.max_len)
        this.warnings.push({ path, message: `is longer than ${name}'s ${t.max_len} characters` });
    }
    return true;
  }
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
}

let defaultValidator: OcsfValidator | undefined;

/** Validates one event with the repository's schema subset. */
export function validateOcsf(event: unknown): OcsfValidation {
  defaultValidator ??= new OcsfValidator();
  return defaultValidator.validate(event);
}
