/**
 * The lake exporter as `cdk deploy` bundles it (esbuild, the OCSF schema subset beside the entry),
 * run in its own Node process with the environment the construct gives it: it loads, parses its
 * environment, reads the subset it derives the class schemas from, and asks SQS (a loopback stub
 * speaking the AWS JSON protocol) for notices; an empty queue is a run with nothing to do.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PUMP_ENTRY_FILE } from '../../infra/bundling.ts';
import { bundleLakeExporter } from '../../infra/constructs/security-lake-export.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

mkdirSync(join(ROOT, '.local'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.local', 'bundled-lake-'));
const calls: string[] = [];
let sqs: Server;

beforeAll(async () => {
  sqs = createServer((req, res) => {
    calls.push(String(req.headers['x-amz-target']));
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => sqs.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => sqs.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the bundled lake exporter', () => {
  it('loads with its schema subset, reads its environment and drains an empty queue without error', async () => {
    // Prepare
    const out = join(dir, 'function');
    bundleLakeExporter(out);
    const endpoint = `http://127.0.0.1:${(sqs.address() as AddressInfo).port}`;
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SQS: endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LAKE_QUEUE_URL: `${endpoint}/123456789012/notices`,
      ARCHIVE_BUCKET: 'archive',
      LAKE_BUCKET: 'aws-security-data-lake-eu-west-1-x',
      LAKE_ROLE_ARN: 'arn:aws:iam::111122223333:role/AmazonSecurityLake-Provider-{source}-eu-west-1',
      LAKE_EXTERNAL_ID: 'ext-42',
      LAKE_SOURCE_PREFIX: 'audit-pump',
      LAKE_REGION: 'eu-west-1',
      LAKE_ACCOUNT_ID: '123456789012',
    };
    const script = `const { handler } = await import(${JSON.stringify(join(out, PUMP_ENTRY_FILE))}); process.stdout.write('\\nRESULT ' + JSON.stringify(await handler()) + '\\n');`;

    // Act
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env, cwd: dir });

    // Assess
    expect(existsSync(join(out, 'ocsf-1.1.0-subset.json'))).toBe(true);
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT ')) as string;
    expect(JSON.parse(line.slice('RESULT '.length))).toEqual({
      notices: 0,
      archiveObjects: 0,
      events: 0,
      removed: 0,
      kept: 0,
      released: 0,
      objects: 0,
      bytes: 0,
      held: {},
    });
    expect(calls).toEqual(['AmazonSQS.ReceiveMessage']);
  }, 60_000);

  it('fails fast naming a missing variable', async () => {
    const out = join(dir, 'function');
    const script = `const { handler } = await import(${JSON.stringify(join(out, PUMP_ENTRY_FILE))}); await handler();`;
    await expect(
      run(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1' },
        cwd: dir,
      }),
    ).rejects.toThrow(/invalid environment:[\s\S]*LAKE_QUEUE_URL/);
  });
});
