/**
 * Secret hygiene (docs/architecture.md): everything a campaign produces — log lines, run
 * errors, EMF metrics, archive and dead-letter objects, spooled batches — is kept as text and
 * scanned for the credentials the sources used, in the encodings they travel in.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { publishRunMetrics } from '../../shared/metrics.ts';
import type { Logger } from '../../shared/logger.ts';
import type { RunResult } from '../../shared/runner.ts';
import type { Spool } from '../../shared/spool.ts';

/** Texts gathered during a campaign, by where they came from. */
export interface Outputs {
  logs: string[];
  errors: string[];
  metrics: string[];
  archive: string[];
}

export function emptyOutputs(): Outputs {
  return { logs: [], errors: [], metrics: [], archive: [] };
}

/** Error objects as their name, message and causes; JSON.stringify would print `{}`. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, cause: value.cause };
  return typeof value === 'bigint' ? String(value) : value;
}

/** A logger that keeps every line (message and attributes) as JSON text. */
export function capturingLogger(lines: string[]): Logger {
  const log = (level: string) => (message: string, attributes?: Record<string, unknown>) =>
    void lines.push(JSON.stringify({ level, message, ...attributes }, replacer));
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** The EMF document the Lambda handler would print for this run (shared/metrics.ts publishRunMetrics). */
export function runMetrics(result: RunResult): string[] {
  const lines: string[] = [];
  const metrics = new Metrics({ namespace: 'AuditPump', serviceName: 'audit-pump-chaos' });
  // Powertools prints EMF to its own console; catch it instead.
  (metrics as unknown as { console: { log(line: string): void } }).console = { log: (line) => void lines.push(line) };
  publishRunMetrics(metrics, result);
  return lines;
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? files(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat();
}

/** Every object the archive holds (events, dead letters, error prefixes), decompressed. */
export async function archiveTexts(dir: string): Promise<string[]> {
  const texts: string[] = [];
  for (const file of await files(dir)) {
    const bytes = await readFile(file);
    texts.push(file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8'));
  }
  return texts;
}

/** Every object in a spool. */
export async function spoolTexts(spool: Spool): Promise<string[]> {
  const keys = await spool.list('');
  return Promise.all(keys.map(async (k) => `${k}\n${Buffer.from(await spool.get(k)).toString('utf8')}`));
}

/** The forms a credential takes in headers, URLs, JSON and base64 bodies. */
function forms(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  return [
    ...new Set([
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      b64,
      b64.replace(/=+$/, ''),
      Buffer.from(secret).toString('base64url'),
    ]),
  ];
}

/** Where each leaked credential was found: one entry per (output kind, text) that holds one. */
export function scan(outputs: Outputs, secrets: readonly string[]): string[] {
  const needles = secrets.filter((s) => s.length >= 6).flatMap(forms);
  const leaks: string[] = [];
  for (const [kind, texts] of Object.entries(outputs) as Array<[keyof Outputs, string[]]>) {
    for (const text of texts) {
      const needle = needles.find((n) => text.includes(n));
      if (!needle) continue;
      const at = text.indexOf(needle);
      leaks.push(
        `${kind}: …${text.slice(Math.max(0, at - 80), at)}[CREDENTIAL]${text.slice(at + needle.length, at + needle.length + 20)}…`,
      );
    }
  }
  return leaks;
}
