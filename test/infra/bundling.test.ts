/**
 * The functions' bundles (infra/bundling.ts), as deployed: the entry loads what every run needs and
 * leaves the S3 and Lambda clients to chunks that the first use loads; the bundle imports and runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Metafile } from 'esbuild';
import { PUMP_ENTRY_FILE, bundlePump } from '../../infra/bundling.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Under the project, so a probe's imports of shared/ resolve as the functions' do.
mkdirSync(join(ROOT, '.local'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.local', 'bundling-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Input files (node_modules package names or project paths) in `outputs`. */
function packagesIn(metafile: Metafile, outputs: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const out of outputs)
    for (const input of Object.keys(metafile.outputs[out]?.inputs ?? {}))
      names.add(/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input);
  return names;
}

function staticClosure(metafile: Metafile, entry: string): string[] {
  const seen = new Set([entry]);
  for (const file of seen)
    for (const i of metafile.outputs[file]?.imports ?? [])
      if (i.kind === 'import-statement' && !i.external) seen.add(i.path);
  return [...seen];
}

describe('bundlePump', () => {
  it('splits the S3 and Lambda clients out of what a cold start loads, and the handler imports', () => {
    const out = join(dir, 'veza');
    const metafile = bundlePump(join(ROOT, 'functions/veza/index.ts'), out);
    const entry = Object.keys(metafile.outputs).find((name) => name.endsWith(`/${PUMP_ENTRY_FILE}`)) as string;
    const atInit = packagesIn(metafile, staticClosure(metafile, entry));
    const all = packagesIn(metafile, Object.keys(metafile.outputs));

    expect(atInit).toContain('@aws-sdk/client-dynamodb');
    expect(atInit).toContain('@aws-sdk/client-firehose');
    expect(atInit).not.toContain('@aws-sdk/client-s3');
    expect(atInit).not.toContain('@aws-sdk/client-lambda');
    expect(all).toContain('@aws-sdk/client-s3');
    expect(all).toContain('@aws-sdk/client-lambda');
    expect(atInit).not.toContain('undici');

    const source = {
      id: 'veza-main',
      vendor: 'veza',
      baseUrl: 'https://vendor.example.com',
      secretName: 'audit-pump/veza-main',
      startFrom: '2026-01-01T00:00:00Z',
    };
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AUDIT_PUMP_SOURCES: JSON.stringify({ sources: [source] }),
      CURSOR_TABLE: 'c',
      ARCHIVE_STREAM: 'a',
      DEAD_LETTER_STREAM: 'd',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const script = `const m = await import(${JSON.stringify(join(out, PUMP_ENTRY_FILE))}); process.stdout.write(typeof m.handler);`;
    expect(
      execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
        env,
        encoding: 'utf8',
      }),
    ).toBe('function');
  });

  it('loads the split-out clients on first use from their chunks', () => {
    const probe = join(dir, 'probe.ts');
    writeFileSync(
      probe,
      [
        `import { lambdaSdk, s3Sdk } from ${JSON.stringify(join(ROOT, 'shared/aws.ts'))};`,
        'const [s3, lambda] = await Promise.all([s3Sdk(), lambdaSdk()]);',
        "const clients = [new s3.S3Client({ region: 'us-east-1' }), new lambda.LambdaClient({ region: 'us-east-1' })];",
        "const inputs = [new s3.PutObjectCommand({ Bucket: 'b', Key: 'k' }).input.Key, new lambda.InvokeCommand({ FunctionName: 'f' }).input.FunctionName];",
        "process.stdout.write([...clients.map((c) => typeof c.send), ...inputs, s3Sdk() === s3Sdk()].join(','));",
      ].join('\n'),
    );
    const out = join(dir, 'probe');
    bundlePump(probe, out);
    const env = { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    expect(execFileSync(process.execPath, [join(out, PUMP_ENTRY_FILE)], { env, encoding: 'utf8' })).toBe(
      'function,function,k,f,true',
    );
  });
});
