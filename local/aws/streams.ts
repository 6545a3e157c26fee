/**
 * The archive and dead-letter delivery streams as deployed (infra/constructs/delivery-stream.ts),
 * for every local Firehose: their prefixes, and the pump's records, packed several events to a
 * Firehose record, deaggregated first.
 */
import * as layout from '../../shared/archive-layout.ts';
import type { StreamConfig } from './firehose-writer.ts';

/** The processors of the deployed archive and dead-letter streams. */
const DEAGGREGATING = { deaggregation: { type: 'JSON' }, appendDelimiter: true } as const;

/** The two streams' configurations under the given stream names. */
export function deployedStreams(names: { archive: string; deadLetter: string }): Record<string, StreamConfig> {
  return {
    [names.archive]: {
      prefix: layout.ARCHIVE_PREFIX,
      errorOutputPrefix: layout.ARCHIVE_ERROR_PREFIX,
      ...DEAGGREGATING,
    },
    [names.deadLetter]: {
      prefix: layout.DEAD_LETTER_PREFIX,
      errorOutputPrefix: layout.DEAD_LETTER_ERROR_PREFIX,
      ...DEAGGREGATING,
    },
  };
}

/** The streams of the local stack (`npm start`, `emulate`, the benchmark), under their local names. */
export const LOCAL_STREAM_CONFIGS: Readonly<Record<string, StreamConfig>> = deployedStreams(layout.LOCAL_STREAMS);
