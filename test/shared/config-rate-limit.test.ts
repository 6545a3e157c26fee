/**
 * A source's `rateLimit` (docs/throttling.md): who shares the vendor's limit (the scope) and the
 * scope's budget; every source of one scope states the same budget.
 */
import { describe, it, expect } from '@jest/globals';
import { limitScope, parseSources, sharedScopes } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { thrownBy } from '../helpers/core-errors.ts';

const CB = {
  id: 'cbc-a',
  vendor: 'carbonblack',
  baseUrl: 'https://defense.conferdeploy.net',
  secretName: 'audit-pump/cbc',
  startFrom: '2026-11-01T00:00:00Z',
};

/** The message of the ConfigError parsing `raw` throws. */
const configMessage = (raw: unknown): string => thrownBy(ConfigError, () => parseSources(raw)).message;

describe('rateLimit in the sources file', () => {
  it('keeps a budget and a scope as given', () => {
    const { sources } = parseSources({
      sources: [{ ...CB, rateLimit: { requests: 1000, perSeconds: 300, scope: 'cbc-egress' } }],
    });
    expect(sources[0]?.rateLimit).toEqual({ requests: 1000, perSeconds: 300, scope: 'cbc-egress' });
  });

  it('accepts a scope without a budget', () => {
    const { sources } = parseSources({ sources: [{ ...CB, rateLimit: { scope: 'cbc-egress' } }] });
    expect(sources[0]?.rateLimit).toEqual({ scope: 'cbc-egress' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'requests without perSeconds',
      { requests: 10 },
      'sources[0] (cbc-a).rateLimit.requests: set requests and perSeconds together',
    ],
    [
      'perSeconds without requests',
      { perSeconds: 10 },
      'sources[0] (cbc-a).rateLimit.requests: set requests and perSeconds together',
    ],
    ['no requests at all', { requests: 0, perSeconds: 1 }, 'sources[0] (cbc-a).rateLimit.requests:'],
    ['a fractional window', { requests: 5, perSeconds: 0.5 }, 'sources[0] (cbc-a).rateLimit.perSeconds:'],
    [
      'a scope with a "#"',
      { scope: 'a#b' },
      'sources[0] (cbc-a).rateLimit.scope: must be 1-256 of the characters of a secret name',
    ],
    ['an unknown field', { burst: 3 }, 'sources[0] (cbc-a).rateLimit: Unrecognized key: "burst"'],
  ])('names the field for %s', (_case, rateLimit, message) => {
    expect(configMessage({ sources: [{ ...CB, rateLimit }] })).toContain(message);
  });

  it('refuses two sources of one scope that state different budgets, naming both', () => {
    // Prepare: the second source shares the first one's secret, hence its scope.
    const raw = {
      sources: [
        { ...CB, rateLimit: { requests: 1000, perSeconds: 300 } },
        { ...CB, id: 'cbc-b' },
      ],
    };

    // Act
    const message = configMessage(raw);

    // Assess
    expect(message).toContain(
      'sources[1] (cbc-b).rateLimit: shares the limit scope "audit-pump/cbc" with cbc-a, whose budget is 1000 per 300 s, not none',
    );
  });

  it('keeps the scopes of two vendors apart, though named alike: their budgets may differ', () => {
    const veza = {
      ...CB,
      id: 'veza-a',
      vendor: 'veza',
      baseUrl: 'https://acme.vezacloud.com',
      rateLimit: { scope: 'shared', requests: 5, perSeconds: 1 },
    };
    const { sources } = parseSources({ sources: [{ ...CB, rateLimit: { scope: 'shared' } }, veza] });
    expect(sources).toHaveLength(2);
  });

  it('accepts sources of one scope that state the same budget', () => {
    const rateLimit = { requests: 1000, perSeconds: 300, scope: 'cbc-egress' };
    const { sources } = parseSources({
      sources: [
        { ...CB, rateLimit },
        { ...CB, id: 'cbc-b', secretName: 'audit-pump/cbc-b', rateLimit },
      ],
    });
    expect(sources).toHaveLength(2);
  });
});

describe('limitScope and sharedScopes', () => {
  it('scopes a source by rateLimit.scope, else by its secret, else by its id', () => {
    expect(limitScope({ id: 'cbc-a', secretName: 'audit-pump/cbc', rateLimit: { scope: 'egress' } })).toBe('egress');
    expect(limitScope({ id: 'cbc-a', secretName: 'audit-pump/cbc' })).toBe('audit-pump/cbc');
    expect(limitScope({ id: 'cbc-local' })).toBe('cbc-local');
  });

  it('lists the scopes that more than one source shares', () => {
    const { sources } = parseSources({
      sources: [CB, { ...CB, id: 'cbc-b' }, { ...CB, id: 'cbc-c', secretName: 'audit-pump/other' }],
    });
    expect([...sharedScopes(sources, 'carbonblack')]).toEqual(['audit-pump/cbc']);
    expect([...sharedScopes(sources, 'veza')]).toEqual([]);
  });
});
