/**
 * The delivery side of the Firehose emulator: records buffered per stream and evaluated prefix, as
 * Firehose buffers them, and written as objects under the archive directory with the S3 key layout
 * of docs/architecture.md.
 *
 * Durable like the real service: a PutRecordBatch is answered only after its records are on disk.
 * Each buffer has a journal file under `<archive>/.firehose-journal/`; `persist()` appends what was
 * accepted since the last call and fsyncs it. A buffer that is released (interval, size, flush) is
 * written as its object (temp file, fsync, rename) and its journal removed. An emulator that was
 * killed leaves journals behind; `recover()` writes their objects before the next one serves. So a
 * run whose cursor moved after Firehose answered never loses those records to a SIGKILL or Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { syncDir, writeFileDurably } from '../../shared/durable-file.ts';
import { appendDelimiter, deaggregate } from './firehose-processors.ts';
import {
  errorLine,
  evaluatePrefix,
  formatUtc,
  parseSingleJson,
  partitionKeysOf,
  type StreamConfig,
} from './firehose-prefixes.ts';

export {
  evaluatePrefix,
  formatUtc,
  partitionKeysOf,
  validateStreamConfig,
  type StreamConfig,
} from './firehose-prefixes.ts';

const gzipAsync = promisify(gzip);

/** The journal of unwritten buffers, under the archive directory (a dot folder: no reader lists it). */
export const JOURNAL_DIR = '.firehose-journal';

/** What a journal's first frame says about the object it becomes. */
interface ObjectHead {
  readonly id: string;
  readonly stream: string;
  readonly prefix: string;
  readonly gzip: boolean;
  readonly firstArrivalMs: number;
}

interface Buffered extends ObjectHead {
  readonly chunks: Buffer[];
  /** How many of `chunks` are in the journal already. */
  journaled: number;
  bytes: number;
  timer: ReturnType<typeof setTimeout>;
  journal?: FileHandle;
}

/** Settings of an {@link ArchiveWriter}. */
export interface ArchiveWriterOptions {
  readonly archiveDir: string;
  readonly bufferIntervalMs: number;
  readonly bufferBytes: number;
  readonly onObjectWritten?: () => void;
}

/** A length-prefixed frame: a write cut short by a kill leaves a frame that recovery can tell is torn. */
function frame(data: Buffer): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(data.length);
  return Buffer.concat([head, data]);
}

