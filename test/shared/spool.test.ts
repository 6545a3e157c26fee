/**
 * The spool (write-ahead storage of raw batches): the same contract for the directory and memory
 * implementations, the S3 implementation against a mocked client, and its wiring: `SPOOL_BUCKET`
 * in the runtime config, `createPump` → runner → `ctx.spool`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import * as z from 'zod';
import { loadRuntimeConfig } from '../../shared/config.ts';
import { defineConnector, type Connector, type FetchContext } from '../../shared/connector.ts';
import { SpoolError } from '../../shared/errors.ts';
import { createPump } from '../../shared/handler.ts';
import { eventHead } from '../../shared/ocsf.ts';
import { FileSpool, MemorySpool, S3Spool, type Spool } from '../../shared/spool.ts';
import { startLocalStack, type LocalStack } from '../../local/aws/stack.ts';
import { testSource } from '../helpers/scripted.ts';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const text = (data: Uint8Array): string => Buffer.from(data).toString('utf8');

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
  dirs.push(dir);
  return dir;
}

describe.each([
  ['FileSpool', async (): Promise<Spool> => new FileSpool(join(await tempDir(), 'spool'))],
  ['MemorySpool', async (): Promise<Spool> => new MemorySpool()],
])('%s', (_name, make) => {
  it('gives back the bytes put under a key, and lists keys of a prefix in sorted order', async () => {
    // Prepare
    const spool = await make();

    // Act
    await spool.put('carbonblack/b/2026-01-02T00:00:00.000Z-aa.json', bytes('{"two":2}'));
    await spool.put('carbonblack/b/2026-01-01T00:00:00.000Z-ff.json', bytes('{"one":1}'));
    await spool.put('carbonblack/bb/2026-01-01T00:00:00.000Z-00.json', bytes('other source'));

    // Assess
    expect(await spool.list('carbonblack/b/')).toEqual([
      'carbonblack/b/2026-01-01T00:00:00.000Z-ff.json',
      'carbonblack/b/2026-01-02T00:00:00.000Z-aa.json',
    ]);
    expect(text(await spool.get('carbonblack/b/2026-01-02T00:00:00.000Z-aa.json'))).toBe('{"two":2}');
    expect(await spool.list('')).toHaveLength(3);
  });

  it('deletes a key, and deleting a missing key is not an error', async () => {
    // Prepare
    const spool = await make();
    await spool.put('a/1', bytes('x'));

    // Act
    await spool.delete('a/1');
    await spool.delete('a/1');

    // Assess
    expect(await spool.list('a/')).toEqual([]);
  });

  it('answers a missing key with SpoolError', async () => {
    // Prepare
    const spool = await make();

    // Act / Assess
    await expect(spool.get('a/missing')).rejects.toThrow(SpoolError);
  });

  it.each(['', '../escape', '/absolute', 'a//b', 'a/./b', 'a/../b', 'sp ace', '.hidden'])(
    'refuses the key %j',
    async (key) => {
      // Prepare
      const spool = await make();

      // Act / Assess
      await expect(spool.put(key, bytes('x'))).rejects.toThrow(/invalid spool key/);
    },
  );
});

describe('FileSpool on disk', () => {
  it('keeps batches for the next process (a new instance over the same directory)', async () => {
    // Prepare
    const dir = join(await tempDir(), 'spool');
    await new FileSpool(dir).put('carbonblack/s/k.json', bytes('durable'));

    // Act
    const reopened = new FileSpool(dir);

    // Assess
    expect(await reopened.list('carbonblack/')).toEqual(['carbonblack/s/k.json']);
    expect(text(await reopened.get('carbonblack/s/k.json'))).toBe('durable');
  });

  it('does not list the temp file of a put that died before its rename', async () => {
    // Prepare
    const dir = join(await tempDir(), 'spool');
    const spool = new FileSpool(dir);
    await spool.put('x/done', bytes('1'));
    await writeFile(join(dir, `${encodeURIComponent('x/torn')}.tmp-0a1b2c3d4e5f`), 'half');

    // Act
    const keys = await spool.list('x/');

    // Assess
    expect(keys).toEqual(['x/done']);
    expect(await readdir(dir)).toHaveLength(2);
  });
});

describe('S3Spool', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => {
    s3.reset();
  });
  const spool = (): S3Spool =>
    new S3Spool({ bucket: 'spool-bucket', prefix: 'pump/', client: new S3Client({ region: 'us-east-1' }) });

  it('puts and deletes objects under the prefix', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});

    // Act
    await spool().put('carbonblack/s/k.json', bytes('body'));
    await spool().delete('carbonblack/s/k.json');

    // Assess
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: 'spool-bucket', Key: 'pump/carbonblack/s/k.json' });
    expect(text(put?.Body as Uint8Array)).toBe('body');
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'spool-bucket',
      Key: 'pump/carbonblack/s/k.json',
    });
  });

  it('lists every page of keys, without the prefix, sorted', async () => {
    // Prepare
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      IsTruncated: true,
      NextContinuationToken: 't2',
      Contents: [{ Key: 'pump/c/s/b' }],
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't2' }).resolves({
      IsTruncated: false,
      Contents: [{ Key: 'pump/c/s/a' }],
    });

    // Act
    const keys = await spool().list('c/s/');

    // Assess
    expect(keys).toEqual(['c/s/a', 'c/s/b']);
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([
      'pump/c/s/',
      'pump/c/s/',
    ]);
  });

  it("reads an object's bytes, and turns NoSuchKey and SDK failures into SpoolError naming bucket and key", async () => {
    // Prepare
    s3.on(GetObjectCommand, { Key: 'pump/c/s/here' }).resolves({
      Body: { transformToByteArray: async () => bytes('batch') } as never,
    });
    s3.on(GetObjectCommand, { Key: 'pump/c/s/gone' }).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    // Act
    const found = await spool().get('c/s/here');
    const missing = await spool()
      .get('c/s/gone')
      .catch((error: unknown) => error);
    const denied = await spool()
      .put('c/s/new', bytes('x'))
      .catch((error: unknown) => error);

    // Assess
    expect(text(found)).toBe('batch');
    expect(missing).toBeInstanceOf(SpoolError);
    expect((missing as Error).message).toBe('spool get s3://spool-bucket/pump/c/s/gone: no such key');
    expect(denied).toBeInstanceOf(SpoolError);
    expect((denied as Error).message).toBe('spool put s3://spool-bucket/pump/c/s/new: AccessDenied: Access Denied');
  });
});

describe('spool wiring', () => {
  const ENV = {
    AUDIT_PUMP_SOURCES: JSON.stringify({
      sources: [
        { id: 's', vendor: 'veza', baseUrl: 'https://x.example', secretName: 'n', startFrom: '2026-01-01T00:00:00Z' },
      ],
    }),
    CURSOR_TABLE: 't',
    ARCHIVE_STREAM: 'a',
    DEAD_LETTER_STREAM: 'd',
  };
  let stack: LocalStack;
  let seen: Array<Spool | undefined> = [];
  /** A connector that records the spool it is given and reports caught up at once. */
  const probe: Connector<{ n: number }, { id: string }> = defineConnector({
    vendor: 'veza',
    product: { vendorName: 'Test', name: 'Probe' },
    ocsfClasses: ['ApiActivity'],
    cursorSchema: z.object({ n: z.number() }),
    recordSchema: z.object({ id: z.string() }),
    credentialsSchema: z.object({ token: z.string() }),
    optionsSchema: z.object({}),
    initialCursor: () => ({ n: 0 }),
    fetchPage: async (ctx: FetchContext, cursor) => {
      seen.push(ctx.spool);
      return { records: [], next: cursor, caughtUp: true };
    },
    nativeId: (r) => r.id,
    normalize: (_r, base) =>
      eventHead({ cls: 'ApiActivity', activityId: 1, time: 0, message: '', statusId: 1 }, base, {
        vendorName: 'Test',
        name: 'Probe',
      }),
  });

  beforeAll(async () => {
    const source = testSource({ id: 'probe', baseUrl: 'http://127.0.0.1:9', credentials: { token: 't' } });
    stack = await startLocalStack({ sources: [source], archiveDir: await tempDir() });
  });
  afterAll(async () => {
    await stack.stop();
  });
  afterEach(() => {
    seen = [];
  });

  it('reads SPOOL_BUCKET into the runtime config, and leaves it out when unset', () => {
    // Act
    const withBucket = loadRuntimeConfig({ ...ENV, SPOOL_BUCKET: 'acme-audit-spool' });
    const without = loadRuntimeConfig(ENV);

    // Assess
    expect(withBucket.spoolBucket).toBe('acme-audit-spool');
    expect(without).not.toHaveProperty('spoolBucket');
  });

  it('hands the spool given to createPump to the connector as ctx.spool', async () => {
    // Prepare
    const pump = createPump(probe, {
      config: stack.config,
      clients: stack.clients,
      spool: stack.spool,
    });

    // Act
    await pump({ sourceId: 'probe' }, 60_000);

    // Assess
    expect(seen).toEqual([stack.spool]);
  });

  it('builds an S3Spool on the configured bucket, and passes none when no bucket is configured', async () => {
    // Prepare
    const withBucket = createPump(probe, {
      config: { ...stack.config, spoolBucket: 'acme-audit-spool' },
      clients: stack.clients,
    });
    const without = createPump(probe, { config: stack.config, clients: stack.clients });

    // Act
    await withBucket({ sourceId: 'probe' }, 60_000);
    await without({ sourceId: 'probe' }, 60_000);

    // Assess
    expect(seen[0]).toBeInstanceOf(S3Spool);
    expect(seen[1]).toBeUndefined();
  });
});
