/**
 * A Firehose emulator in a process of its own, for the durability test: streams as the local stack
 * lays them out, buffers that would not be written for an hour, `listening <endpoint>` on stdout,
 * then it serves until the parent kills it.
 *
 * argv: <archiveDir>
 */
import { ARCHIVE_ERROR_PREFIX, ARCHIVE_PREFIX, LOCAL_STREAMS } from '../../shared/archive-layout.ts';
import { startFirehoseEmulator } from '../../local/aws/firehose-emulator.ts';

const [archiveDir] = process.argv.slice(2) as [string];
const emulator = await startFirehoseEmulator({
  archiveDir,
  bufferIntervalMs: 3_600_000,
  streams: {
    [LOCAL_STREAMS.archive]: {
      prefix: ARCHIVE_PREFIX,
      errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
      deaggregation: { type: 'JSON' },
      appendDelimiter: true,
    },
  },
});
process.stdout.write(`listening ${emulator.endpoint}\n`);
