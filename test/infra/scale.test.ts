/**
 * One function serves hundreds of sources: 200 sources of one vendor synthesize into templates
 * CloudFormation, Lambda and IAM accept (resources per stack, environment size, policy sizes), and
 * the deployed function's bundle carries all 200 in its sources file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { PUMP_SOURCES_FILE } from '../../infra/bundling.ts';
import { resources, source, sourcesFile, synth, type Synth } from './synth.ts';

const COUNT = 200;
const CONFIG = sourcesFile(
  Array.from({ length: COUNT }, (_, i) =>
    source(`veza-${String(i).padStart(3, '0')}`, 'veza', { options: { pageSize: 1000 } }),
  ),
);
let built: Synth;

beforeAll(async () => {
  built = await synth({ config: CONFIG }, { bundle: true });
}, 120_000);

describe(`${COUNT} sources of one vendor`, () => {
  it("are one function, whose environment stays far below Lambda's 4 KiB", () => {
    const functions = resources<{ Environment: { Variables: Record<string, unknown> } }>(
      built.all,
      'AWS::Lambda::Function',
    );

    expect(functions).toHaveLength(1);
    expect(JSON.stringify(functions[0]?.Properties.Environment.Variables).length).toBeLessThan(2048);
  });

  it("ship in the function's bundle as its sources file", () => {
    // Act: the cloud assembly as `cdk synth` writes it, bundles included.
    const outdir = built.app.synth().directory;
    const bundles = readdirSync(outdir).filter(
      (d) => d.startsWith('asset.') && readdirSync(join(outdir, d)).includes(PUMP_SOURCES_FILE),
    );

    // Assess
    expect(bundles).toHaveLength(1);
    const shipped = JSON.parse(readFileSync(join(outdir, bundles[0] as string, PUMP_SOURCES_FILE), 'utf8')) as {
      sources: Array<{ id: string }>;
    };
    expect(shipped.sources).toHaveLength(COUNT);
    expect(shipped.sources[COUNT - 1]?.id).toBe('veza-199');
  });

  it("have a schedule, a daily reconciliation and five alarms each, in nested stacks under CloudFormation's 500 resources", () => {
    expect(resources(built.all, 'AWS::Scheduler::Schedule')).toHaveLength(2 * COUNT);
    expect(
      resources(built.all, 'AWS::CloudWatch::Alarm').filter((a) => /veza-\d{3}-/.test(JSON.stringify(a.Properties))),
    ).toHaveLength(5 * COUNT);
    for (const template of built.all)
      expect(Object.keys(template.toJSON().Resources as object).length).toBeLessThanOrEqual(500);
    for (const template of built.all) expect(JSON.stringify(template.toJSON()).length).toBeLessThan(1_000_000);
  });

  it("fit IAM's policy sizes: each managed policy under 6,144 characters, each role's inline policies under 10,240", () => {
    const managed = resources<{ PolicyDocument: unknown }>(built.all, 'AWS::IAM::ManagedPolicy');
    expect(managed.length).toBe(Math.ceil(COUNT / 40));
    for (const policy of managed) expect(JSON.stringify(policy.Properties.PolicyDocument).length).toBeLessThan(6144);
    const inline = resources<{ PolicyDocument: unknown; Roles: unknown[] }>(built.all, 'AWS::IAM::Policy');
    const perRole = new Map<string, number>();
    for (const p of inline)
      for (const role of p.Properties.Roles)
        perRole.set(
          JSON.stringify(role),
          (perRole.get(JSON.stringify(role)) ?? 0) + JSON.stringify(p.Properties.PolicyDocument).length,
        );
    expect([...perRole.values()].filter((size) => size >= 10_240)).toEqual([]);
    expect(JSON.stringify(managed)).toContain('"veza-199","veza-199#backfill"');
  });
});
