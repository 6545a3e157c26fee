/**
 * `npm ci` (CI's install) refuses a lockfile that lacks any optional platform package. The registry
 * here serves only Linux builds, so `npm install` drops the others: `.ci/lockfile-platforms.mjs`
 * puts them back. This test fails when someone forgot to run it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

describe('package-lock.json', () => {
  it('lists every optional dependency of every package, so npm ci accepts it', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing = Object.values(lock.packages).flatMap((meta) =>
      Object.keys(meta.optionalDependencies ?? {}).filter((dep) => !lock.packages[`node_modules/${dep}`]),
    );
    expect(missing).toEqual([]);
  });
});
