/**
 * A durable spool (write-ahead log) for vendor reads that cannot be repeated: a destructive queue
 * (Carbon Black `_queue`, vendor-notes §5.4, §5.7) hands each batch out once, so the connector
 * writes the response here before it parses or delivers anything, and replays it after a crash.
 *
 * Three implementations: S3 (deployed; bucket from `SPOOL_BUCKET`), a directory (the local stack,
 * under its state dir) and memory (an in-memory local stack, whose cursors are in memory too).
 * Keys are the connector's; `list` sorts them, so a connector that names batches by time replays
 * them in order.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from './aws.ts';
import { writeFileDurably } from './durable-file.ts';
import { SpoolError } from './errors.ts';

/** Durable key/value storage of raw batches; `put` resolves only once the bytes are durable. */
export interface Spool {
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Keys that start with `prefix`, sorted ascending (code-unit order). */
  list(prefix: string): Promise<string[]>;
  /** The bytes under `key`; SpoolError when there are none. */
  get(key: string): Promise<Uint8Array>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._:=/-]{0,511}$/;

/** Keys are path-like (`carbonblack/cb-main/2026-...json`); nothing that could leave a directory. */
export function checkSpoolKey(key: string): string {
  if (!KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..' || part === '')) {
    throw new SpoolError(`invalid spool key "${key.slice(0, 80)}"`);
  }
  return key;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Options of {@link S3Spool}. */
export interface S3SpoolOptions {
  readonly bucket: string;
  /** Prepended to every key in the bucket. @default '' */
  readonly prefix?: string;
  /** @default new S3Client({}) (endpoint from the SDK's own settings, e.g. AWS_ENDPOINT_URL_S3) */
  readonly client?: S3Client;
}

/** The spool in an S3 bucket. S3 is strongly read-after-write consistent, lists included. */
export class S3Spool implements Spool {
  readonly #bucket: string;
  readonly #prefix: string;
  #client: S3Client | undefined;

  constructor(options: S3SpoolOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
    this.#client = options.client;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.#call('put', key, ({ client, sdk }) =>
      client.send(
        new sdk.PutObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + checkSpoolKey(key), Body: bytes }),
      ),
    );
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call('list', prefix, ({ client, sdk }) =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: this.#prefix + prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(this.#prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort(byCodeUnit);
  }

  async get(key: string): Promise<Uint8Array> {
    const out = await this.#call('get', key, ({ client, sdk }) =>
      client.send(new sdk.GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + checkSpoolKey(key) })),
    );
    if (!out.Body) throw new SpoolError(`spool get ${key}: empty response`);
    return out.Body.transformToByteArray();
  }

  async delete(key: string): Promise<void> {
    await this.#call('delete', key, ({ client, sdk }) =>
      client.send(new sdk.DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + checkSpoolKey(key) })),
    );
  }

  /** SDK failures become SpoolError naming the operation, the bucket and the key. */
  async #call<T>(
    op: string,
    key: string,
    send: (s3: { client: S3Client; sdk: Awaited<ReturnType<typeof s3Sdk>> }) => Promise<T>,
  ): Promise<T> {
    let sdk: Awaited<ReturnType<typeof s3Sdk>> | undefined;
    try {
      sdk = await s3Sdk();
      this.#client ??= new sdk.S3Client({});
      return await send({ client: this.#client, sdk });
    } catch (error) {
      if (error instanceof SpoolError) throw error;
      const what =
        sdk && error instanceof sdk.NoSuchKey
          ? 'no such key'
          : error instanceof Error
            ? `${error.name}: ${error.message}`
            : String(error);
      throw new SpoolError(`spool ${op} s3://${this.#bucket}/${this.#prefix}${key}: ${what}`, { cause: error });
    }
  }
}

/** The spool in a directory, one file per key; each put is written, fsynced, then renamed into place. */
export class FileSpool implements Spool {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  #path(key: string): string {
    return join(this.#dir, encodeURIComponent(checkSpoolKey(key)));
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.#path(key);
    const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    await writeFileDurably(path, temp, bytes);
  }

  async list(prefix: string): Promise<string[]> {
    const names = await readdir(this.#dir);
    return names
      .filter((n) => !n.includes('.tmp-'))
      .map((n) => decodeURIComponent(n))
      .filter((k) => k.startsWith(prefix))
      .sort(byCodeUnit);
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.#path(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new SpoolError(`spool get ${key}: no such key`, { cause: error });
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }
}

/** The spool in memory, for an in-memory local stack and tests; gone when the process is. */
export class MemorySpool implements Spool {
  readonly #items = new Map<string, Uint8Array>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.#items.set(checkSpoolKey(key), new Uint8Array(bytes));
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.#items.keys()].filter((k) => k.startsWith(prefix)).sort(byCodeUnit);
  }

  async get(key: string): Promise<Uint8Array> {
    const bytes = this.#items.get(key);
    if (!bytes) throw new SpoolError(`spool get ${key}: no such key`);
    return new Uint8Array(bytes);
  }

  async delete(key: string): Promise<void> {
    this.#items.delete(key);
  }
}
