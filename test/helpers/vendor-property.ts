/**
 * The property every vendor's generated records must have: the connector's record schema accepts
 * the record (the docs allow its shape), and the connector makes it a valid OCSF 1.1 event with
 * captions that agree with their ids and no null attributes. Records go through `toEvent`, the
 * runner's own validate + normalize step.
 */
import * as fc from 'fast-check';
import { CONNECTORS } from '../../functions/registry.ts';
import { parseSources, type Source, type Vendor } from '../../shared/config.ts';
import type { Connector } from '../../shared/connector.ts';
import { toEvent } from '../../shared/delivery.ts';
import type { OcsfEvent } from '../../shared/ocsf.ts';
import { OcsfValidator } from '../../shared/ocsf-validate.ts';

const validator = new OcsfValidator();
/** Warnings that say the event itself is wrong (not the vendor's values' formats). */
const OURS = /disagrees with|is null|is deprecated/;

export function sourceFor(vendor: Vendor, options: Record<string, unknown> = {}): Source {
  const [source] = parseSources({ sources: [{ id: `${vendor}-prop`, vendor, baseUrl: 'https://vendor.example', secretName: 's', startFrom: '2020-01-01T00:00:00Z', options }] }).sources;
  if (!source) throw new Error('no source');
  return source;
}

/** Validates and normalizes one wire record as the runner does; throws with the reason when either fails. */
export function eventOf(vendor: Vendor, text: string, source = sourceFor(vendor)): OcsfEvent {
  const connector = CONNECTORS[vendor] as Connector<unknown, unknown>;
  const out = toEvent(connector, source, { raw: text, value: JSON.parse(text) as unknown }, Date.parse('2026-02-07T12:00:00Z'));
  if (!('event' in out)) throw new Error(`${out.stage}: ${out.reject}\n${text}`);
  return out.event;
}

/** The problems of one event that the property forbids. */
export function problemsOf(event: OcsfEvent): string[] {
  const { errors, warnings } = validator.validate(event);
  return [...errors, ...warnings.filter((w) => OURS.test(w.message))].map((p) => `${p.path || '(event)'}: ${p.message}`);
}

/** Asserts the property over `runs` records of `records`, seeded. */
export function assertValidRecords(vendor: Vendor, records: fc.Arbitrary<string>, runs: number, seed: number, source?: Source): void {
  fc.assert(
    fc.property(records, (text) => {
      const problems = problemsOf(eventOf(vendor, text, source));
      if (problems.length) throw new Error(`${problems.join('\n')}\n${text}`);
    }),
    { seed, numRuns: runs },
  );
}
