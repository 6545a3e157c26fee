/**
 * Keeps each vendor record's exact bytes. `raw_data` must be the record exactly as received
 * (DESIGN.md 4.4), and re-serializing a parsed record changes spacing, key order of duplicates,
 * number spelling (1.0 → 1) and big integers. So the array of records is cut out of the response
 * text with a small scanner, and each slice is parsed on its own.
 */
import { MalformedPageError } from './errors.ts';
import type { RawRecord } from './connector.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Index just past the JSON value starting at `i` (which must not be whitespace). Char codes and
 * indexOf rather than one-character strings: this runs over every byte of every page (docs/performance.md).
 */
export function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return skipString(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const ch = text.charCodeAt(j);
      if (ch === QUOTE) j = skipString(text, j) - 1;
      else if (ch === 0x7b || ch === 0x5b) depth++;
      else if (ch === 0x7d || ch === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new MalformedPageError('unterminated JSON value');
  }
  let j = i;
  for (; j < text.length; j++) {
    const ch = text.charCodeAt(j);
    if (isWs(ch) || ch === 0x2c || ch === 0x7d || ch === 0x5d) break;
  }
  return j;
}

/** Index just past the string whose opening quote is at `i`: the next quote not escaped. */
export function skipString(text: string, i: number): number {
  for (let q = text.indexOf('"', i + 1); q !== -1; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
  }
  throw new MalformedPageError('unterminated JSON string');
}

/** Index of the first non-whitespace character at or after `i`. */
export function skipWs(text: string, i: number): number {
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** The exact text of each element of the array at `start` (the index of its `[`). */
export function sliceArray(text: string, start: number): string[] {
  const out: string[] = [];
  let i = skipWs(text, start + 1);
  if (text[i] === ']') return out;
  for (;;) {
    const end = skipValue(text, i);
    out.push(text.slice(i, end));
    i = skipWs(text, end);
    if (text[i] === ']') return out;
    if (text[i] !== ',') throw new MalformedPageError(`expected , or ] at offset ${i}`);
    i = skipWs(text, i + 1);
  }
}

/** Offset of the value of top-level key `key` in a JSON object text, or -1 when absent. */
function topLevelValueOffset(text: string, key: string): number {
  const i = skipWs(text, 0);
  return text[i] === '{' ? memberOffset(text, i, key) : -1;
}

/**
 * The records of array `key` of an already-parsed response body, with their exact text. `parsed`
 * is the body's JSON.parse result: it proves the text is valid JSON, and the slice count is checked
 * against it so a scanner slip can never drop or merge a record silently.
 */
export function rawRecords(text: string, parsed: unknown, key: string | null): RawRecord[] {
  const values = key === null ? parsed : (parsed as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(values))
    throw new MalformedPageError(key === null ? 'response is not a JSON array' : `response has no "${key}" array`);
  const start = key === null ? skipWs(text, 0) : topLevelValueOffset(text, key);
  if (start < 0 || text[start] !== '[') throw new MalformedPageError(`response has no "${key}" array`);
  const slices = sliceArray(text, start);
  if (slices.length !== values.length) {
    throw new MalformedPageError(
      `record slicing found ${slices.length} records where the parser found ${values.length}`,
    );
  }
  return slices.map((raw, i) => ({ raw, value: values[i] }));
}

/** A member's name: the text between the quotes, unless it has escapes (then JSON.parse decodes it). */
function keyName(text: string, from: number, to: number): string {
  const inner = text.slice(from + 1, to - 1);
  return inner.includes('\\') ? (JSON.parse(text.slice(from, to)) as string) : inner;
}

/**
 * One pass over the JSON object whose `{` is at `start`: where the value of member `key` starts and
 * ends (-1 when absent; with a repeated key the last one counts, as it does for JSON.parse), and
 * where the object ends.
 */
function memberSpan(text: string, start: number, key: string): { from: number; to: number; end: number } {
  let from = -1;
  let to = -1;
  let i = skipWs(text, start + 1);
  if (text.charCodeAt(i) === 0x7d) return { from, to, end: i + 1 };
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) throw new MalformedPageError(`expected a key at offset ${i}`);
    const keyEnd = skipString(text, i);
    const name = keyName(text, i, keyEnd);
    i = skipWs(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a) throw new MalformedPageError(`expected : at offset ${i}`);
    i = skipWs(text, i + 1);
    const valueEnd = skipValue(text, i);
    if (name === key) [from, to] = [i, valueEnd];
    i = skipWs(text, valueEnd);
    const c = text.charCodeAt(i);
    if (c === 0x7d) return { from, to, end: i + 1 };
    if (c !== 0x2c) throw new MalformedPageError(`expected , or } at offset ${i}`);
    i = skipWs(text, i + 1);
  }
}

/** Offset of the value of member `key` of the JSON object whose `{` is at `start`, or -1 when absent. */
function memberOffset(text: string, start: number, key: string): number {
  return memberSpan(text, start, key).from;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `rawRecords` for an array nested in objects, such as GraphQL's `data.search.edges`: `path` names
 * the keys from the top-level object down to the array. With `field`, each element is an object
 * and the record is its `field` member (`edges[i].node`). As in `rawRecords`, the parsed body is
 * walked alongside the text and the counts are compared.
 */
export function rawRecordsAt(text: string, parsed: unknown, path: readonly string[], field?: string): RawRecord[] {
  const where = path.join('.');
  let value: unknown = parsed;
  let at = skipWs(text, 0);
  for (const key of path) {
    if (!isObject(value) || text[at] !== '{') throw new MalformedPageError(`response has no "${where}" array`);
    value = value[key];
    at = memberOffset(text, at, key);
    if (at < 0) throw new MalformedPageError(`response has no "${where}" array`);
  }
  if (!Array.isArray(value) || text[at] !== '[') throw new MalformedPageError(`response has no "${where}" array`);
  const values: unknown[] = value;
  if (field === undefined) {
    const slices = sliceArray(text, at);
    if (slices.length !== values.length)
      throw new MalformedPageError(
        `record slicing found ${slices.length} records where the parser found ${values.length}`,
      );
    return slices.map((raw, i) => ({ raw, value: values[i] }));
  }
  // Each element is walked once: its members are skipped over, the field's value is cut out.
  const records: RawRecord[] = [];
  let i = skipWs(text, at + 1);
  while (text.charCodeAt(i) !== 0x5d) {
    const n = records.length;
    if (n >= values.length)
      throw new MalformedPageError(`record slicing found more than the ${values.length} records the parser found`);
    const element = values[n];
    if (text.charCodeAt(i) !== 0x7b || !isObject(element))
      throw new MalformedPageError(`element ${n} of "${where}" has no "${field}"`);
    const span = memberSpan(text, i, field);
    if (span.from < 0 || !(field in element))
      throw new MalformedPageError(`element ${n} of "${where}" has no "${field}"`);
    records.push({ raw: text.slice(span.from, span.to), value: element[field] });
    i = skipWs(text, span.end);
    if (text.charCodeAt(i) === 0x2c) i = skipWs(text, i + 1);
    else if (text.charCodeAt(i) !== 0x5d) throw new MalformedPageError(`expected , or ] at offset ${i}`);
  }
  if (records.length !== values.length)
    throw new MalformedPageError(
      `record slicing found ${records.length} records where the parser found ${values.length}`,
    );
  return records;
}
