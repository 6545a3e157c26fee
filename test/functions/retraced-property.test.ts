/**
 * Property: every event the real Retraced server can return (local/retraced-arbitrary.ts: any
 * event the publisher API accepts, as the GraphQL node shows it, nulls and empty objects included)
 * is accepted by the record schema and normalized to a valid OCSF 1.1 event.
 */
import { describe, it } from '@jest/globals';
import { retracedWire } from '../../local/retraced-arbitrary.ts';
import { assertValidRecords } from '../helpers/vendor-property.ts';

describe('Retraced: generated records (property)', () => {
  it('normalizes 4000 seeded records of every documented shape to valid OCSF 1.1', () => {
    assertValidRecords('retraced', retracedWire(), 4000, 15);
  });

  it('normalizes 500 seeded records with every optional field set to valid OCSF 1.1', () => {
    assertValidRecords('retraced', retracedWire({ full: true }), 500, 16);
  });
});