/** The whole frames of a journal; a torn last one (its write was never acknowledged) is dropped. */
function frames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 4 <= bytes.length;) {
    const length = bytes.readUInt32BE(at);
    if (at + 4 + length > bytes.length) break;
    out.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

/** Buffers records per stream and evaluated prefix, as Firehose does, journals them, and writes them as objects. */
export class ArchiveWriter {
  private readonly buffers = new Map<string, Buffered>();
  private readonly failures: unknown[] = [];
  private readonly root: string;
  private readonly journalDir: string;
  /** Every disk step, in order: a journal append never overtakes the object write of its buffer. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: ArchiveWriterOptions) {
    this.root = resolve(options.archiveDir);
    this.journalDir = join(this.root, JOURNAL_DIR);
  }

  /** Writes the objects of the buffers an earlier emulator left in the journal; returns how many. */
  async recover(): Promise<number> {
    const names = (await readdir(this.journalDir).catch(() => [] as string[])).filter((n) => n.endsWith('.journal'));
    for (const name of names) {
      const path = join(this.journalDir, name);
      const [head, ...data] = frames(await readFile(path));
      if (head) await this.writeObject(JSON.parse(head.toString('utf8')) as ObjectHead, data);
      await rm(path, { force: true });
    }
    return names.length;
  }

  /**
   * Buffers one accepted record: deaggregated first when the stream says so, then each (sub-)record
   * to its partition, or to the error prefix when it cannot be processed or partitioned. Returns
   * how many records were delivered to a partition. Durable only once {@link persist} resolves.
   */
  append(stream: string, config: StreamConfig, data: Buffer, arrivalMs: number): number {
    if (this.closed) throw new Error('the archive writer is closed');
    // Without dynamic partitioning Firehose never parses the record: any bytes are delivered.
    if (!config.prefix.includes('!{partitionKeyFromQuery:')) {
      this.buffer(stream, config, evaluatePrefix(config.prefix, {}, arrivalMs) ?? '', data, arrivalMs);
      return 1;
    }
    const parts = config.deaggregation ? deaggregate(data, config.deaggregation) : [data];
    if (!Array.isArray(parts)) {
      // The error output type of a failed deaggregation is UNCONFIRMED; the whole record lands there.
      this.toErrors(stream, config, data, arrivalMs, 'processing-failed', 'RecordDeAggregation.Failed', parts.error);
      return 0;
    }
    let delivered = 0;
    for (const part of parts) delivered += this.partition(stream, config, part, arrivalMs);
    return delivered;
  }

  /** Journals (and fsyncs) everything appended so far; resolve it before acknowledging the records. */
  persist(): Promise<void> {
    return this.enqueue(async () => {
      for (const buf of this.buffers.values()) await this.journal(buf);
    });
  }

  /** Writes every buffer now and waits for all writes, rethrowing the first write failure. */
  async flush(): Promise<void> {
    for (const key of [...this.buffers.keys()]) this.release(key);
    await this.chain;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
  }

  /** Flushes, then refuses further records. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private partition(stream: string, config: StreamConfig, data: Buffer, arrivalMs: number): number {
    const parsed = parseSingleJson(data);
    const keys = partitionKeysOf(parsed);
    const prefix = keys && evaluatePrefix(config.prefix, keys, arrivalMs);
    if (prefix !== undefined) {
      this.buffer(stream, config, prefix, config.appendDelimiter ? appendDelimiter(data) : data, arrivalMs);
      return 1;
    }
    const reason = parsed === undefined ? 'Non JSON record provided' : 'partitionKeys values must not be null or empty';
    this.toErrors(
      stream,
      config,
      data,
      arrivalMs,
      'partitioning-failed',
      'DynamicPartitioning.MetadataExtractionFailed',
      reason,
    );
    return 0;
  }

  private toErrors(
    stream: string,
    config: StreamConfig,
    data: Buffer,
    arrivalMs: number,
    type: string,
    code: string,
    reason: string,
  ): void {
    // validateStreamConfig guarantees the error prefix has no partition keys, so it always evaluates.
    const errorPrefix = evaluatePrefix(config.errorOutputPrefix, {}, arrivalMs, type) ?? '';
    this.buffer(stream, config, errorPrefix, errorLine(data, arrivalMs, code, reason), arrivalMs);
  }

  private buffer(stream: string, config: StreamConfig, prefix: string, data: Buffer, arrivalMs: number): void {
    const key = `${stream}\0${prefix}`;
    let buf = this.buffers.get(key);
    if (!buf) {
      const timer = setTimeout(() => this.release(key), this.options.bufferIntervalMs);
      // A pending buffer must not keep a CLI alive; stop() flushes what is left.
      timer.unref();
      const head = {
        id: randomUUID(),
        stream,
        prefix,
        gzip: config.compression !== 'UNCOMPRESSED',
        firstArrivalMs: arrivalMs,
      };
      buf = { ...head, chunks: [], journaled: 0, bytes: 0, timer };
      this.buffers.set(key, buf);
    }
    buf.chunks.push(data);
    buf.bytes += data.length;
    if (buf.bytes >= this.options.bufferBytes) this.release(key);
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private release(key: string): void {
    const buf = this.buffers.get(key);
    if (!buf) return;
    this.buffers.delete(key);
    clearTimeout(buf.timer);
    this.enqueue(async () => {
      await this.writeObject(buf, buf.chunks);
      await buf.journal?.close();
      await rm(this.journalPath(buf.id), { force: true });
    }).catch((error: unknown) => void this.failures.push(error));
  }

  private journalPath(id: string): string {
    return join(this.journalDir, `${id}.journal`);
  }

  private async journal(buf: Buffered): Promise<void> {
    if (buf.journaled === buf.chunks.length) return;
    if (!buf.journal) {
      await mkdir(this.journalDir, { recursive: true });
      buf.journal = await open(this.journalPath(buf.id), 'a');
      const { id, stream, prefix, gzip: zipped, firstArrivalMs } = buf;
      await buf.journal.write(frame(Buffer.from(JSON.stringify({ id, stream, prefix, gzip: zipped, firstArrivalMs }))));
      await syncDir(this.journalDir);
    }
    const count = buf.chunks.length;
    await buf.journal.write(frame(Buffer.concat(buf.chunks.slice(buf.journaled, count))));
    await buf.journal.datasync();
    buf.journaled = count;
  }

  /** The object of a buffer: gzipped as the stream says, written to a temp name, fsynced, renamed into place. */
  private async writeObject(head: ObjectHead, chunks: readonly Buffer[]): Promise<void> {
    const name = `${head.stream}-1-${formatUtc('yyyy-MM-dd-HH-mm-ss', head.firstArrivalMs)}-${head.id}${head.gzip ? '.gz' : ''}`;
    // S3 concatenates prefix and name; a prefix without a trailing slash prefixes the file name.
    const target = resolve(this.root, head.prefix + name);
    if (!target.startsWith(this.root + sep)) throw new Error(`object key escapes the archive: ${head.prefix}${name}`);
    const body = Buffer.concat(chunks);
    const bytes = head.gzip ? await gzipAsync(body) : body;
    await mkdir(dirname(target), { recursive: true });
    // Temp name without the .gz suffix, renamed in place: a reader globbing *.gz never sees half an object.
    const temp = join(dirname(target), `.${basename(target)}.tmp`);
    await writeFileDurably(target, temp, bytes);
    this.options.onObjectWritten?.();
  }
}
