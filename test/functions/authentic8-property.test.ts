/**
 * Property: every Silo log the docs allow (local/authentic8-arbitrary.ts: the 25 types, fields
 * absent, null, "" or set, extra fields of any shape) is accepted by the record schema and
 * normalized to a valid OCSF 1.1 event.
 */
import { describe, it } from '@jest/globals';
import { authentic8Wire } from '../../local/authentic8-arbitrary.ts';
import { assertValidRecords, sourceFor } from '../helpers/vendor-property.ts';

const SOURCE = sourceFor('authentic8', { org: 'Acme Corp' });

describe('Authentic8: generated records (property)', () => {
  it('normalizes 5000 seeded logs of every type and documented shape to valid OCSF 1.1', () => {
    assertValidRecords('authentic8', authentic8Wire(), 5000, 15, SOURCE);
  });

  it('normalizes 1000 seeded logs with every optional field set to valid OCSF 1.1', () => {
    assertValidRecords('authentic8', authentic8Wire({ full: true }), 1000, 16, SOURCE);
  });
});
