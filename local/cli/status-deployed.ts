/**
 * `audit-pump status --deployed`: the same rows as the local status, from the deployed cursor
 * table (a DynamoDB Scan) and the metrics the functions publish (shared/metrics.ts
 * publishRunMetrics; namespace AuditPump, dimensions service and sourceId), read with CloudWatch
 * GetMetricData over the last 24 hours. Tested against aws-sdk-client-mock only, not real AWS.
 */
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { METRICS_NAMESPACE, metricsService, type Source } from '../../shared/config.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { baseStatus, sourceIds, type SourceStatus } from './status.ts';

/** How far back the metrics are read. */
const WINDOW_MS = 86_400_000;
/** GetMetricData takes at most 500 queries a call. */
const QUERIES_PER_CALL = 500;

export interface DeployedStatusInput {
  readonly sources: readonly Source[];
  /** The deployed cursor table (stack output CursorTable). */
  readonly table: string;
  /** The stack's name: the functions' metrics carry `service` = `<name>-<vendor>`. */
  readonly service: string;
  readonly dynamodb: DynamoDBClient;
  readonly cloudwatch: CloudWatchClient;
  readonly now?: number;
}

/** What each source's row needs from its metrics. */
const METRICS = [
  { key: 'lag', metric: 'CursorLag', stat: 'Maximum', period: 300 },
  { key: 'failed', metric: 'RunFailed', stat: 'Maximum', period: 300 },
  { key: 'rejected', metric: 'Rejected', stat: 'Sum', period: 86_400 },
] as const;

/** Status rows of the configured sources, from the deployed table and metrics. */
export async function deployedStatus(input: DeployedStatusInput): Promise<SourceStatus[]> {
  const now = input.now ?? Date.now();
  const cursors = await new CursorStore({ client: input.dynamodb, tableName: input.table }).list();
  const { ids, live } = sourceIds(input.sources, cursors);
  const queries = input.sources.flatMap((source, i) =>
    METRICS.map(({ key, metric, stat, period }): MetricDataQuery => ({
      Id: `${key}${i}`,
      MetricStat: {
        Metric: {
          Namespace: METRICS_NAMESPACE,
          MetricName: metric,
          Dimensions: [
            { Name: 'service', Value: metricsService(input.service, source.vendor) },
            { Name: 'sourceId', Value: source.id },
          ],
        },
        Period: period,
        Stat: stat,
      },
    })),
  );
  const results = await metricData(input.cloudwatch, queries, now);
  return ids.map((id) => {
    const i = input.sources.findIndex((s) => s.id === id);
    const latest = (key: string): { value: number; at: string } | undefined => {
      const r = results.get(`${key}${i}`);
      const value = r?.Values?.[0];
      const at = r?.Timestamps?.[0];
      return value === undefined || at === undefined ? undefined : { value, at: at.toISOString() };
    };
    const lag = latest('lag');
    const failed = latest('failed');
    const rejected = results.get(`rejected${i}`)?.Values?.reduce((a, b) => a + b, 0);
    const base = baseStatus(id, input.sources[i], live.get(id), now);
    return {
      ...base,
      ...(lag ? { lagSeconds: lag.value } : {}),
      ...(failed
        ? {
            lastResult: failed.value > 0 ? 'failed' : 'ok',
            lastRunAt: failed.at,
            ...(failed.value > 0 ? { lastError: "in the function's logs (CloudWatch Logs)" } : {}),
          }
        : {}),
      ...(i >= 0 ? { deadLettered: rejected ?? 0, deadLetteredOver: '24h' } : {}),
    };
  });
}

/** Every query's result, newest datapoint first, across calls and pages. */
async function metricData(
  client: CloudWatchClient,
  queries: readonly MetricDataQuery[],
  now: number,
): Promise<Map<string, MetricDataResult>> {
  const out = new Map<string, MetricDataResult>();
  for (let i = 0; i < queries.length; i += QUERIES_PER_CALL) {
    let token: string | undefined;
    do {
      const page = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries.slice(i, i + QUERIES_PER_CALL),
          StartTime: new Date(now - WINDOW_MS),
          EndTime: new Date(now),
          ScanBy: 'TimestampDescending',
          NextToken: token,
        }),
      );
      for (const r of page.MetricDataResults ?? []) {
        if (!r.Id) continue;
        const known = out.get(r.Id);
        out.set(
          r.Id,
          known
            ? {
                ...known,
                Values: [...(known.Values ?? []), ...(r.Values ?? [])],
                Timestamps: [...(known.Timestamps ?? []), ...(r.Timestamps ?? [])],
              }
            : r,
        );
      }
      token = page.NextToken;
    } while (token);
  }
  return out;
}
