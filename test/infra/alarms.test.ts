/**
 * Alarms that mean something: a source's staleness allows for its own schedule and settle lag,
 * errors are debounced, the failure queue alarms on new messages rather than its backlog, Firehose
 * error objects and Lambda throttles alarm, and each alarm's kind is in the runbook.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { failedRunsWindow, functionErrorsWindow, stalenessAlarm } from '../../infra/alarm-windows.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import { resources, source, sourcesFile, synth, type Synth } from './synth.ts';

type Alarm = {
  AlarmName: string;
  MetricName: string;
  Namespace: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  TreatMissingData: string;
  AlarmActions: unknown[];
  Dimensions: Array<{ Name: string; Value: unknown }>;
};
const parsed = (extra: Record<string, unknown>): Source =>
  parseSources({ sources: [source('s', 'veza', extra)] }).sources[0] as Source;
const HOUR = 3600;
const DAY = 86_400;
/** The window of an alarm that needs `n` consecutive breaching periods of `seconds`. */
const consecutive = (n: number, seconds: number) => ({ Period: seconds, EvaluationPeriods: n, DatapointsToAlarm: n });

describe('alarm windows', () => {
  it('a source every 5 minutes is stale after an hour of no run or a lag above 65 minutes', () => {
    expect(stalenessAlarm(parsed({}))).toEqual({
      window: { periodSeconds: 900, evaluationPeriods: 4, datapointsToAlarm: 4 },
      thresholdSeconds: 300 + HOUR,
      missingBreaches: true,
    });
  });

  it('a daily source is stale only after two days without a run, and its lag allows a day', () => {
    expect(stalenessAlarm(parsed({ schedule: 'cron(0 2 * * ? *)' }))).toEqual({
      window: { periodSeconds: DAY, evaluationPeriods: 2, datapointsToAlarm: 2 },
      thresholdSeconds: DAY + HOUR,
      missingBreaches: true,
    });
  });

  it('a settle lag above an hour raises the threshold by itself', () => {
    expect(stalenessAlarm(parsed({ settleLagSeconds: 7200 })).thresholdSeconds).toBe(300 + 7200 + HOUR);
  });

  it("a source run less than weekly cannot have its silence watched within CloudWatch's seven days: only a reported lag alarms", () => {
    const weekly = stalenessAlarm(parsed({ schedule: 'rate(8 days)' }));

    expect(weekly.missingBreaches).toBe(false);
    expect(weekly.window.periodSeconds * weekly.window.evaluationPeriods).toBeLessThanOrEqual(7 * DAY);
  });

  it("every window stays within CloudWatch's evaluation limits", () => {
    for (const schedule of [
      'rate(1 minute)',
      'rate(5 minutes)',
      'rate(20 minutes)',
      'rate(1 hour)',
      'rate(6 hours)',
      'rate(1 day)',
      'rate(3 days)',
      'rate(30 days)',
      'cron(0 0 1 * ? *)',
    ]) {
      const { window } = stalenessAlarm(parsed({ schedule }));
      const range = window.periodSeconds * window.evaluationPeriods;
      expect(window.periodSeconds % 60).toBe(0);
      expect(range).toBeLessThanOrEqual(window.periodSeconds < HOUR ? DAY : 7 * DAY);
    }
  });

  it('failed runs and function errors need two consecutive periods of about one interval', () => {
    expect(failedRunsWindow(parsed({}))).toEqual({ periodSeconds: 300, evaluationPeriods: 2, datapointsToAlarm: 2 });
    expect(failedRunsWindow(parsed({ schedule: 'rate(2 hours)' }))).toEqual({
      periodSeconds: 2 * HOUR,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
    });
    expect(
      functionErrorsWindow([parsed({ schedule: 'rate(1 hour)' }), parsed({ schedule: 'rate(10 minutes)' })]),
    ).toEqual({ periodSeconds: 600, evaluationPeriods: 2, datapointsToAlarm: 2 });
  });
});

