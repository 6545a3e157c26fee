/**
 * The GraphQL side of the Retraced emulator: the schema of ../README.md, the server's
 * validation, and the `search` resolver as the real server computes it in Postgres search mode
 * (../README.md, ../README.md, ../README.md): the structured query, the
 * (canonical_time, id) order, exclusive cursors,
 * the default page of 20, and totalCount / pageInfo computed without the cursor. Argument errors
 * are thrown the way the server throws them, as `{status, err}` objects that graphql-js reports as
 * "Unexpected error value: { status: 400, err: {} }". `searchPaginated` and `counts` are not
 * emulated (they resolve to null).
 */
import {
  buildSchema,
  execute,
  parse,
  specifiedRules,
  validate,
  type ASTVisitor,
  type GraphQLError,
  type GraphQLField,
  type ValidationContext,
} from 'graphql';
import { decodeCursor, encodeCursor, toNode, type RetracedStoredEvent } from './data.ts';

/** The arguments of `search` (../README.md). */
export interface SearchArgs {
  query?: string | null;
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** What the search sees: the token's group and the emulator's clock. */
export interface SearchScope {
  readonly groupId: string;
  readonly now: number;
}

/** The server's error object; graphql-js hides everything but its shape (../README.md). */
function badRequest(message: string): never {
  throw { status: 400, err: new Error(message) };
}

/** Page size when neither `first` nor `last` is given (or is 0): Postgres mode (../README.md). */
export const DEFAULT_PAGE_SIZE = 20;

type Test = (event: RetracedStoredEvent) => boolean;

const lower = (value: string | undefined | null): string => (value ?? '').toLowerCase();

/** `moment.utc(text)` for the ISO forms the docs use; NaN when it would be invalid. */
function parseDate(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i.test(text)) return Number.NaN;
  // The offset is looked for after the date only: `2020-01-01` ends in "-01", which is no offset (issue 15).
  const [date = '', rest = ''] = [text.slice(0, 10), text.slice(10)];
  let time = rest.replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/([+-]\d{2})$/, '$1:00');
  if (!/(Z|[+-]\d{2}:\d{2})$/i.test(time)) time += time.includes('T') ? 'Z' : 'T00:00:00Z';
  else if (!time.includes('T')) time = `T00:00:00${time}`;
  return Date.parse(`${date}${time}`);
}

/** `received:` / `created:` ranges: both ends required, half-open [lo, hi) in ms (../README.md). */
function range(name: 'received' | 'created', values: readonly string[]): Test {
  const [lo, hi] = values.map(parseDate);
  if (values.length !== 2 || lo === undefined || hi === undefined || Number.isNaN(lo) || Number.isNaN(hi)) {
    badRequest(`Cannot parse ${name} datetime`);
  }
  return name === 'received'
    ? (e) => e.received >= lo && e.received < hi
    : (e) => e.created !== undefined && e.created >= lo && e.created < hi;
}

const KEYWORDS = new Set([
  'received',
  'created',
  'action',
  'crud',
  'actor.id',
  'actor.name',
  'description',
  'location',
  'external_id',
  'target.id',
  'target.name',
  'target.type',
]);

/** The test of one keyword term (a comma-separated value is a list: any of them). */
function keyword(key: string, values: readonly string[]): Test {
  const any =
    (get: (e: RetracedStoredEvent) => string | undefined): Test =>
    (e) =>
      values.some((v) => lower(get(e)) === lower(v));
  const contains =
    (get: (e: RetracedStoredEvent) => string | undefined): Test =>
    (e) =>
      values.some((v) => lower(get(e)).includes(lower(v)));
  switch (key) {
    case 'received':
    case 'created':
      return range(key, values);
    case 'action':
      // `user.*` is a prefix match (../README.md).
      return (e) => values.some((v) => (v.endsWith('*') ? e.action.startsWith(v.slice(0, -1)) : e.action === v));
    case 'actor.name':
      return contains((e) => e.actor?.name);
    case 'description':
      return contains((e) => e.description);
    case 'location':
      return (e) => values.some((v) => [e.country, e.loc_subdiv1, e.loc_subdiv2].some((p) => lower(p) === lower(v)));
    default: {
      const get: Record<string, (e: RetracedStoredEvent) => string | undefined> = {
        crud: (e) => e.crud,
        'actor.id': (e) => e.actor?.id,
        'target.id': (e) => e.target?.id,
        'target.name': (e) => e.target?.name,
        'target.type': (e) => e.target?.type,
        external_id: (e) => e.external_id,
      };
      return any(get[key] ?? (() => undefined));
    }
  }
}

