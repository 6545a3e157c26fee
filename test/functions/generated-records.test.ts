/**
 * Property, per vendor: every record the vendor's docs allow (local/<vendor>-arbitrary.ts: fields
 * absent, null, "" or {} in the combinations the docs allow; Retraced events as the real server
 * returns them, objects of nulls included) is accepted by the connector's record schema and
 * normalized to a valid OCSF 1.1 event with captions that agree with their ids. Seeded; thousands
 * of records per vendor, in every sparse shape and with every optional field set.
 */
import { describe, it } from '@jest/globals';
import { GENERATED } from '../../local/emulators/generated-records.ts';
import type { Vendor } from '../../shared/config.ts';
import { assertValidRecords } from '../helpers/vendor-property.ts';

const VENDORS = Object.keys(GENERATED) as Vendor[];

describe('generated records of every documented shape (property)', () => {
  it.each(VENDORS)('%s: 4000 seeded records in every documented shape normalize to valid OCSF 1.1', (vendor) => {
    assertValidRecords(vendor, (GENERATED[vendor] as (typeof GENERATED)[string]).wire(), 4000, 15);
  });

  it.each(VENDORS)('%s: 500 seeded records with every optional field set normalize to valid OCSF 1.1', (vendor) => {
    assertValidRecords(vendor, (GENERATED[vendor] as (typeof GENERATED)[string]).wire({ full: true }), 500, 16);
  });
});
