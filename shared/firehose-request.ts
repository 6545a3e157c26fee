/**
 * PutRecordBatch requests for the sink (shared/sink.ts), with their body written by Node's native
 * base64 instead of the SDK's JSON serializer, which encodes blobs byte by byte in JavaScript.
 */
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';

const NO_BYTES = new Uint8Array(0);

/**
 * A PutRecordBatchCommand whose request body is written with Node's native base64. The SDK's JSON
 * serializer base64-encodes blobs byte by byte in JavaScript (~5 ns a byte: most of the sink's
 * time), so it is handed empty records and the body is replaced before it is measured and signed.
 * The command's own input keeps the real records (what a client mock or a log would see).
 */
export function putRecordBatch(streamName: string, records: readonly Uint8Array[]): PutRecordBatchCommand {
  const command = new PutRecordBatchCommand({
    DeliveryStreamName: streamName,
    Records: records.map((Data) => ({ Data })),
  });
  command.middlewareStack.add(
    (next) => async (args) =>
      next({ ...args, input: { DeliveryStreamName: streamName, Records: records.map(() => ({ Data: NO_BYTES })) } }),
    { step: 'initialize', priority: 'low', name: 'auditPumpEmptyRecords' },
  );
  command.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { body?: unknown }).body = batchBody(streamName, records);
      return next(args);
    },
    { step: 'build', priority: 'high', name: 'auditPumpNativeBase64Body' },
  );
  return command;
}

/** The AWS JSON 1.1 body of PutRecordBatch, written straight into one buffer. */
function batchBody(streamName: string, records: readonly Uint8Array[]): Buffer {
  const head = `{"DeliveryStreamName":${JSON.stringify(streamName)},"Records":[`;
  const data = records.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('base64'));
  const size =
    Buffer.byteLength(head) + data.reduce((n, d) => n + d.length + RECORD_OPEN.length + RECORD_CLOSE.length + 1, 0) + 1;
  const body = Buffer.allocUnsafe(size);
  let at = body.write(head);
  data.forEach((d, i) => {
    if (i > 0) at += body.write(',', at, 'latin1');
    at += body.write(RECORD_OPEN, at, 'latin1');
    at += body.write(d, at, 'latin1');
    at += body.write(RECORD_CLOSE, at, 'latin1');
  });
  at += body.write(']}', at, 'latin1');
  return body.subarray(0, at);
}

const RECORD_OPEN = '{"Data":"';
const RECORD_CLOSE = '"}';
