/**
 * The Authentic8 emulator's protocol helpers: org names and paths as the API reads them
 * (../README.md; vendor docs "Org names"), extractlog's arguments and its page selection, and the
 * reply texts. Names are unique only under one parent; a path is slash-separated names with `\/`
 * for a slash inside a name, and need not be complete: each element only tells the next one apart.
 */
import { pyJson, type Authentic8Event, type Authentic8Org, type Json } from './data.ts';

/** Most logs per extractlog; a larger `limit` is cut to it (vendor docs). */
export const AUTHENTIC8_MAX_LIMIT = 1000;

/** One command of the posted array. */
export type Command = Record<string, unknown>;
/** A reply: a result (already JSON text) or an error message. */
export type Reply = { result: string } | { error: string };

/** `Acme Corp/OSINT\/HUMINT` → `['Acme Corp', 'OSINT/HUMINT']`; a backslash escapes the next character. */
export function parseOrgPath(text: string): string[] {
  const names: string[] = [];
  let name = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) name += text[++i];
    else if (c === '/') [names[names.length], name] = [name, ''];
    else name += c;
  }
  names.push(name);
  return names.filter((n) => n !== '');
}

/** True when `wanted` appears in `chain` in order, elements possibly skipped. */
function inOrder(wanted: readonly string[], chain: readonly string[]): boolean {
  let at = 0;
  for (const name of chain) if (name === wanted[at]) at++;
  return at === wanted.length;
}

/**
 * The one org among those under `root` (the token's org) that `text` names, or the error the API
 * answers: "No org matching ..." for none and for several (../README.md; exact texts UNCONFIRMED).
 */
export function resolveOrg(
  orgs: readonly Authentic8Org[],
  root: readonly string[],
  text: string,
): Authentic8Org | string {
  const path = parseOrgPath(text);
  const visible = orgs.filter((o) => root.every((name, i) => o.path[i] === name));
  const found = visible.filter(
    (o) => path.length > 0 && o.name === path.at(-1) && inOrder(path.slice(0, -1), o.path.slice(0, -1)),
  );
  if (found.length === 1) return found[0] as Authentic8Org;
  if (found.length === 0) return `No org matching '${text}'`;
  return `No org matching '${text}' uniquely: ${found.length} orgs have that name; give an org path`;
}

/** A reply's text, with the command's `command_id` echoed when it had one (vendor docs). */
export function replyText(reply: Reply, command: unknown): string {
  const id =
    typeof command === 'object' && command !== null && 'command_id' in command
      ? (command as Command).command_id
      : undefined;
  const head = 'result' in reply ? `{"result": ${reply.result}` : `{"error": ${pyJson(reply.error)}`;
  return id === undefined ? `${head}}` : `${head}, "command_id": ${pyJson(id as Json)}}`;
}

/**
 * `YYYY-MM-DD HH:MM:SS`, taken as UTC (UNCONFIRMED, ../README.md), to epoch seconds; NaN when
 * malformed.
 */
function apiTime(value: unknown): number {
  const m = typeof value === 'string' ? /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)$/.exec(value) : null;
  return m ? Date.parse(`${m[1]}T${m[2]}Z`) / 1000 : Number.NaN;
}

/** extractlog's arguments, checked. */
export interface ExtractArgs {
  readonly org: string;
  readonly type: string;
  readonly start: number;
  readonly end?: number;
  readonly limit: number;
  /** create_ts bounds (epoch seconds), open when the time was not given. */
  readonly from: number;
  readonly to: number;
}

/** Checks extractlog's arguments (../README.md); returns the error message for a bad one. */
export function extractArgs(c: Command): ExtractArgs | string {
  const ints: Record<string, number | undefined> = {};
  for (const name of ['start_seq', 'end_seq', 'limit']) {
    const v = c[name];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= (name === 'limit' ? 1 : 0)))
      return `extractlog: ${name} must be a ${name === 'limit' ? 'positive' : 'non-negative'} integer`;
    ints[name] = v as number | undefined;
  }
  const [from, to] = [
    c.start_time === undefined ? -Infinity : apiTime(c.start_time),
    c.end_time === undefined ? Infinity : apiTime(c.end_time),
  ];
  if (Number.isNaN(from) || Number.isNaN(to))
    return 'extractlog: start_time and end_time must be "YYYY-MM-DD HH:MM:SS"';
  if (typeof c.org !== 'string' || c.org === '') return 'extractlog: org is required';
  if (typeof c.type !== 'string' || c.type === '') return 'extractlog: type is required';
  return {
    org: c.org,
    type: c.type,
    start: ints.start_seq ?? 0,
    ...(ints.end_seq === undefined ? {} : { end: ints.end_seq }),
    limit: Math.min(ints.limit ?? AUTHENTIC8_MAX_LIMIT, AUTHENTIC8_MAX_LIMIT),
    from,
    to,
  };
}

/**
 * One page of `org`'s logs for `args`: `is_more` when more match, and `next_seq` as chosen by `drained` (see the
 * emulator's options).
 */
export function selectPage(
  org: Authentic8Org,
  args: ExtractArgs,
  oldest: number,
  drained: 'scanned' | 'echo',
): { page: Authentic8Event[]; isMore: boolean; next: number } {
  const { start, end, from, to } = args;
  const matches = (org.byType.get(args.type) ?? []).filter(
    (e) =>
      e.seq >= start &&
      (end === undefined || e.seq <= end) &&
      e.createTs >= oldest &&
      e.createTs >= from &&
      e.createTs <= to,
  );
  const page = matches.slice(0, args.limit);
  const isMore = matches.length > page.length;
  const last = page.at(-1);
  const scanned = Math.max(start, Math.min(org.nextSeq, end === undefined ? Infinity : end + 1));
  return { page, isMore, next: isMore || drained === 'echo' ? (last ? last.seq + 1 : start) : scanned };
}

/** extractlog's result text, the logs' wire texts spliced in verbatim (key order of the vendor doc example). */
export function extractResultText(page: readonly Authentic8Event[], next: number, isMore: boolean): string {
  return `{"next_seq": ${next}, "logs": [${page.map((e) => e.text).join(', ')}], "is_more": ${isMore}}`;
}
