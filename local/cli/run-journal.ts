/**
 * The last result of each source's local run, kept beside the cursors (`<state>/last-runs.json`)
 * so `audit-pump status` can say how the last run ended and why. The deployed functions have their
 * metrics and logs for that; a local run has only this file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { RunResult } from '../../shared/runner.ts';

const FILE = 'last-runs.json';

const entrySchema = z.object({
  status: z.string(),
  at: z.string(),
  events: z.number(),
  pages: z.number(),
  rejected: z.number(),
  error: z.string().optional(),
});
const journalSchema = z.record(z.string(), entrySchema);

/** One source's last local run. */
export type LastRun = z.infer<typeof entrySchema>;

/** The last run of each source under `stateDir`; empty when none was recorded (or the file is unreadable). */
export function readJournal(stateDir: string): Record<string, LastRun> {
  const path = join(stateDir, FILE);
  if (!existsSync(path)) return {};
  try {
    const parsed = journalSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Records `results` as the sources' last runs (written whole, then renamed: never half a file). */
export async function recordRuns(stateDir: string, results: readonly RunResult[], now = Date.now()): Promise<void> {
  if (results.length === 0) return;
  const journal = readJournal(stateDir);
  for (const r of results) {
    journal[r.sourceId] = {
      status: r.status,
      at: new Date(now).toISOString(),
      events: r.events,
      pages: r.pages,
      rejected: r.rejected,
      ...(r.error ? { error: r.error } : {}),
    };
  }
  const path = join(stateDir, FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(journal, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}
