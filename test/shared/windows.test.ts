/** Settled windows (shared/windows.ts): whose settle lag a source's windows keep. */
import { describe, expect, it } from '@jest/globals';
import { settleLagMs } from '../../shared/windows.ts';
import { testSource } from '../helpers/scripted.ts';

const SOURCE = testSource({
  id: 'r',
  vendor: 'retraced',
  baseUrl: 'https://x.example.com',
  credentials: { token: 't' },
});

describe('settleLagMs', () => {
  it("is the connector's declared settle lag when the source sets none", () => {
    expect(settleLagMs({ settleLagMs: 120_000 }, SOURCE)).toBe(120_000);
  });

  it("is the source's settleLagSeconds over the connector's", () => {
    expect(settleLagMs({ settleLagMs: 120_000 }, { ...SOURCE, settleLagSeconds: 10 })).toBe(10_000);
  });

  it('is 0 for a connector that reads no windows and a source that sets none', () => {
    expect(settleLagMs({}, SOURCE)).toBe(0);
  });
});
