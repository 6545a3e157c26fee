/**
 * What the runner hands a vendor's normalizer with each record (a `NormalizeBase`), for the
 * normalizer tests: one test source, one receipt time, and the uid the runner derives.
 */
import type { NormalizeBase } from '../../shared/connector.ts';
import type { Source } from '../../shared/config.ts';
import { eventUid } from '../../shared/ocsf.ts';

export interface RunnerBases {
  readonly source: Source;
  /** Epoch ms; the events' `metadata.processed_time`. */
  readonly receivedAt: number;
  /** The base of `raw` under `uid` as given. */
  withUid(raw: string, uid: string): NormalizeBase;
  /** The base of `raw` under the uid the runner makes of its native id in this source. */
  of(raw: string, nativeId: string): NormalizeBase;
}

export function runnerBases(source: Source, receivedAt: number): RunnerBases {
  const withUid = (raw: string, uid: string): NormalizeBase => ({ source, uid, rawData: raw, receivedAt });
  return {
    source,
    receivedAt,
    withUid,
    of: (raw, nativeId) => withUid(raw, eventUid(source.vendor, source.id, nativeId)),
  };
}
