/**
 * The AuditPump construct in someone else's CDK app: the example app (infra/examples/embed.ts),
 * importing `audit-pump/infra` as a dependent project does, synthesizes cdk-nag clean, and the
 * construct checks its typed props as the context path checks the context.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AuditPump } from '../../infra/audit-pump.ts';
import { ConfigError } from '../../shared/errors.ts';
import { CDK_JSON_CONTEXT, source } from './synth.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

function inStack(props: Omit<ConstructorParameters<typeof AuditPump>[2], 'sources'> & { sources?: unknown[] }) {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Security', { env: { account: '123456789012', region: 'eu-west-1' } });
  const pump = new AuditPump(stack, 'Pump', {
    sources: [source('veza-main', 'veza')],
    ...props,
  } as ConstructorParameters<typeof AuditPump>[2]);
  return { stack, pump };
}

describe('the example app', () => {
  it('synthesizes with the construct imported as audit-pump/infra, cdk-nag clean, with its own choices', async () => {
    // Act: run it as `cdk synth --app 'npx tsx infra/examples/embed.ts'` runs it (bundling aside).
    const outdir = mkdtempSync(join(tmpdir(), 'audit-pump-embed-'));
    const context = { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] };
    await run(process.execPath, ['--import', 'tsx', 'infra/examples/embed.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    });

    // Assess
    const template = Template.fromJSON(
      JSON.parse(readFileSync(join(outdir, 'SecurityLogs.template.json'), 'utf8')) as Record<string, unknown>,
    );
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'SecLogsPump-veza' });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      SplunkDestinationConfiguration: { HECEndpointType: 'Raw', HECEndpoint: 'https://splunk.example.com:8088' },
    });
    template.hasOutput('ArchiveBucket', {});
    expect(readdirSync(outdir).filter((f) => f.endsWith('.nested.template.json')).length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'))).toMatchObject({
      pluginReports: [],
    });
  }, 90_000);

  it('is what the package exports as audit-pump/infra', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      name: string;
      exports: Record<string, string>;
    };

    expect(pkg.name).toBe('audit-pump');
    expect(pkg.exports['./infra']).toBe('./infra/audit-pump.ts');
    expect(existsSync(join(ROOT, pkg.exports['./infra'] as string))).toBe(true);
    expect(readFileSync(join(ROOT, 'infra/examples/embed.ts'), 'utf8')).toContain("from 'audit-pump/infra'");
  });
});

describe('AuditPump props', () => {
  it("default every physical name to the stack's name", () => {
    const { stack } = inStack({});

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'Security-veza' });
  });

  it('accept typed values and refuse bad ones naming the prop', () => {
    expect(() => inStack({ reservedConcurrency: 0 })).toThrow(ConfigError);
    expect(() => inStack({ reservedConcurrency: 0 })).toThrow(/invalid AuditPump props:\nreservedConcurrency: /);
    expect(() => inStack({ siem: { type: 'splunk', endpoint: 'http://plain.example.com', secretName: 's' } })).toThrow(
      /siem\.endpoint/,
    );
  });

  it('validate the sources as a sources file is validated, credentials in Secrets Manager only', () => {
    expect(() =>
      inStack({ sources: [{ ...source('veza-x', 'veza'), secretName: undefined, credentials: { token: 't' } }] }),
    ).toThrow(/inline credentials are for local runs only/);
    expect(() => inStack({ sources: [source('veza-x', 'veza', { schedule: 'hourly' })] })).toThrow(
      /AuditPump sources:\nsources\[0\] \(veza-x\)\.schedule/,
    );
  });
});
