/**
 * Firehose without a network, for the in-process throughput benchmark: a real FirehoseClient (so
 * the SDK's serialization, signing and response parsing are measured) whose transport accepts
 * every record of a PutRecordBatch at once, counting records and bytes.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { LOCAL_AWS } from '../local/aws/dynamo.ts';

const DATA_KEY = Buffer.from('"Data":');

/** Counts what the null transport accepted. */
export interface NullFirehoseStats {
  calls: number;
  records: number;
  bodyBytes: number;
}

function countRecords(body: Uint8Array): number {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let n = 0;
  for (let at = bytes.indexOf(DATA_KEY); at >= 0; at = bytes.indexOf(DATA_KEY, at + DATA_KEY.length)) n++;
  return n;
}

/** A FirehoseClient whose every PutRecordBatch succeeds without leaving the process. */
export function nullFirehose(): { client: FirehoseClient; stats: NullFirehoseStats } {
  const stats: NullFirehoseStats = { calls: 0, records: 0, bodyBytes: 0 };
  const requestHandler = {
    handle: async (request: { body?: unknown }) => {
      const body = typeof request.body === 'string' ? Buffer.from(request.body) : (request.body as Uint8Array);
      const records = countRecords(body);
      stats.calls++;
      stats.records += records;
      stats.bodyBytes += body.byteLength;
      const answer = JSON.stringify({
        FailedPutCount: 0,
        Encrypted: false,
        RequestResponses: Array.from({ length: records }, (_, i) => ({ RecordId: String(i) })),
      });
      return {
        response: {
          statusCode: 200,
          reason: 'OK',
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Buffer.from(answer),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };
  const client = new FirehoseClient({ ...LOCAL_AWS, endpoint: 'http://127.0.0.1:9', maxAttempts: 1, requestHandler });
  return { client, stats };
}
