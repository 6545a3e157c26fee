/**
 * `audit-pump run --dry-run`: for each source, checks what a run needs before it moves anything:
 * the config (already parsed), the credentials (inline, or the secret in AWS Secrets Manager with
 * the caller's AWS credentials), and that the vendor accepts them, with one request through the
 * connector's own first-page fetch. Nothing is delivered, no cursor is read or written, no lease taken.
 */
import { connectorOf } from '../../functions/registry.ts';
import type { Source } from '../../shared/config.ts';
import type { CredentialsProvider } from '../../shared/runner.ts';
import { InvalidCredentialsError, describeError } from '../../shared/errors.ts';
import { parseCredentials, parseOptions, type Credentials } from '../../shared/connector.ts';
import { HttpClient } from '../../shared/http.ts';
import { silentLogger } from '../../shared/logger.ts';
import { makeRedactor } from '../../shared/redact.ts';
import { MemorySpool } from '../../shared/spool.ts';
import { settleLagMs } from '../../shared/windows.ts';
import { conciseError } from './error-text.ts';

/** How long one source's check may take. */
const PROBE_MS = 30_000;

/** What the check found for one source. */
export interface ProbeResult {
  readonly sourceId: string;
  readonly vendor: string;
  readonly ok: boolean;
  /** The step that failed, or `vendor` when all passed. */
  readonly step: 'credentials' | 'vendor';
  readonly detail: string;
}

/** Checks each source in turn; never throws for a source's failure. */
export async function probeSources(
  sources: readonly Source[],
  credentials: CredentialsProvider,
  now: () => number = Date.now,
): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const source of sources) results.push(await probeSource(source, credentials, now));
  return results;
}

async function probeSource(source: Source, provider: CredentialsProvider, now: () => number): Promise<ProbeResult> {
  const result = (ok: boolean, step: ProbeResult['step'], detail: string): ProbeResult => ({
    sourceId: source.id,
    vendor: source.vendor,
    ok,
    step,
    detail,
  });
  const connector = connectorOf(source.vendor);
  let credentials: Credentials;
  try {
    credentials = parseCredentials(connector, source, await provider.get(source));
  } catch (error) {
    // The line names the source already.
    return result(
      false,
      'credentials',
      error instanceof InvalidCredentialsError ? error.problem : describeError(error),
    );
  }
  const redact = makeRedactor(Object.values(credentials));
  const deadline = now() + PROBE_MS;
  const http = new HttpClient({
    origin: source.baseUrl,
    deadline,
    secrets: Object.values(credentials),
    maxAttempts: 2,
    ...(connector.retryRule ? { retryRule: connector.retryRule } : {}),
  });
  // A destructive read (Carbon Black's queue) is never probed: its range options read the search instead.
  try {
    const own = parseOptions(connector, source);
    const destructive = connector.needsSpool?.(own) === true;
    const probed = destructive ? { ...source, options: { ...source.options, ...connector.range?.options } } : source;
    const options = destructive ? { ...own, ...connector.range?.options } : own;
    const page = await connector.fetchPage(
      {
        source: probed,
        options,
        credentials,
        settleLagMs: settleLagMs(connector, source),
        http,
        deadline,
        now,
        log: silentLogger,
        spool: new MemorySpool(),
      },
      connector.initialCursor(probed, now(), options),
    );
    return result(
      true,
      'vendor',
      `credentials accepted; the first page from startFrom holds ${page.records.length} record(s)`,
    );
  } catch (error) {
    return result(false, 'vendor', conciseError(redact(describeError(error))));
  }
}

/** The results as lines. */
export function formatProbes(results: readonly ProbeResult[]): string {
  const lines = results.map((r) => `${r.sourceId}: ${r.ok ? 'ok' : `FAILED at ${r.step}`} — ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  lines.push(
    failed
      ? `${failed} of ${results.length} source(s) would not run; nothing was delivered and no cursor moved`
      : `all ${results.length} source(s) ready; nothing was delivered and no cursor moved`,
  );
  return `${lines.join('\n')}\n`;
}
