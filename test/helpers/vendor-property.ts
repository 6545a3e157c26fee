/**
 * The property every vendor's generated records must have: the connector's record schema accepts
 * the record (the docs allow its shape), and the connector makes it a valid OCSF 1.1 event with
 * captions that agree with their ids and no null attributes. Records go through `toEvent`, the
 * runner's own validate + normalize step.
 */
import * as fc from 'fast-check';
import { eventOf, sourceFor } from '../../local/emulators/generated-records.ts';
import type { Source, Vendor } from '../../shared/config.ts';
import type { OcsfEvent } from '../../shared/ocsf.ts';
import { OcsfValidator } from '../../shared/ocsf-validate.ts';

export { eventOf, sourceFor } from '../../local/emulators/generated-records.ts';

const validator = new OcsfValidator();
/** Warnings that say the event itself is wrong (not the vendor's values' formats). */
const OURS = /disagrees with|is null|is deprecated/;

/** The problems of one event that the property forbids. */
export function problemsOf(event: OcsfEvent): string[] {
  const { errors, warnings } = validator.validate(event);
  return [...errors, ...warnings.filter((w) => OURS.test(w.message))].map(
    (p) => `${p.path || '(event)'}: ${p.message}`,
  );
}

/** Asserts the property over `runs` records of `records`, seeded. */
export function assertValidRecords(
  vendor: Vendor,
  records: fc.Arbitrary<string>,
  runs: number,
  seed: number,
  source: Source = sourceFor(vendor),
): void {
  fc.assert(
    fc.property(records, (text) => {
      const problems = problemsOf(eventOf(vendor, text, source));
      if (problems.length) throw new Error(`${problems.join('\n')}\n${text}`);
    }),
    { seed, numRuns: runs },
  );
}
