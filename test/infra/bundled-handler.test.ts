/**
 * The deployed artifact end to end: the Veza function bundled as `cdk deploy` bundles it (code
 * splitting and its sources file, infra/bundling.ts), run in its own Node process with a Lambda's environment whose AWS
 * endpoints point at the local stack (AWS_ENDPOINT_URL_*), drains a Veza emulator through the
 * handler (middy, Powertools, Secrets Manager, DynamoDB, Firehose) into the archive.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PUMP_ENTRY_FILE, PUMP_SOURCES_FILE, bundlePump, writePumpSources } from '../../infra/bundling.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import { startVezaStack, type VezaStack } from '../helpers/core-veza-stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'bundled-handler-token-7c2e';
const BACKLOG = 250;
const run = promisify(execFile);

mkdirSync(join(ROOT, '.local'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.local', 'bundled-handler-'));
let stack: VezaStack;

beforeAll(async () => {
  stack = await startVezaStack({
    token: TOKEN,
    backlog: BACKLOG,
    sourceId: 'veza-bundled',
    pageSize: 100,
    archiveDir: join(dir, 'archive'),
    bufferIntervalMs: 50,
  });
});

afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the bundled Veza function', () => {
  it('runs its source through the handler against the local stack and archives every event once', async () => {
    // Prepare: the function as deployed (its sources in a file beside the entry), and the environment PumpFunction
    // gives it.
    const out = join(dir, 'function');
    bundlePump(join(ROOT, 'functions/veza/index.ts'), out);
    writePumpSources(out, stack.config.sources);
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint,
      AWS_ENDPOINT_URL_FIREHOSE: stack.firehose.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: stack.secrets.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: 'AuditPump-veza',
      LAMBDA_TASK_ROOT: out,
      AUDIT_PUMP_SOURCES_FILE: PUMP_SOURCES_FILE,
      CURSOR_TABLE: stack.config.cursorTable,
      ARCHIVE_STREAM: stack.config.archiveStream,
      DEAD_LETTER_STREAM: stack.config.deadLetterStream,
      POWERTOOLS_SERVICE_NAME: 'audit-pump-veza',
      POWERTOOLS_METRICS_NAMESPACE: 'AuditPump',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const script = [
      `const { handler } = await import(${JSON.stringify(join(out, PUMP_ENTRY_FILE))});`,
      "const context = { awsRequestId: 'req-1', functionName: 'AuditPump-veza', getRemainingTimeInMillis: () => 60_000 };",
      "const response = await handler({ sourceId: 'veza-bundled' }, context);",
      "process.stdout.write('\\nRESULT ' + JSON.stringify(response) + '\\n');",
    ].join('\n');

    // Act
    const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
      env,
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });

    // Assess
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT ')) as string;
    expect(JSON.parse(line.slice('RESULT '.length))).toMatchObject({
      results: [{ sourceId: 'veza-bundled', status: 'caught-up', events: BACKLOG }],
      more: false,
    });
    expect(stdout).not.toContain(TOKEN);
    await stack.firehose.flush();
    const archived = await readArchive(join(dir, 'archive'));
    expect(new Set(archived.map((a) => (a.record.metadata as { uid: string }).uid)).size).toBe(BACKLOG);
  }, 60_000);
});
