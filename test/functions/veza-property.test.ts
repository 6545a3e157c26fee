/**
 * Property: every Veza audit record the docs allow (local/veza-arbitrary.ts: both schemas, fields
 * left out as protojson does, "" and {} as the docs show) is accepted by the record schema and
 * normalized to a valid OCSF 1.1 event.
 */
import { describe, it } from '@jest/globals';
import { vezaWire } from '../../local/veza-arbitrary.ts';
import { assertValidRecords } from '../helpers/vendor-property.ts';

describe('Veza: generated records (property)', () => {
  it('normalizes 4000 seeded records of both documented shapes to valid OCSF 1.1', () => {
    assertValidRecords('veza', vezaWire(), 4000, 15);
  });

  it('normalizes 500 seeded records with every optional field set to valid OCSF 1.1', () => {
    assertValidRecords('veza', vezaWire({ full: true }), 500, 16);
  });
});
