/**
 * The SIEM stream delivers what Splunk's raw HEC endpoint reads (one event per line, which is what
 * the pump sends it), its secret comes from Secrets Manager, and its alarms watch the SIEM
 * destination's own Firehose metrics (DeliveryToSplunk.* / DeliveryToHttpEndpoint.*), not the
 * backup's DeliveryToS3.*.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { Match } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { vezaConnector } from '../../functions/veza/connector.ts';
import { createPump } from '../../shared/handler.ts';
import { resources, source, sourcesFile, synth } from './synth.ts';
import { startVezaStack, type VezaStack } from '../helpers/core-veza-stack.ts';

const CONFIG = sourcesFile([source('veza-main', 'veza')]);
const siemContext = (type: string) => ({
  config: CONFIG,
  siemType: type,
  siemEndpoint: 'https://siem.example.com:8088',
  siemSecretName: 'audit-pump/siem',
});
type Alarm = { AlarmName: string; MetricName: string; Dimensions: Array<{ Name: string; Value: unknown }> };

describe('the SIEM stream in the template', () => {
  it('Splunk: the raw HEC endpoint, the token from Secrets Manager, failed events backed up under siem-failed/', async () => {
    // Act
    const { template } = await synth(siemContext('splunk'));

    // Assess
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      SplunkDestinationConfiguration: Match.objectLike({
        HECEndpoint: 'https://siem.example.com:8088',
        HECEndpointType: 'Raw',
        S3BackupMode: 'FailedEventsOnly',
        SecretsManagerConfiguration: Match.objectLike({ Enabled: true }),
        S3Configuration: Match.objectLike({ Prefix: 'siem-failed/', ErrorOutputPrefix: 'errors/siem-failed/' }),
      }),
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/HECToken/);
  });

  for (const [type, prefix] of [
    ['splunk', 'DeliveryToSplunk'],
    ['http', 'DeliveryToHttpEndpoint'],
  ] as const) {
    it(`${type}: its freshness and failed-delivery alarms watch ${prefix}.*, and an alarm watches objects under siem-failed/`, async () => {
      // Act
      const { all } = await synth(siemContext(type));

      // Assess
      const siem = resources<Alarm>(all, 'AWS::CloudWatch::Alarm')
        .map((a) => a.Properties)
        .filter((a) => a.AlarmName.includes('-siem-'));
      expect(siem.map((a) => [a.AlarmName, a.MetricName])).toEqual(
        expect.arrayContaining([
          ['AuditPump-siem-freshness', `${prefix}.DataFreshness`],
          ['AuditPump-siem-failed-deliveries', `${prefix}.Success`],
          ['AuditPump-siem-backup', 'Invocations'],
        ]),
      );
      expect(siem.filter((a) => a.MetricName.startsWith('DeliveryToS3'))).toEqual([]);
    });
  }
});

describe('what the pump sends the SIEM stream', () => {
  const TOKEN = 'siem-shape-token-4a1c';
  const BACKLOG = 30;
  let dir: string;
  let stack: VezaStack;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-pump-siem-'));
    stack = await startVezaStack({
      token: TOKEN,
      backlog: BACKLOG,
      sourceId: 'veza-siem',
      pageSize: 10,
      archiveDir: join(dir, 'archive'),
    });
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one OCSF event per record, newline-terminated: the raw endpoint breaks the body into exactly one Splunk event per event', async () => {
    // Prepare: a Firehose that accepts everything and keeps what the SIEM stream was sent.
    const firehose = new FirehoseClient({ region: 'us-east-1' });
    const mock = mockClient(firehose);
    mock.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedPutCount: 0,
      RequestResponses: input.Records.map((_, i) => ({ RecordId: `r${i}` })),
    }));
    const pump = createPump(vezaConnector, {
      config: { ...stack.config, siemStream: 'siem' },
      clients: { ...stack.clients, firehose },
    });

    // Act
    await pump({ sourceId: 'veza-siem' }, 60_000);

    // Assess
    const sent = (stream: string) =>
      mock
        .commandCalls(PutRecordBatchCommand)
        .filter((c) => c.args[0].input.DeliveryStreamName === stream)
        .flatMap((c) => (c.args[0].input.Records ?? []).map((r) => Buffer.from(r.Data as Uint8Array).toString('utf8')));
    const records = sent('siem');
    const archived = sent(stack.config.archiveStream).join('').split('\n').filter(Boolean);
    expect(records).toHaveLength(BACKLOG);
    expect(records.map((r) => r.trim()).sort()).toEqual(archived.sort());
    for (const record of records) {
      expect(record.endsWith('\n')).toBe(true);
      expect(record.indexOf('\n')).toBe(record.length - 1);
      const event = JSON.parse(record) as { time: unknown; metadata: { uid: unknown } };
      expect(typeof event.time).toBe('number');
      expect(typeof event.metadata.uid).toBe('string');
    }
    // What Splunk does with a raw body of several records: LINE_BREAKER ([\r\n]+), one event per line.
    expect(
      records
        .join('')
        .split(/[\r\n]+/)
        .filter(Boolean),
    ).toHaveLength(BACKLOG);
    mock.restore();
  }, 30_000);
});