/**
 * The structured query, tokenized as search-query-parser does: `key:value` splits at the first
 * colon (so ISO times work), a comma makes a list, `-key:value` exclusions are parsed and ignored,
 * anything else is free text, matched here as substrings of action, description and names
 * (../README.md).
 */
export function parseQuery(query: string | null | undefined): Test {
  const tests: Test[] = [];
  for (const term of (query ?? '').match(/(?:[^\s"]+:"[^"]*"|"[^"]*"|\S+)/g) ?? []) {
    const colon = term.indexOf(':');
    const key = colon > 0 ? term.slice(0, colon) : '';
    const value = term.slice(colon + 1).replace(/^"|"$/g, '');
    if (key.startsWith('-') && KEYWORDS.has(key.slice(1))) continue;
    if (KEYWORDS.has(key)) {
      tests.push(keyword(key, value.split(',')));
      continue;
    }
    const word = lower(term.replace(/^"|"$/g, ''));
    tests.push((e) =>
      [e.action, e.description, e.actor?.name, e.actor?.id, e.target?.name].some((p) => lower(p).includes(word)),
    );
  }
  return (e) => tests.every((t) => t(e));
}

const ascending = (a: RetracedStoredEvent, b: RetracedStoredEvent): number =>
  a.canonicalTime - b.canonicalTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The page the server returns for `args`, plus its cursor-blind totalCount and pageInfo (../README.md). */
export function search(events: readonly RetracedStoredEvent[], args: SearchArgs, scope: SearchScope) {
  if (args.first && args.last) badRequest("Arguments 'first' and 'last' are exclusive");
  if (args.before && args.after) badRequest("Arguments 'before' and 'after' are exclusive");
  const desc = Boolean(args.last);
  const size = args.last || args.first || DEFAULT_PAGE_SIZE;
  // Postgres rejects a negative LIMIT with a real Error, so its message survives (../README.md).
  if (size < 0) throw new Error('LIMIT must not be negative');
  const raw = args.after || args.before;
  const cursor = raw ? decodeCursor(raw) : undefined;
  if (raw && !cursor) badRequest('Invalid cursor');
  const matches = parseQuery(args.query);
  const all = events
    .filter((e) => e.group.id === scope.groupId && e.visibleAt <= scope.now && matches(e))
    .sort(ascending);
  if (desc) all.reverse();
  const after = (e: RetracedStoredEvent): boolean => {
    if (!cursor) return true;
    const order = e.canonicalTime - cursor.time || (e.id < cursor.id ? -1 : e.id > cursor.id ? 1 : 0);
    return desc ? order < 0 : order > 0;
  };
  const page = all.filter(after).slice(0, size);
  const totalCount = all.length;
  return {
    totalCount,
    pageInfo: { hasNextPage: !desc && totalCount > page.length, hasPreviousPage: desc && totalCount > page.length },
    edges: page.map((e) => ({ cursor: encodeCursor(e.canonicalTime, e.id), node: toNode(e) })),
  };
}

/** The schema exactly as ../README.md rebuilds it from `src/handlers/graphql/schema.ts`. */
export const RETRACED_SDL = `
type Query {
  search(query: String, first: Int, after: String, last: Int, before: String): SearchQueryResult
  searchPaginated(query: String, pageOffset: Int, pageLimit: Int, startCursor: String, sortOrder: sortOrder): PaginatedSearchQueryResult
  counts(type: String, startTime: String, endTime: String, crud: String, first: Int, after: String): CountsConnection
}
type SearchQueryResult          { edges: [SearchEventEdge]  pageInfo: PageInfo  totalCount: Int }
type PaginatedSearchQueryResult { edges: [SearchEventEdge]  totalCount: Int }
type SearchEventEdge { node: Event  cursor: String }
type PageInfo { hasNextPage: Boolean  hasPreviousPage: Boolean }
type Event {
  id: ID  action: String  description: String  group: Group  actor: Actor  target: Target  crud: CRUD
  display: Display  received: String  created: String  canonical_time: String
  is_failure: Boolean  is_anonymous: Boolean  source_ip: String  country: String
  loc_subdiv1: String  loc_subdiv2: String  component: String  version: String
  fields: [Field]  raw: String  external_id: String  metadata: [Field]
}
type Actor  { id: ID  name: String  href: String  fields: [Field] }
type Target { id: ID  name: String  href: String  type: String  fields: [Field] }
type Group  { id: ID  name: String }
type Field  { key: String  value: String }          # maps are flattened into key/value lists
type Display { markdown: String }
enum CRUD { c r u d }
enum sortOrder { asc desc }
type Action { action: String }
union ActionOrGroup = Action | Group
type CountEdge { node: ActionOrGroup  count: Int  cursor: String }
type CountsConnection { edges: [CountEdge]  pageInfo: PageInfo  totalCount: Int }
`;

const SCHEMA = buildSchema(RETRACED_SDL);

/**
 * The server's NoDuplicateFields rule (src/handlers/graphql/handler.ts), kept as it is: it
 * dereferences the field definition before the standard rules report an unknown field, so an
 * unknown field crashes validation with a TypeError and a 500 (../README.md). It reports a plain Error,
 * which JSON-serializes to `{}` (by code reading).
 */
function noDuplicateFields(context: ValidationContext): ASTVisitor {
  const seen = new Set<string>();
  let fieldParent = '';
  return {
    Field: () => {
      const type = context.getParentType();
      const def = context.getFieldDef() as GraphQLField<unknown, unknown>;
      const nested = fieldParent && type?.name === 'Field' && (def.name === 'key' || def.name === 'value');
      const field = `${nested ? `${fieldParent}:` : ''}${String(type)}:${def.name}`;
      if (def.name === 'fields') fieldParent = String(type?.name);
      if (def.name === 'metadata') fieldParent = `${String(type?.name)}:Metadata`;
      if (seen.has(field)) return void context.reportError(new Error(`Duplicate field ${field}.`) as GraphQLError);
      seen.add(field);
    },
  };
}

/** What one GraphQL request comes to: a status and body, or a thrown message (a 500). */
export type GraphqlOutcome = { status: 200 | 400; body: unknown; executed: boolean } | { crash: string };

/**
 * The enterprise controller's GraphQL step (../README.md): parse and validate with the extra rule (a
 * throw
 * is a 500), validation errors are a 400 `{errors}` without data, else execute; any error is a 400.
 */
export async function answerGraphql(
  query: unknown,
  variables: unknown,
  operationName: unknown,
  rootValue: Record<string, unknown>,
): Promise<GraphqlOutcome> {
  let document;
  try {
    // graphql-js's Source refuses anything but a string ("Body must be a string. Received: undefined.").
    document = parse(query as string);
    const errors = validate(SCHEMA, document, [...specifiedRules, noDuplicateFields]);
    if (errors.length > 0) return { status: 400, body: { errors }, executed: false };
  } catch (error) {
    return { crash: (error as Error).message };
  }
  const result = await execute({
    schema: SCHEMA,
    document,
    rootValue,
    variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: typeof operationName === 'string' ? operationName : undefined,
  });
  return { status: result.errors ? 400 : 200, body: result, executed: true };
}
