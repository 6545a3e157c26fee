/**
 * The deployed archive reader: lists `events/vendor=<v>/dt=<day>/` in the archive bucket and reads
 * each object (gzip NDJSON, as the Firehose archive stream writes it). The function's role may
 * only list and read its own vendor's prefix (infra/constructs/pump-function.ts).
 */
import type { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3Sdk } from './aws.ts';
import { archivePrefix, parseArchiveObject, type ArchiveReader } from './archive.ts';
import type { Vendor } from './config.ts';

/** The part of the S3 client the reader uses (tests pass a small fake). */
export interface S3Sender {
  send(command: ListObjectsV2Command | GetObjectCommand): Promise<unknown>;
}

export interface S3ArchiveReaderOptions {
  readonly bucket: string;
  /** @default a new S3Client */
  readonly client?: S3Sender;
}

interface ListPage {
  readonly Contents?: ReadonlyArray<{ readonly Key?: string }>;
  readonly NextContinuationToken?: string;
}

interface ObjectBody {
  readonly Body?: { transformToByteArray(): Promise<Uint8Array> };
}

/** Archive reader over the deployed bucket. */
export class S3ArchiveReader implements ArchiveReader {
  readonly #bucket: string;
  #client: S3Sender | undefined;

  constructor(options: S3ArchiveReaderOptions) {
    this.#bucket = options.bucket;
    this.#client = options.client;
  }

  /** The S3 client and commands, loaded on first use (shared/aws.ts). */
  async #s3(): Promise<{ client: S3Sender; sdk: Awaited<ReturnType<typeof s3Sdk>> }> {
    const sdk = await s3Sdk();
    this.#client ??= new sdk.S3Client({}) as unknown as S3Sender;
    return { client: this.#client, sdk };
  }

  async *events(vendor: Vendor, days: readonly string[]): AsyncIterable<Record<string, unknown>> {
    for (const day of days) {
      for (const key of await this.#keys(archivePrefix(vendor, day))) {
        const { client, sdk } = await this.#s3();
        const out = (await client.send(new sdk.GetObjectCommand({ Bucket: this.#bucket, Key: key }))) as ObjectBody;
        if (!out.Body) throw new Error(`s3://${this.#bucket}/${key}: empty response body`);
        yield* parseArchiveObject(key, await out.Body.transformToByteArray());
      }
    }
  }

  /** Every key under `prefix` (ListObjectsV2 pages of up to 1,000 keys). */
  async #keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const { client, sdk } = await this.#s3();
      const page = (await client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      )) as ListPage;
      for (const item of page.Contents ?? []) if (item.Key && !item.Key.endsWith('/')) keys.push(item.Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  }
}
