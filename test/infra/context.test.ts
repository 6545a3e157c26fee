/**
 * The `-c audit-pump:<key>=<value>` context, as the CDK CLI passes it (strings), read as a person
 * means it: "false" is false, "0" is zero, an unknown key or an unreadable value is refused by
 * name, the sources file and the region must be given, and the app prints a configuration error
 * as a message, never a stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { loadDeploySettings } from '../../infra/settings.ts';
import { resources, source, sourcesFile, synth } from './synth.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = sourcesFile([
  source('veza-main', 'veza'),
  source('nected-prod', 'nected', { options: { branch: 'main' } }),
]);
const run = promisify(execFile);

describe('booleans and numbers in the context', () => {
  for (const value of ['false', 'no', 'off', '0', 'FALSE']) {
    it(`createPlaceholderSecrets=${value} creates no secret`, async () => {
      const { template } = await synth({ config: CONFIG, createPlaceholderSecrets: value });

      template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    });
  }

  it('createPlaceholderSecrets=true creates one secret per source, retained when the stack or the option goes', async () => {
    // Act
    const { template } = await synth({ config: CONFIG, createPlaceholderSecrets: 'true' });

    // Assess
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as Array<{
      DeletionPolicy: string;
      UpdateReplacePolicy: string;
      Properties: { Name: string };
    }>;
    expect(secrets.map((s) => s.Properties.Name).sort()).toEqual(['audit-pump/nected-prod', 'audit-pump/veza-main']);
    expect(secrets.every((s) => s.DeletionPolicy === 'Retain' && s.UpdateReplacePolicy === 'Retain')).toBe(true);
  });

  it('refuses a boolean it cannot read, naming the key', async () => {
    await expect(synth({ config: CONFIG, createPlaceholderSecrets: 'maybe' })).rejects.toThrow(
      'audit-pump:createPlaceholderSecrets: must be true or false (or yes/no, on/off, 1/0), got "maybe"',
    );
  });

  it('reads a number as its digits and refuses what is not one (an empty value is not zero)', async () => {
    const { template } = await synth({ config: CONFIG, objectLockDays: '30' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Days: 30, Mode: 'COMPLIANCE' } },
      },
    });

    await expect(synth({ config: CONFIG, objectLockDays: 'thirty' })).rejects.toThrow(
      'audit-pump:objectLockDays: must be a whole number, got "thirty"',
    );
    await expect(synth({ config: CONFIG, archiveExpireAfterDays: '' })).rejects.toThrow(
      'audit-pump:archiveExpireAfterDays: must be a whole number, got ""',
    );
  });
});

describe('reserved concurrency', () => {
  it('is none by default: a new account (10 concurrent executions) can deploy every vendor', async () => {
    const { template } = await synth({ config: CONFIG });

    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(functions).toHaveLength(2);
    expect(functions.map((f) => f.Properties.ReservedConcurrentExecutions)).toEqual([undefined, undefined]);
  });

  it('is what -c audit-pump:reservedConcurrency sets, on each function', async () => {
    const { template } = await synth({ config: CONFIG, reservedConcurrency: '3' });

    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(functions.map((f) => f.Properties.ReservedConcurrentExecutions)).toEqual([3, 3]);
  });
});

describe('what the context must say', () => {
  it('names the sources file: a bare deploy does not fall back to the example', async () => {
    await expect(synth({})).rejects.toThrow('no sources file: pass -c audit-pump:config=<your sources file>');
  });

  it('names the region, or takes it from AWS_REGION, never a silent default', async () => {
    await expect(loadDeploySettings({ 'audit-pump:config': CONFIG }, {})).rejects.toThrow(
      'no region: pass -c audit-pump:region=<region> or set AWS_REGION',
    );
    expect((await loadDeploySettings({ 'audit-pump:config': CONFIG }, { AWS_REGION: 'ap-southeast-2' })).region).toBe(
      'ap-southeast-2',
    );
    expect(
      (
        await loadDeploySettings(
          { 'audit-pump:config': CONFIG, 'audit-pump:region': 'eu-central-1' },
          { AWS_REGION: 'ap-southeast-2' },
        )
      ).region,
    ).toBe('eu-central-1');
    const { stack } = await synth({ config: CONFIG, region: 'eu-north-1' });
    expect(stack.region).toBe('eu-north-1');
  });

  it('refuses a key it does not know (a typo would otherwise be ignored), listing the keys it does', async () => {
    await expect(synth({ config: CONFIG, createPlaceholderSecret: 'false' })).rejects.toThrow(
      /unknown CDK context audit-pump:createPlaceholderSecret; the audit-pump keys are: .*createPlaceholderSecrets/,
    );
  });

  it('refuses a half-configured SIEM', async () => {
    await expect(synth({ config: CONFIG, siemType: 'splunk' })).rejects.toThrow(
      'audit-pump:siemType, siemEndpoint and siemSecretName go together',
    );
  });

  it('refuses inline credentials, naming the source', async () => {
    const inline = sourcesFile([
      {
        id: 'veza-x',
        vendor: 'veza',
        baseUrl: 'https://a.vezacloud.com',
        credentials: { token: 'abc12345' },
        startFrom: '2026-11-01T00:00:00Z',
      },
    ]);
    await expect(synth({ config: inline })).rejects.toThrow(
      /sources\[0\] \(veza-x\)\.credentials: inline credentials are for local runs only/,
    );
  });

  it('refuses an invalid schedule at synth, naming the source', async () => {
    const bad = sourcesFile([source('veza-main', 'veza', { schedule: 'rate(1 hours)' })]);
    await expect(synth({ config: bad })).rejects.toThrow('sources[0] (veza-main).schedule: write rate(1 hour)');
  });

  it('reads the example config shipped with the project when it is named', async () => {
    const { all } = await synth({ config: 'infra/example.sources.json' });
    expect(resources(all, 'AWS::Scheduler::Schedule')).toHaveLength(12);
  });
});

describe('the CDK app on a configuration error', () => {
  const app = async (context: Record<string, string>) => {
    const outdir = mkdtempSync(join(tmpdir(), 'audit-pump-cdk-out-'));
    const env = { PATH: process.env.PATH, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir };
    return run(process.execPath, ['--import', 'tsx', 'infra/app.ts'], { cwd: ROOT, env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  };

  it('prints the problem on one line and exits 1, without a stack trace', async () => {
    // Act
    const { code, stderr } = await app({});

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(
      'audit-pump: no sources file: pass -c audit-pump:config=<your sources file> (infra/example.sources.json shows the format)\n',
    );
  }, 60_000);

  it('lists each problem of a sources file, naming source and field, without a stack trace', async () => {
    // Prepare
    const bad = sourcesFile([
      source('veza-main', 'veza', { schedule: 'cron(0 3 * * *)', baseUrl: 'https://u:p4ss@x.example.com' }),
    ]);

    // Act
    const { code, stderr } = await app({ 'audit-pump:config': bad, 'audit-pump:region': 'eu-west-1' });

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('sources[0] (veza-main).baseUrl: must not carry credentials');
    expect(stderr).toContain('sources[0] (veza-main).schedule: cron needs 6 fields');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toContain('p4ss');
  }, 60_000);
});
