/**
 * The local archive (the Firehose emulator's directory, same key layout as the S3 bucket) behind
 * the ArchiveReader interface of shared/archive.ts, for `audit-pump reconcile` and the tests.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archivePrefix, parseArchiveObject, type ArchiveReader } from '../../shared/archive.ts';
import type { Vendor } from '../../shared/config.ts';

/** Reads `<dir>/events/vendor=<v>/dt=<day>/*.gz`. */
export class LocalArchiveReader implements ArchiveReader {
  constructor(private readonly dir: string) {}

  async *events(vendor: Vendor, days: readonly string[]): AsyncIterable<Record<string, unknown>> {
    for (const day of days) {
      const partition = join(this.dir, archivePrefix(vendor, day));
      let names: string[];
      try {
        names = (await readdir(partition)).filter((n) => n.endsWith('.gz')).sort();
      } catch {
        continue; // no events that day
      }
      for (const name of names) yield* parseArchiveObject(join(partition, name), await readFile(join(partition, name)));
    }
  }
}
