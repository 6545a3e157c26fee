/**
 * What a connector test checks in the archive: the records' uids, and that each record's raw_data
 * is the vendor's text byte for byte.
 */

/** The metadata.uid of each record, in archive order. */
export const uidsOf = (records: ReadonlyArray<Record<string, unknown>>): string[] =>
  records.map((r) => (r.metadata as { uid: string }).uid);

export const sorted = (values: Iterable<string>): string[] => [...values].sort();

/** The uids of the events whose archived raw_data is missing or not byte-identical to the text the emulator sent. */
export function rawMismatches<T extends { readonly text: string }>(
  events: readonly T[],
  records: ReadonlyArray<Record<string, unknown>>,
  uidOf: (event: T) => string,
): string[] {
  const raw = new Map(records.map((r) => [(r.metadata as { uid: string }).uid, r.raw_data]));
  return events.filter((e) => raw.get(uidOf(e)) !== e.text).map(uidOf);
}
