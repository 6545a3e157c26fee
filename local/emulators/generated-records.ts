/**
 * The property-generated records of every vendor (functions/<vendor>/emulator/arbitrary.ts), normalized the way
 * the runner does it (`toEvent`: the connector's record schema, native id, normalize), and an
 * archive of them in the archive layout, so `audit-pump validate --archive <dir>` and the local
 * query can check what the normalizers make of every documented record shape.
 *
 * Run from the repository root: `npx tsx local/emulators/generated-records.ts <archive dir> [records per vendor]
 * [seed]`
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import { connectorOf } from '../../functions/registry.ts';
import { loadVendorLocals, vendorLocal } from '../vendors.ts';
import { parseSources, type Source, type Vendor } from '../../shared/config.ts';
import { toEvent } from '../../shared/delivery.ts';
import type { OcsfEvent } from '../../shared/ocsf.ts';

/** Wire records of a vendor: JSON text as its API sends one record; `full` sets every optional field. */
export type Wire = (options?: { full?: boolean }) => fc.Arbitrary<string>;

/** Each vendor's generator and the source options its connector needs (its local tooling's `generated`). */
export const GENERATED: Readonly<Record<Vendor, { readonly wire: Wire; readonly options: Record<string, unknown> }>> =
  Object.fromEntries([...(await loadVendorLocals())].map(([vendor, local]) => [vendor, local.generated]));

/** A source of `vendor` for generated records. */
export function sourceFor(
  vendor: Vendor,
  options: Record<string, unknown> = vendorLocal(vendor).generated.options,
): Source {
  const [source] = parseSources({
    sources: [
      {
        id: `${vendor}-generated`,
        vendor,
        baseUrl: 'https://vendor.example',
        secretName: 's',
        startFrom: '2020-01-01T00:00:00Z',
        options,
      },
    ],
  }).sources;
  if (!source) throw new Error(`no source for ${vendor}`);
  return source;
}

/** Validates and normalizes one wire record as the runner does; throws with the reason when either fails. */
export function eventOf(vendor: Vendor, text: string, source = sourceFor(vendor)): OcsfEvent {
  const connector = connectorOf(vendor);
  const out = toEvent(
    connector,
    source,
    { raw: text, value: JSON.parse(text) as unknown },
    Date.parse('2026-02-07T12:00:00Z'),
  );
  if (!('event' in out)) throw new Error(`${out.stage}: ${out.reject}\n${text}`);
  return out.event;
}

/**
 * `runs` generated records of `vendor` (half with every optional field set, half in every sparse shape), normalized.
 */
export function generatedEvents(vendor: Vendor, runs: number, seed: number): OcsfEvent[] {
  const source = sourceFor(vendor);
  const { wire } = vendorLocal(vendor).generated;
  const texts = [
    ...fc.sample(wire({ full: true }), { seed, numRuns: Math.ceil(runs / 2) }),
    ...fc.sample(wire(), { seed: seed + 1, numRuns: Math.floor(runs / 2) }),
  ];
  return texts.map((text) => eventOf(vendor, text, source));
}

/** Writes `events` as gzip NDJSON under `events/vendor=<v>/dt=<day>/` of `archiveDir` (docs/architecture.md). */
export async function writeEventsArchive(
  archiveDir: string,
  events: ReadonlyArray<Record<string, unknown> | OcsfEvent>,
): Promise<void> {
  const groups = new Map<string, string[]>();
  for (const event of events) {
    const e = event as { metadata: { log_provider: string }; time: number };
    const dir = join(
      archiveDir,
      'events',
      `vendor=${e.metadata.log_provider}`,
      `dt=${new Date(e.time).toISOString().slice(0, 10)}`,
    );
    groups.set(dir, [...(groups.get(dir) ?? []), JSON.stringify(event)]);
  }
  let n = 0;
  for (const [dir, lines] of groups) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `audit-pump-archive-${n++}.gz`), gzipSync(`${lines.join('\n')}\n`));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, runs = '2000', seed = '15'] = process.argv.slice(2);
  if (!dir)
    throw new Error('usage: npx tsx local/emulators/generated-records.ts <archive dir> [records per vendor] [seed]');
  const vendors = Object.keys(GENERATED) as Vendor[];
  const events = vendors.flatMap((vendor) => generatedEvents(vendor, Number(runs), Number(seed)));
  await writeEventsArchive(dir, events);
  process.stdout.write(`wrote ${events.length} events (${runs} per vendor: ${vendors.join(', ')}) under ${dir}\n`);
}
