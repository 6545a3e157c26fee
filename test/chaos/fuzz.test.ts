/**
 * Fuzzing of every connector's response handling (docs/guarantees.md): seeded pages in each
 * vendor's envelope with broken records, bodies that are not JSON, wrong envelopes, error statuses
 * that echo the credential, redirects to another origin, oversized bodies and pagination loops,
 * read by the real runner and store. The process never crashes, the cursor never moves past a bad
 * page, every record of a page it moves past is archived or dead-lettered with a reason, and the
 * credential appears in no log line, error or archived record.
 */
import { describe, expect, it } from '@jest/globals';
import { fuzz } from '../../local/chaos/fuzz.ts';
import { chaosWorldForFile } from '../helpers/chaos-world.ts';

const world = chaosWorldForFile();

describe('fuzz: connectors under generated pages', () => {
  it('200 seeded cases: no crash, no wrong advance, no dropped or blocking record, no leak', async () => {
    // Act
    const report = await fuzz(world(), 20261120, 200);

    // Assess
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ cases: 200, crashes: 0, wrongAdvances: 0, unaccounted: 0, blocked: 0, leaks: [] });
  });

  it('tries every vendor with broken records and with each kind of bad answer', async () => {
    // Act
    const { byKind } = await fuzz(world(), 77, 100);

    // Assess
    const vendors = new Set(Object.keys(byKind).map((k) => k.split(':')[0]));
    const kinds = new Set(Object.keys(byKind).map((k) => k.split(':')[1]));
    expect([...vendors].sort()).toEqual(['authentic8', 'carbonblack', 'nected', 'retraced', 'veza']);
    expect([...kinds].sort()).toEqual(['echo', 'envelope', 'loop', 'notJson', 'records', 'status', 'tooLarge']);
  });
});
