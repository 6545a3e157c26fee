/**
 * Generates shared/ocsf-1.1.0-subset.json: the OCSF 1.1.0 schema data the validator needs (the
 * classes audit-pump emits, every object they reach, the scalar types), resolved once so the
 * validator needs neither the schema repository nor its merge rules at run time. Resolution follows
 * the OCSF server: `$include` first, the file's own attributes over it, then `extends` (the child's
 * definition over the parent's), then the dictionary under all of it; enums are merged.
 * Attributes that come from a profile carry its name, unless the class overrides with `profile: null`.
 *
 * Run from the repository root: `npx tsx local/ocsf-subset.ts [<schema dir>]`
 * (default shared/ocsf-1.1.0, the schema data kept in the repository).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OcsfAttribute, OcsfSubset, OcsfType } from '../shared/ocsf-validate.ts';

/** The classes audit-pump emits, by schema file (the base event for records nothing can be read from). */
export const SUBSET_CLASSES = [
  'base_event',
  'iam/account_change',
  'iam/authentication',
  'network/http',
  'application/web_resources_activity',
  'application/api',
  'application/file_hosting',
  'findings/detection_finding',
] as const;

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The OCSF 1.1.0 schema data, kept in the repository (Apache-2.0, with its LICENSE and NOTICE). */
export const DEFAULT_SCHEMA_DIR = join(ROOT, 'shared', 'ocsf-1.1.0');
/** Where the generated subset lives in the repository. */
export const SUBSET_PATH = join(ROOT, 'shared', 'ocsf-1.1.0-subset.json');

type RawAttr = Record<string, unknown> & { enum?: Record<string, { caption?: string }>; profile?: string | null };
type RawAttrs = Record<string, RawAttr>;
interface RawFile {
  name: string;
  caption?: string;
  uid?: number;
  category?: string;
  extends?: string;
  meta?: string;
  constraints?: Record<string, string[]>;
  attributes?: RawAttrs & { $include?: string[] };
}

/** One attribute definition over another: fields of `over` win, enums are merged. */
function mergeAttr(under: RawAttr | undefined, over: RawAttr): RawAttr {
  if (!under) return { ...over };
  const merged: RawAttr = { ...under, ...over };
  if (under.enum || over.enum) merged.enum = { ...under.enum, ...over.enum };
  return merged;
}

function mergeAttrs(under: RawAttrs, over: RawAttrs): RawAttrs {
  const out: RawAttrs = { ...under };
  for (const [name, attr] of Object.entries(over)) out[name] = mergeAttr(out[name], attr);
  return out;
}

class SchemaReader {
  private readonly dictionary: { attributes: RawAttrs; types: { attributes: Record<string, Record<string, unknown>> } };
  private readonly objectFiles = new Map<string, RawFile>();
  private readonly eventFiles = new Map<string, RawFile>();
  readonly categories: Record<string, { uid: number; caption?: string }>;

  constructor(private readonly dir: string) {
    if (!existsSync(join(dir, 'dictionary.json'))) {
      throw new Error(
        `OCSF 1.1.0 schema data not found at ${dir} (expected dictionary.json there: the shared/ocsf-1.1.0 folder beside the checkout)`,
      );
    }
    this.dictionary = this.read('dictionary.json') as never;
    this.categories = (
      this.read('categories.json') as { attributes: Record<string, { uid: number; caption?: string }> }
    ).attributes;
  }

  categoryCaption(uid: number): string {
    return Object.values(this.categories).find((c) => c.uid === uid)?.caption ?? String(uid);
  }

  read(rel: string): unknown {
    return JSON.parse(readFileSync(join(this.dir, rel), 'utf8'));
  }

  /** A file's attributes with its `$include`s resolved (profile includes tag their attributes). */
  ownAttrs(file: RawFile): RawAttrs {
    const { $include, ...own } = file.attributes ?? {};
    let base: RawAttrs = {};
    for (const rel of ($include ?? []) as string[]) {
      const inc = this.read(rel) as RawFile;
      const attrs = this.ownAttrs(inc);
      const tagged =
        inc.meta === 'profile'
          ? Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, { ...v, profile: inc.name }]))
          : attrs;
      base = mergeAttrs(base, tagged);
    }
    return mergeAttrs(base, own as RawAttrs);
  }

  objectFile(name: string): RawFile {
    return this.cachedFile(this.objectFiles, 'objects', name);
  }

  eventFile(name: string): RawFile {
    return this.cachedFile(this.eventFiles, 'events', name);
  }

  /** `<folder>/<name>.json`, read once. */
  private cachedFile(cache: Map<string, RawFile>, folder: string, name: string): RawFile {
    let file = cache.get(name);
    if (!file) {
      file = this.read(join(folder, `${name}.json`)) as RawFile;
      cache.set(name, file);
    }
    return file;
  }

  /** Attributes of a file and its `extends` chain; `lookup` finds the parent file. */
  chain(
    file: RawFile,
    lookup: (name: string) => RawFile,
  ): { attrs: RawAttrs; constraints: Record<string, string[]>; category?: string } {
    const parent = file.extends ? this.chain(lookup(file.extends), lookup) : { attrs: {}, constraints: {} };
    const category = file.category ?? (parent as { category?: string }).category;
    return {
      attrs: mergeAttrs(parent.attrs, this.ownAttrs(file)),
      constraints: { ...parent.constraints, ...file.constraints },
      ...(category ? { category } : {}),
    };
  }

  /** The attribute as the validator needs it: dictionary under the resolved definition. */
  finish(name: string, attr: RawAttr): OcsfAttribute {
    const merged = mergeAttr(this.dictionary.attributes[name], attr);
    const type = String(merged.type ?? 'string_t');
    const enumValues = merged.enum
      ? Object.fromEntries(Object.entries(merged.enum).map(([k, v]) => [k, v.caption ?? k]))
      : undefined;
    const requirement =
      merged.requirement === 'required' || merged.requirement === 'recommended' ? merged.requirement : undefined;
    return {
      type,
      ...(merged.is_array ? { is_array: true } : {}),
      ...(requirement ? { requirement } : {}),
      ...(enumValues ? { enum: enumValues } : {}),
      ...(typeof merged.profile === 'string' ? { profile: merged.profile } : {}),
      ...(merged.sibling ? { sibling: String(merged.sibling) } : {}),
      ...(merged['@deprecated'] ? { deprecated: true } : {}),
    };
  }

  types(): Record<string, OcsfType> {
    return Object.fromEntries(
      Object.entries(this.dictionary.types.attributes).map(([name, t]) => [
        name,
        {
          ...(t.type ? { base: String(t.type) } : {}),
          ...(t.regex ? { regex: String(t.regex) } : {}),
          ...(Array.isArray(t.range) ? { range: t.range as [number, number] } : {}),
          ...(typeof t.max_len === 'number' ? { max_len: t.max_len } : {}),
        },
      ]),
    );
  }
}