describe('the alarms in the template', () => {
  let built: Synth;
  let alarms: Alarm[];
  const named = (name: string) => alarms.find((a) => a.AlarmName === name) as Alarm;

  beforeAll(async () => {
    const config = sourcesFile([
      source('veza-main', 'veza'),
      source('retraced-daily', 'retraced', { schedule: 'cron(0 2 * * ? *)', settleLagSeconds: 7200 }),
    ]);
    built = await synth({ config, siemType: 'http', siemEndpoint: 'https://siem.example.com', siemSecretName: 's' });
    alarms = resources<Alarm>(built.all, 'AWS::CloudWatch::Alarm').map((a) => a.Properties);
  });

  it("staleness follows each source's schedule and settle lag: no alarm forever for a daily source", () => {
    expect(named('AuditPump-veza-main-stale')).toMatchObject({
      MetricName: 'CursorLag',
      Period: 900,
      EvaluationPeriods: 4,
      Threshold: 3900,
      TreatMissingData: 'breaching',
    });
    expect(named('AuditPump-retraced-daily-stale')).toMatchObject({
      ...consecutive(2, DAY),
      Threshold: DAY + 7200 + HOUR,
      TreatMissingData: 'breaching',
    });
  });

  it('function errors are debounced: two consecutive periods, not one datapoint', () => {
    expect(named('AuditPump-veza-errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      ...consecutive(2, 300),
      TreatMissingData: 'notBreaching',
    });
    expect(named('AuditPump-retraced-errors')).toMatchObject(consecutive(2, DAY));
  });

  it('the failure queue alarms on new messages on two consecutive days, not on its 14-day backlog', () => {
    expect(named('AuditPump-failed-invocations')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'NumberOfMessagesSent',
      ...consecutive(2, DAY),
      TreatMissingData: 'notBreaching',
    });
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toEqual([]);
  });

  it('Lambda throttles alarm per function after 15 minutes', () => {
    expect(named('AuditPump-veza-throttles')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      ...consecutive(3, 300),
    });
  });

  it("records Firehose wrote under errors/ alarm: S3 reports the archive bucket's new objects to EventBridge, a rule matches errors/", () => {
    built.template.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    const rules = built.template.findResources('AWS::Events::Rule') as Record<
      string,
      { Properties: { EventPattern: { detail: { object: { key: unknown[] } } } } }
    >;
    const prefixes = Object.values(rules).map((r) => r.Properties.EventPattern.detail.object.key);
    expect(prefixes).toEqual(expect.arrayContaining([[{ prefix: 'errors/' }], [{ prefix: 'siem-failed/' }]]));
    expect(named('AuditPump-archive-errors')).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: 'Invocations',
      Threshold: 1,
      EvaluationPeriods: 1,
    });
  });

  it('every alarm notifies the topic, and none is left in ALARM by data that stopped coming, but staleness and reconciliation', () => {
    expect(alarms.filter((a) => a.AlarmActions?.length !== 1)).toEqual([]);
    const holding = alarms
      .filter((a) => a.TreatMissingData !== 'notBreaching')
      .map((a) => a.AlarmName.replace(/^AuditPump-(veza-main|retraced-daily)-/, '<source>-'));
    expect([...new Set(holding)].sort()).toEqual(['<source>-missing-events', '<source>-stale']);
  });

  it('the runbook (docs/operating.md) describes every kind of alarm', () => {
    const runbook = readFileSync(fileURLToPath(new URL('../../docs/operating.md', import.meta.url)), 'utf8');
    const kinds = new Set(
      alarms.map((a) =>
        a.AlarmName.replace(/^AuditPump-/, '')
          .replace(/^(veza-main|retraced-daily)-/, '<source>-')
          .replace(/^(veza|retraced)-/, '<vendor>-'),
      ),
    );

    expect([...kinds].filter((kind) => !runbook.includes(`\`${kind}\``))).toEqual([]);
  });
});
