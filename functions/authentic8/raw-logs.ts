/**
 * Cuts Authentic8's records out of the response text with their exact bytes (DESIGN.md 4.4). The
 * records sit three levels down, in `reply[i].result.logs`, where shared/raw-json's `rawRecords`
 * (a top-level key) does not reach: this walks down to that array and hands it to `rawRecords`,
 * with raw-json's scanner.
 */
import { MalformedPageError } from '../../shared/errors.ts';
import { rawRecords, skipString, skipValue, skipWs, sliceArray } from '../../shared/raw-json.ts';
import type { RawRecord } from '../../shared/connector.ts';

/** The exact text of member `key` of the JSON object `text` (the last one, as JSON.parse keeps). */
function memberText(text: string, key: string): string {
  let found: string | undefined;
  let i = skipWs(text, 0);
  if (text[i] !== '{') throw new MalformedPageError(`expected an object holding "${key}"`);
  for (i = skipWs(text, i + 1); i < text.length && text[i] !== '}';) {
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
    throw new MalformedPageError(
      `reply slicing found ${slices.length} command replies where the parser found ${replies.length}`,
    );
  }
  const logs = (replies[index] as { result: { logs: unknown[] } }).result.logs;
  return rawRecords(memberText(memberText(reply, 'result'), 'logs'), logs, null);
}