function finishAll(reader: SchemaReader, attrs: RawAttrs): Record<string, OcsfAttribute> {
  return Object.fromEntries(
    Object.entries(attrs)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, attr]) => [name, reader.finish(name, attr)]),
  );
}

/** Resolves the subset from the schema data in `dir`. */
export function buildSubset(dir: string = DEFAULT_SCHEMA_DIR): OcsfSubset {
  const reader = new SchemaReader(dir);
  const version = (reader.read('version.json') as { version: string }).version;
  const eventByName = (name: string) => reader.eventFile(name === 'base_event' ? 'base_event' : findEvent(dir, name));
  const subset: OcsfSubset = {
    version,
    source: 'ocsf/ocsf-schema v1.1.0, generated by local/ocsf-subset.ts',
    types: reader.types(),
    classes: {},
    objects: {},
  };
  const pending: string[] = [];
  const want = (attrs: Record<string, OcsfAttribute>) => {
    for (const a of Object.values(attrs))
      if (!a.type.endsWith('_t') && a.type !== 'object' && !(a.type in subset.objects) && !pending.includes(a.type))
        pending.push(a.type);
  };
  for (const path of SUBSET_CLASSES) {
    const file = reader.eventFile(path);
    const { attrs, constraints, category } = reader.chain(file, eventByName);
    // The base event is class 0 of category 0 (Uncategorized): its file says category "other", no uid.
    const base = path === 'base_event';
    const categoryUid = base ? 0 : reader.categories[category ?? '']?.uid;
    if (categoryUid === undefined || (file.uid === undefined && !base))
      throw new Error(`class ${path}: no category or uid`);
    const classUid = categoryUid * 1000 + (file.uid ?? 0);
    const attributes = classIds(
      finishAll(reader, attrs),
      classUid,
      file.caption ?? file.name,
      categoryUid,
      base ? 'Uncategorized' : reader.categoryCaption(categoryUid),
    );
    subset.classes[String(classUid)] = {
      name: file.name,
      caption: file.caption ?? file.name,
      category_uid: categoryUid,
      attributes,
      ...(Object.keys(constraints).length ? { constraints } : {}),
    };
    want(attributes);
  }
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    const { attrs, constraints } = reader.chain(reader.objectFile(name), (n) => reader.objectFile(n));
    const attributes = finishAll(reader, attrs);
    subset.objects[name] = {
      caption: reader.objectFile(name).caption ?? name,
      attributes,
      ...(Object.keys(constraints).length ? { constraints } : {}),
    };
    want(attributes);
  }
  subset.objects = Object.fromEntries(Object.entries(subset.objects).sort(([a], [b]) => a.localeCompare(b)));
  return subset;
}

/**
 * The class's own ids, as the OCSF server compiles them: `class_uid` and `category_uid` allow only
 * this class and its category (the base event's enums list 0 only), `type_uid` one value per activity.
 */
function classIds(
  attrs: Record<string, OcsfAttribute>,
  classUid: number,
  caption: string,
  categoryUid: number,
  categoryCaption: string,
): Record<string, OcsfAttribute> {
  const activities = attrs.activity_id?.enum ?? {};
  const types = Object.fromEntries(
    Object.entries(activities).map(([id, name]) => [String(classUid * 100 + Number(id)), `${caption}: ${name}`]),
  );
  const set = (name: string, values: Record<string, string>) => {
    const attr = attrs[name];
    if (attr) attrs[name] = { ...attr, enum: values };
  };
  set('class_uid', { [classUid]: caption });
  set('category_uid', { [categoryUid]: categoryCaption });
  set('type_uid', types);
  return attrs;
}

/** `iam` → `iam/iam`: parent classes live in their category folder under their own name. */
function findEvent(dir: string, name: string): string {
  for (const folder of ['application', 'iam', 'network', 'system', 'discovery', 'findings'])
    if (existsSync(join(dir, 'events', folder, `${name}.json`))) return `${folder}/${name}`;
  throw new Error(`no event class file for "${name}" under ${dir}/events`);
}

/** The subset as written to disk (stable, one attribute per line for readable diffs). */
export function renderSubset(subset: OcsfSubset): string {
  return `${JSON.stringify(subset, null, 1)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_SCHEMA_DIR;
  writeFileSync(SUBSET_PATH, renderSubset(buildSubset(dir)));
  process.stdout.write(`wrote ${SUBSET_PATH} from ${dir}\n`);
}
