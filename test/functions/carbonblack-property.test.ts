/**
 * Property: every Carbon Black audit log the docs allow (local/carbonblack-arbitrary.ts: fields
 * absent as the Data Forwarder leaves them, null as the doc samples show, "" or set) is accepted by
 * the record schema and normalized to a valid OCSF 1.1 event.
 */
import { describe, it } from '@jest/globals';
import { carbonBlackWire } from '../../local/carbonblack-arbitrary.ts';
import { assertValidRecords, sourceFor } from '../helpers/vendor-property.ts';

const SOURCE = sourceFor('carbonblack', { orgKey: 'ABCD1234' });

describe('Carbon Black: generated records (property)', () => {
  it('normalizes 4000 seeded logs of every documented shape to valid OCSF 1.1', () => {
    assertValidRecords('carbonblack', carbonBlackWire(), 4000, 15, SOURCE);
  });

  it('normalizes 500 seeded logs with every optional field set to valid OCSF 1.1', () => {
    assertValidRecords('carbonblack', carbonBlackWire({ full: true }), 500, 16, SOURCE);
  });
});
