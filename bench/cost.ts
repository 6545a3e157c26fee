/**
 * Dollars per million events for one vendor's function, from what a drain measured: Lambda GB-s
 * from the pump's CPU time at the function's memory size, Firehose ingestion of the bytes billed
 * (each record rounded up to 5 KB), DynamoDB on-demand writes, and the S3 objects Firehose writes
 * when its buffer fills (the size bound; at a low rate its interval bounds them instead, a cost per
 * hour, not per event). Prices: bench/prices.ts.
 */
import type { Prices } from './prices.ts';

/** What a drain measured, per event, and how the function and its stream are configured. */
export interface CostInputs {
  readonly cpuMsPerEvent: number;
  readonly memoryMb: number;
  readonly firehoseBilledBytesPerEvent: number;
  /** Bytes delivered to S3 per event (before compression: what fills Firehose's buffer). */
  readonly deliveredBytesPerEvent: number;
  /** DynamoDB writes per event, each at most 1 KB (one write request unit). */
  readonly dynamoWritesPerEvent: number;
  readonly bufferBytes: number;
}

/** Dollars per million events, in all and per service. */
export interface Cost {
  readonly total: number;
  readonly lambda: number;
  readonly firehose: number;
  readonly dynamodb: number;
  readonly s3: number;
}

/** Firehose's buffer as infra/constructs/delivery-stream.ts configures it (64 MiB). */
export const FIREHOSE_BUFFER_BYTES = 64 * 2 ** 20;

const MILLION = 1e6;
const GB = 2 ** 30;

/** The cost of a million events at `prices`. */
export function costPerMillion(inputs: CostInputs, prices: Prices): Cost {
  const lambda = ((inputs.cpuMsPerEvent * MILLION) / 1000) * (inputs.memoryMb / 1024) * prices.lambdaArmGbSecond;
  const firehose = ((inputs.firehoseBilledBytesPerEvent * MILLION) / GB) * prices.firehoseIngestGb;
  const dynamodb = inputs.dynamoWritesPerEvent * MILLION * prices.dynamoWriteRequestUnit;
  const s3 = ((inputs.deliveredBytesPerEvent * MILLION) / inputs.bufferBytes) * prices.s3Put;
  return { total: lambda + firehose + dynamodb + s3, lambda, firehose, dynamodb, s3 };
}
