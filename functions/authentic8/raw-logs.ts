/**
 * Cuts Authentic8's records out of the response text with their exact bytes (DESIGN.md 4.4). The
 * records sit three levels down, in `reply[i].result.logs`, where shared/raw-json's `rawRecords`
 * (a top-level key) does not reach: this walks down to that array and hands it to `rawRecords`.
 */
import { MalformedPageError } from '../../shared/errors.ts';
import { rawRecords, sliceArray } from '../../shared/raw-json.ts';
import type { RawRecord } from '../../shared/connector.ts';

function skipWs(text: string, i: number): number {
  while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  return i;
}

function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  throw new MalformedPageError('unterminated JSON string');
}

/** Index just past the JSON value starting at `i`. */
function skipValue(text: string, i: number): number {
  if (text[i] === '"') return skipString(text, i);
  if (text[i] !== '{' && text[i] !== '[') {
    let j = i;
    while (j < text.length && !' \t\n\r,}]'.includes(text[j] as string)) j++;
    return j;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '"') j = skipString(text, j) - 1;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return j + 1;
  }
  throw new MalformedPageError('unterminated JSON value');
}

/** The exact text of member `key` of the JSON object `text` (the last one, as JSON.parse keeps). */
function memberText(text: string, key: string): string {
  let found: string | undefined;
  let i = skipWs(text, 0);
  if (text[i] !== '{') throw new MalformedPageError(`expected an object holding "${key}"`);
  for (i = skipWs(text, i + 1); i < text.length && text[i] !== '}'; ) {
    const keyEnd = skipString(text, i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    const start = skipWs(text, skipWs(text, keyEnd) + 1);
    const end = skipValue(text, start);
    if (name === key) found = text.slice(start, end);
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  if (found === undefined) throw new MalformedPageError(`no "${key}" in the reply`);
  return found;
}

/** The records of `replies[index].result.logs`, each with its exact text; `replies` is the parsed body. */
export function rawLogs(text: string, replies: readonly unknown[], index: number): RawRecord[] {
  const start = skipWs(text, 0);
  if (text[start] !== '[') throw new MalformedPageError('the reply is not a JSON array');
  const slices = sliceArray(text, start);
  const reply = slices[index];
  if (slices.length !== replies.length || reply === undefined) {
    throw new MalformedPageError(`reply slicing found ${slices.length} command replies where the parser found ${replies.length}`);
  }
  const logs = (replies[index] as { result: { logs: unknown[] } }).result.logs;
  return rawRecords(memberText(memberText(reply, 'result'), 'logs'), logs, null);
}
