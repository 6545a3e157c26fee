/**
 * Property: every Nected audit record the docs allow (local/nected-arbitrary.ts: the example's
 * fields absent, null, "" or {} since the schema is not public) is accepted by the record schema
 * and normalized to a valid OCSF 1.1 event.
 */
import { describe, it } from '@jest/globals';
import { nectedWire } from '../../local/nected-arbitrary.ts';
import { assertValidRecords, sourceFor } from '../helpers/vendor-property.ts';

const SOURCE = sourceFor('nected', { branch: 'main' });

describe('Nected: generated records (property)', () => {
  it('normalizes 4000 seeded records of every documented shape to valid OCSF 1.1', () => {
    assertValidRecords('nected', nectedWire(), 4000, 15, SOURCE);
  });

  it('normalizes 500 seeded records with every optional field set to valid OCSF 1.1', () => {
    assertValidRecords('nected', nectedWire({ full: true }), 500, 16, SOURCE);
  });
});
