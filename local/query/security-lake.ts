/**
 * The Security Lake layout offline: the archive's events written as the deployed exporter writes
 * them (shared/security-lake/export.ts), under `<archive>/security-lake/ext/<source>/region=…/
 * accountId=…/eventDay=…/*.parquet`, with the local stack's emulated region and account. Each run
 * rebuilds the local lake from the whole archive (in a fresh directory, swapped in once complete),
 * so it always holds each archived event once: as many rows per class as the archive has events.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OcsfSubset } from '../../shared/ocsf-validate.ts';
import { loadOcsfSubset } from '../../shared/ocsf-validate.ts';
import { exportToLake, type LakeExport, type LakeSink } from '../../shared/security-lake/export.ts';
import { DEFAULT_SOURCE_PREFIX, LOCAL_LAKE_DIR } from '../../shared/security-lake/layout.ts';
import { readArchive } from './archive-reader.ts';
import { EMULATED_ACCOUNT, EMULATED_REGION } from '../aws/aws-json.ts';

export interface LocalLakeOptions {
  /** @default DEFAULT_SOURCE_PREFIX */
  readonly prefix?: string;
  readonly subset?: OcsfSubset;
}

/** The local lake's root: the lake bucket's stand-in. */
export function localLakeDir(archiveDir: string): string {
  return join(archiveDir, LOCAL_LAKE_DIR);
}

/** Files under a directory, as the lake bucket's keys. */
function directorySink(root: string): LakeSink {
  return {
    async put(_source, key, bytes) {
      await mkdir(dirname(join(root, key)), { recursive: true });
      await writeFile(join(root, key), bytes);
    },
  };
}

/** Writes every archived event to the local lake; a write that fails leaves the previous lake in place. */
export async function exportLocalLake(
  archiveDir: string,
  options: LocalLakeOptions = {},
): Promise<LakeExport & { readonly dir: string }> {
  const dir = localLakeDir(archiveDir);
  const fresh = `${dir}.new-${process.pid}`;
  await rm(fresh, { recursive: true, force: true });
  const records = (await readArchive(archiveDir)).map(({ key, record }) => ({ archiveKey: key, event: record }));
  const target = {
    prefix: options.prefix ?? DEFAULT_SOURCE_PREFIX,
    region: EMULATED_REGION,
    accountId: EMULATED_ACCOUNT,
  };
  const result = await exportToLake(records, target, directorySink(fresh), options.subset ?? loadOcsfSubset());
  if (result.failed.length) {
    await rm(fresh, { recursive: true, force: true });
    throw new Error(`Security Lake layout not written: ${result.failed.map((f) => `${f.key}: ${f.error}`).join('; ')}`);
  }
  await mkdir(fresh, { recursive: true });
  await rm(dir, { recursive: true, force: true });
  await rename(fresh, dir);
  return { ...result, dir };
}

/** One line for the CLI: what was written where, and what stays in the archive only. */
export function lakeSummary(result: LakeExport & { readonly dir: string }): string {
  const events = result.written.reduce((n, w) => n + w.events, 0);
  const bytes = result.written.reduce((n, w) => n + w.bytes, 0);
  const held = Object.entries(result.held).map(([reason, n]) => `${n} held (${reason})`);
  return `security lake: ${events} events in ${result.written.length} Parquet objects (${bytes} bytes) under ${join(result.dir, 'ext')}${held.length ? `; ${held.join('; ')}, archive only` : ''}`;
}
