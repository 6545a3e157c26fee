/**
 * `audit-pump status [--config] [--state] [--archive] [--deployed --table <name>] [--json]`:
 * per source, lag, last result, last error, dead letters and next scheduled run; from the local
 * state, or from the deployed table and metrics with the caller's AWS credentials.
 */
import { existsSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { optionSchemas } from '../../functions/registry.ts';
import { loadSourcesFile, type Source } from '../../shared/config.ts';
import { parseCommand, UsageError } from './args.ts';
import { findArchive } from '../query/events-table.ts';
import { findState, readCursors } from './local-state.ts';
import { formatStatus, localStatus, type SourceStatus } from './status.ts';
import { deployedStatus } from './status-deployed.ts';

export async function statusCommand(args: readonly string[]): Promise<number> {
  const { values } = parseCommand('status', args);
  const note = (text: string): void => void process.stderr.write(`audit-pump status: ${text}\n`);
  let rows: SourceStatus[];
  if (values.deployed) {
    if (!values.table)
      throw new UsageError('status', "--deployed needs --table <name> (the functions' CURSOR_TABLE variable)");
    const sources = (await loadSourcesFile(values.config, optionSchemas())).sources;
    rows = await deployedStatus({
      sources,
      table: values.table,
      service: values.service,
      dynamodb: new DynamoDBClient({}),
      cloudwatch: new CloudWatchClient({}),
    });
  } else {
    // The schedule comes from the sources file; without one, the state alone still tells a lot.
    let sources: readonly Source[] | undefined;
    if (existsSync(values.config)) sources = (await loadSourcesFile(values.config, optionSchemas())).sources;
    else note(`no sources file ${values.config}: showing the stored cursors only (pass --config <file> for schedules)`);
    const state = findState(values.state);
    const archive = findArchive(values.archive);
    for (const text of [state.note, archive.note]) if (text) note(text);
    rows = await localStatus({
      ...(sources ? { sources } : {}),
      cursors: await readCursors(state.dir, 'status'),
      stateDir: state.dir,
      archiveDir: archive.dir,
    });
  }
  if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else process.stdout.write(rows.length ? formatStatus(rows) : 'no sources: nothing configured or stored yet\n');
  return 0;
}
