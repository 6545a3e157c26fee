/**
 * `audit-pump status` rows: from the local state (cursors, the run journal, the archive's dead
 * letters) and from the deployed table and metrics (DynamoDB Scan and CloudWatch GetMetricData,
 * mocked: these paths are not tested against real AWS).
 */
import { noRunStats } from '../../../shared/runner.ts';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parseSources } from '../../../shared/config.ts';
import { recordRuns } from '../../../local/cli/run-journal.ts';
import { formatStatus, localStatus } from '../../../local/cli/status.ts';
import { deployedStatus } from '../../../local/cli/status-deployed.ts';

const NOW = Date.parse('2026-11-20T12:02:00.000Z');
const { sources } = parseSources({
  sources: [
    {
      id: 'veza-main',
      vendor: 'veza',
      baseUrl: 'https://veza.example.com',
      secretName: 's1',
      startFrom: '2026-11-01T00:00:00Z',
    },
    {
      id: 'nected-eu',
      vendor: 'nected',
      baseUrl: 'https://nected.example.com',
      secretName: 's2',
      startFrom: '2026-11-01T00:00:00Z',
      schedule: 'cron(0 3 * * ? *)',
    },
  ],
});
const vezaState = {
  sourceId: 'veza-main',
  version: 7,
  cursor: { bootstrap: '2026-11-01T00:00:00.000Z', watermark: '2026-11-20T11:59:00.000Z' },
  lastSuccessAt: NOW - 120_000,
  lastEventTime: NOW - 180_000,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'status-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('localStatus', () => {
  it('gives each configured source its last run, dead letters, lag and next run', async () => {
    // Prepare
    const state = join(dir, 'state');
    const archive = join(dir, 'archive');
    await mkdir(state);
    await recordRuns(
      state,
      [
        {
          sourceId: 'nected-eu',
          status: 'failed',
          more: true,
          durationMs: 3,
          ...noRunStats(),
          error: 'AuthError: HTTP 401',
        },
      ],
      NOW - 60_000,
    );
    const dead = JSON.stringify({ reason: 'bad', metadata: { log_name: 'veza-main' } });
    await mkdir(join(archive, 'dead-letter', 'vendor=veza'), { recursive: true });
    await writeFile(join(archive, 'dead-letter', 'vendor=veza', 'a.gz'), gzipSync(`${dead}\n${dead}\n`));

    // Act
    const rows = await localStatus({ sources, cursors: [vezaState], stateDir: state, archiveDir: archive, now: NOW });

    // Assess
    expect(rows).toEqual([
      {
        sourceId: 'veza-main',
        vendor: 'veza',
        schedule: 'rate(5 minutes)',
        position:
          'export stream opened at 2026-11-01T00:00:00.000Z, delivered up to 2026-11-20T11:59:00.000Z (no page token yet)',
        lagSeconds: 180,
        lastSuccessAt: '2026-11-20T12:00:00.000Z',
        nextRunAt: '2026-11-20T12:05:00.000Z',
        deadLettered: 2,
        deadLetteredOver: 'all',
      },
      {
        sourceId: 'nected-eu',
        vendor: 'nected',
        schedule: 'cron(0 3 * * ? *)',
        position: 'never ran',
        nextRunAt: '2026-11-21T03:00:00.000Z',
        lastResult: 'failed',
        lastRunAt: '2026-11-20T12:01:00.000Z',
        lastError: 'AuthError: HTTP 401',
        deadLettered: 0,
        deadLetteredOver: 'all',
      },
    ]);
    expect(formatStatus(rows)).toContain('nected-eu: last error: AuthError: HTTP 401\n');
  });
});

describe('deployedStatus', () => {
  it('reads cursors with a Scan of the table and lag, last result and dead letters from the metrics the functions publish', async () => {
    // Prepare
    // The cursor store reads through the document client, which the mock replaces.
    const dynamodb = mockClient(DynamoDBDocumentClient);
    dynamodb.on(ScanCommand).resolves({ Items: [vezaState] });
    const cloudwatch = mockClient(CloudWatchClient);
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'lag0', Values: [42, 300], Timestamps: [new Date(NOW - 300_000), new Date(NOW - 600_000)] },
        { Id: 'failed0', Values: [0], Timestamps: [new Date(NOW - 300_000)] },
        { Id: 'rejected0', Values: [3], Timestamps: [new Date(NOW - 86_400_000)] },
        { Id: 'failed1', Values: [1], Timestamps: [new Date(NOW - 3_600_000)] },
      ],
    });

    // Act
    const rows = await deployedStatus({
      sources,
      table: 'AuditPump-Cursors',
      service: 'AuditPump',
      dynamodb: new DynamoDBClient({ region: 'eu-west-1' }),
      cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
      now: NOW,
    });

    // Assess
    expect(rows[0]).toMatchObject({
      sourceId: 'veza-main',
      lagSeconds: 42,
      lastResult: 'ok',
      lastRunAt: '2026-11-20T11:57:00.000Z',
      deadLettered: 3,
      deadLetteredOver: '24h',
    });
    expect(rows[1]).toMatchObject({
      sourceId: 'nected-eu',
      lastResult: 'failed',
      lastError: "in the function's logs (CloudWatch Logs)",
      deadLettered: 0,
    });
    expect(dynamodb.commandCalls(ScanCommand)[0]?.args[0].input.TableName).toBe('AuditPump-Cursors');
    const queries = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? [];
    expect(queries.find((q) => q.Id === 'rejected1')?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AuditPump',
        MetricName: 'Rejected',
        Dimensions: [
          { Name: 'service', Value: 'AuditPump-nected' },
          { Name: 'sourceId', Value: 'nected-eu' },
        ],
      },
      Period: 86_400,
      Stat: 'Sum',
    });
  });
});
