/**
 * The registry as the one list of vendors: what vendor-generic code derives from the connectors'
 * declarations agrees with them.
 */
import { describe, expect, it } from '@jest/globals';
import { CONNECTORS, needsSpool } from '../../functions/registry.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import { LONGEST_SETTLE_LAG_MS } from '../../shared/windows.ts';

const source = (vendor: string, options: Record<string, unknown>): Source =>
  parseSources({
    sources: [
      {
        id: 's',
        vendor,
        baseUrl: 'https://x.example.com',
        credentials: {},
        startFrom: '2026-01-01T00:00:00Z',
        options,
      },
    ],
  }).sources[0] as Source;

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

describe('registry: spool', () => {
  it('needs a spool for a source whose connector reads destructively with its options: Carbon Black queue mode', () => {
    expect(needsSpool(source('carbonblack', { orgKey: 'ORG', mode: 'queue' }))).toBe(true);
  });

  it('needs none for Carbon Black search mode or a vendor that declares no spool', () => {
    expect(needsSpool(source('carbonblack', { orgKey: 'ORG' }))).toBe(false);
    expect(needsSpool(source('veza', {}))).toBe(false);
  });
});
