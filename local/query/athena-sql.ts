/**
 * Athena (Trino) SQL → DuckDB SQL, for the local query: the named queries of infra/named-queries.ts
 * and whatever a user pastes from the Athena console run unchanged on the local archive. Only the
 * function names and format strings that differ are rewritten; string literals, quoted identifiers
 * and comments are left alone. Rewrites (see ATHENA_FUNCTIONS):
 *
 * - `date_format(t, fmt)` → `strftime(t, fmt)`, the MySQL-style format translated (`%i` → `%M`, `%s` → `%S`, `%T` →
 * `%H:%M:%S`)
 * - `from_unixtime(x)` → `to_timestamp(x)` (both: epoch seconds → timestamp with time zone, UTC)
 * - `json_extract_scalar(j, p)` → `json_extract_string(j, p)`; `approx_distinct(x)` → `approx_count_distinct(x)`
 * - `cardinality(a)` → `len(a)`; `to_unixtime(t)` → `epoch(t)`
 *
 * Everything else the named queries use (`interval '7' day`, `current_date`, struct field access,
 * `row_number() over`, `CREATE OR REPLACE VIEW`) means the same in both.
 */

/** Athena function → DuckDB function of the same arguments. */
export const ATHENA_FUNCTIONS: Readonly<Record<string, string>> = {
  date_format: 'strftime',
  from_unixtime: 'to_timestamp',
  json_extract_scalar: 'json_extract_string',
  approx_distinct: 'approx_count_distinct',
  cardinality: 'len',
  to_unixtime: 'epoch',
};

/** MySQL-style `date_format` specifiers that strftime spells differently. */
const FORMAT_SPECIFIERS: Readonly<Record<string, string>> = {
  '%i': '%M',
  '%s': '%S',
  '%T': '%H:%M:%S',
  '%e': '%-d',
  '%k': '%-H',
};

type Token = { kind: 'word' | 'string' | 'quoted' | 'comment' | 'other'; text: string };

/** Splits SQL into words, string literals, quoted identifiers, comments and everything else. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const patterns: Array<[Token['kind'], RegExp]> = [
    ['comment', /^(--[^\n]*|\/\*[\s\S]*?(\*\/|$))/],
    ['string', /^'(?:[^']|'')*('|$)/],
    ['quoted', /^"(?:[^"]|"")*("|$)/],
    ['word', /^[A-Za-z_][A-Za-z0-9_$]*/],
    ['other', /^(\s+|[^A-Za-z_'"\-/]+|[-/])/],
  ];
  for (let rest = sql; rest.length > 0;) {
    const found = patterns.map(([kind, re]) => [kind, re.exec(rest)?.[0]] as const).find(([, text]) => text);
    const [kind, text] = found ?? (['other', rest[0] as string] as const);
    tokens.push({ kind, text: text as string });
    rest = rest.slice((text as string).length);
  }
  return tokens;
}

/** The index of the next token that is not whitespace or a comment. */
function nextSignificant(tokens: Token[], from: number): number {
  let i = from;
  while (
    i < tokens.length &&
    (tokens[i]?.kind === 'comment' || (tokens[i]?.kind === 'other' && !tokens[i]?.text.trim()))
  )
    i++;
  return i;
}

/** Rewrites the format literal of a date_format call whose `(` is at `open`: the last string at depth 1. */
function translateFormat(tokens: Token[], open: number): void {
  let depth = 0;
  let last = -1;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'other') for (const ch of t.text) depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    if (t.kind === 'string' && depth === 1) last = i;
    if (depth <= 0 && i > open) break;
  }
  const literal = tokens[last];
  if (literal) literal.text = literal.text.replace(/%[isTek]/g, (spec) => FORMAT_SPECIFIERS[spec] ?? spec);
}

/** Athena SQL → DuckDB SQL (idempotent: DuckDB SQL comes back unchanged). */
export function athenaToDuckDb(sql: string): string {
  const tokens = tokenize(sql);
  tokens.forEach((token, i) => {
    if (token.kind !== 'word') return;
    const name = token.text.toLowerCase();
    const replacement = ATHENA_FUNCTIONS[name];
    const open = nextSignificant(tokens, i + 1);
    if (!replacement || !tokens[open]?.text.startsWith('(')) return;
    // A qualified name (`t.date_format(`) is not the function.
    const before = tokens[i - 1]?.text ?? '';
    if (before.endsWith('.')) return;
    if (name === 'date_format') translateFormat(tokens, open);
    token.text = replacement;
  });
  return tokens.map((t) => t.text).join('');
}
