/**
 * cdk.json: the current recommended feature flags of the installed aws-cdk-lib (new projects get
 * them from `cdk init`; without them the CDK keeps its legacy behaviours), offline CLI settings,
 * and no default sources file (a bare `cdk deploy` must not deploy the example's tenants).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { CDK_JSON_CONTEXT } from './synth.ts';

const require = createRequire(import.meta.url);

describe('cdk.json', () => {
  it('sets every feature flag aws-cdk-lib recommends, to the recommended value', () => {
    // Prepare
    const recommended = JSON.parse(
      readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
    ) as Record<string, unknown>;

    // Act
    const differing = Object.entries(recommended).filter(
      ([flag, value]) => JSON.stringify(CDK_JSON_CONTEXT[flag]) !== JSON.stringify(value),
    );

    // Assess
    expect(Object.keys(recommended).length).toBeGreaterThan(80);
    expect(differing).toEqual([]);
  });

  it('keeps the CLI offline and names no sources file', () => {
    expect(CDK_JSON_CONTEXT['cli-telemetry']).toBe(false);
    expect(Object.keys(CDK_JSON_CONTEXT).filter((k) => k.startsWith('audit-pump:'))).toEqual([]);
  });
});
