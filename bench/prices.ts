/**
 * The AWS prices the cost figure (bench/cost.ts) uses: US East (N. Virginia), us-east-1, on-demand,
 * USD, as of 2026-12-06, without free tiers or volume discounts. Each says where it is from and
 * whether it was checked against a second source when this table was written; prices change, so
 * check https://aws.amazon.com/pricing/ before quoting a cost.
 */
/** A price table: where and when, and each price in USD. */
export interface Prices {
  readonly date: string;
  readonly region: string;
  readonly lambdaArmGbSecond: number;
  readonly firehoseIngestGb: number;
  readonly dynamoWriteRequestUnit: number;
  readonly s3Put: number;
}

export const PRICES: Prices = {
  date: '2026-12-06',
  region: 'us-east-1',
  /**
   * Lambda duration on arm64 (Graviton), first tier (up to 7.5 billion GB-s a month), per GB-second.
   * https://aws.amazon.com/lambda/pricing/ ; checked: artillery's price table (lib/platform/aws-lambda/prices.js)
   * has the same base arm64 rate.
   */
  lambdaArmGbSecond: 0.0000133334,
  /**
   * Amazon Data Firehose, Direct PUT ingestion, first 500 TB a month, per GB (2^30 bytes) billed, each record
   * rounded up to the next 5 KB. https://aws.amazon.com/firehose/pricing/ ; not checked against a second source.
   */
  firehoseIngestGb: 0.029,
  /**
   * DynamoDB on-demand, standard table class, per write request unit (one write of an item up to 1 KB):
   * $0.625 a million since the price cut of 2024-11-01. https://aws.amazon.com/dynamodb/pricing/on-demand/ ;
   * not checked against a second source.
   */
  dynamoWriteRequestUnit: 0.625 / 1e6,
  /**
   * S3 Standard PUT, COPY, POST, LIST requests, per request ($0.005 a thousand). https://aws.amazon.com/s3/pricing/ ;
   * not checked against a second source.
   */
  s3Put: 0.005 / 1000,
};
