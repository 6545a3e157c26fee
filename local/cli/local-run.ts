/**
 * Runs sources against the local AWS stack with the Lambda's own code path (`createPump`):
 * invocation after invocation, as the deployed continuation does, until each source is caught up
 * or fails. Used by `audit-pump run` and `npm start`.
 */
import { CONNECTORS } from '../../functions/registry.ts';
import type { Source, Vendor } from '../../shared/config.ts';
import type { Connector } from '../../shared/connector.ts';
import { createPump, type PumpOptions } from '../../shared/handler.ts';
import type { Logger } from '../../shared/logger.ts';
import type { RunResult } from '../../shared/runner.ts';
import type { LocalStack } from '../aws/stack.ts';
import { localOwner } from '../aws/state-lock.ts';

export interface LocalRunOptions {
  /** Simulated Lambda time per invocation. @default 14.5 minutes (a 15-minute function) */
  readonly invocationMs?: number;
  /** Invocations per source before giving up on "caught up". @default 1000 */
  readonly maxInvocations?: number;
  readonly logger?: Logger;
  readonly onResult?: PumpOptions['onResult'];
  readonly onProgress?: PumpOptions['onProgress'];
  readonly http?: PumpOptions['http'];
  readonly onRetry?: PumpOptions['onRetry'];
  /** Ctrl-C: every run stops at its next page boundary, and no further invocation starts. */
  readonly stop?: AbortSignal;
}

/** A pump per vendor over the stack's config. */
export function localPumps(stack: LocalStack, options: LocalRunOptions = {}) {
  const pumps = new Map<Vendor, ReturnType<typeof createPump>>();
  for (const [vendor, connector] of Object.entries(CONNECTORS) as Array<[Vendor, Connector]>) {
    pumps.set(
      vendor,
      createPump(connector, {
        config: stack.config,
        clients: stack.clients,
        spool: stack.spool,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.onResult ? { onResult: options.onResult } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.http ? { http: options.http } : {}),
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        ...(options.stop ? { stop: options.stop } : {}),
      }),
    );
  }
  return pumps;
}

/** Runs one source invocation after invocation until it is caught up, busy, skipped or failed. */
export async function drainSource(
  pumps: ReturnType<typeof localPumps>,
  source: Source,
  options: LocalRunOptions = {},
): Promise<RunResult> {
  const pump = pumps.get(source.vendor);
  if (!pump) throw new Error(`source ${source.id}: no connector for vendor "${source.vendor}" yet`);
  let last: RunResult | undefined;
  for (let i = 0; i < (options.maxInvocations ?? 1000); i++) {
    // The lease names this process, so a lease it leaves behind (killed) can be released (cursor unlock).
    const { results } = await pump({ sourceId: source.id }, options.invocationMs ?? 870_000, localOwner());
    last = results[0] as RunResult;
    if (!last.more || last.status === 'failed' || options.stop?.aborted) return last;
  }
  return last as RunResult;
}
