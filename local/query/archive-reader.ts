/**
 * Reads the local archive back (gzip NDJSON objects under `events/` or `dead-letter/`), for the
 * CLI's summaries and the tests' "every event archived" checks.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Every file below `dir` (recursively); none when it does not exist. */
async function walk(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat();
}

export interface ArchivedRecord {
  /** The object's key relative to the archive root (e.g. `events/vendor=veza/dt=2026-11-20/…gz`). */
  readonly key: string;
  readonly record: Record<string, unknown>;
}

/** Every record under `<archiveDir>/<area>/`, parsed; each line must be one JSON object. */
export async function readArchive(
  archiveDir: string,
  area: 'events' | 'dead-letter' = 'events',
): Promise<ArchivedRecord[]> {
  const files = (await walk(join(archiveDir, area))).filter((f) => f.endsWith('.gz')).sort();
  const out: ArchivedRecord[] = [];
  for (const file of files) {
    const text = gunzipSync(await readFile(file)).toString('utf8');
    const key = file.slice(archiveDir.length + 1);
    for (const line of text.split('\n'))
      if (line) out.push({ key, record: JSON.parse(line) as Record<string, unknown> });
  }
  return out;
}
