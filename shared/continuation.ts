/**
 * The continuation: when a run stops at its deadline with more to read, the function invokes
 * itself asynchronously for that source, so a backlog drains at full speed instead of one
 * invocation per schedule tick. It fires after the run released its lease, so the next run never
 * overlaps it; a chain is capped so a source that never catches up cannot loop forever (the
 * schedule keeps going regardless).
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { lambdaSdk } from './aws.ts';
import { describeError } from './errors.ts';
import type { PumpCommand, PumpEvent, PumpResponse } from './pump-event.ts';
import type { Logger } from './logger.ts';

/** Invocations in one chain before it stops and leaves the rest to the schedule. */
export const MAX_CONTINUATIONS = 24;

/** Invokes a function asynchronously with an event. */
export type Invoker = (functionName: string, event: PumpEvent) => Promise<void>;

/** The production invoker: Lambda Invoke with InvocationType Event (the client loaded on first use). */
export function lambdaInvoker(client?: LambdaClient): Invoker {
  let own: LambdaClient | undefined = client;
  return async (functionName, event) => {
    const sdk = await lambdaSdk();
    own ??= new sdk.LambdaClient({});
    await own.send(
      new sdk.InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
  };
}

/** Invokes `functionName` once per source that stopped at its deadline; returns the source ids continued. */
export async function continueRuns(
  response: PumpResponse,
  event: PumpCommand,
  functionName: string,
  invoke: Invoker,
  log: Logger,
): Promise<string[]> {
  const depth = (event.continuation ?? 0) + 1;
  const pending = response.results.filter((r) => r.status === 'deadline' && r.more).map((r) => r.sourceId);
  if (pending.length && depth > MAX_CONTINUATIONS) {
    log.warn('continuation chain capped; the schedule picks the sources up', { sources: pending, depth });
    return [];
  }
  const continued: string[] = [];
  for (const sourceId of pending) {
    try {
      await invoke(functionName, { sourceId, continuation: depth });
      continued.push(sourceId);
    } catch (error) {
      log.error('continuation failed; the schedule picks the source up', { sourceId, error: describeError(error) });
    }
  }
  return continued;
}
