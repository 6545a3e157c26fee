/**
 * The registry as the one list of vendors: what vendor-generic code derives from the connectors'
 * declarations agrees with them.
 */
import { describe, expect, it } from '@jest/globals';
import { CONNECTORS } from '../../functions/registry.ts';
import { LONGEST_SETTLE_LAG_MS } from '../../shared/windows.ts';

describe('registry: settle lags', () => {
  it('declares a settle lag for exactly the vendors read in closed time windows', () => {
    // Act
    const declared = Object.fromEntries(
      Object.values(CONNECTORS)
        .filter((c) => c.settleLagMs !== undefined)
        .map((c) => [c.vendor, c.settleLagMs]),
    );

    // Assess
    expect(declared).toEqual({ carbonblack: 120_000, nected: 300_000, retraced: 300_000 });
  });

  it('keeps LONGEST_SETTLE_LAG_MS, the range reads floor, at the longest declared settle lag', () => {
    // Act
    const longest = Math.max(...Object.values(CONNECTORS).map((c) => c.settleLagMs ?? 0));

    // Assess
    expect(LONGEST_SETTLE_LAG_MS).toBe(longest);
  });
});
