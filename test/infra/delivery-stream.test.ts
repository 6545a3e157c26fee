/**
 * The archive delivery stream deaggregates the pump's packed records before it partitions them
 * (shared/sink.ts packs up to 500 newline-delimited events a record): RecordDeAggregation (JSON)
 * first, the newline put back for NDJSON output, then the jq partition keys of each event.
 */
import { describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ARCHIVE_ERROR_PREFIX, ARCHIVE_PREFIX } from '../../shared/archive-layout.ts';
import { DeliveryStream } from '../../infra/constructs/delivery-stream.ts';

interface Processor {
  Type: string;
  Parameters: Array<{ ParameterName: string; ParameterValue: string }>;
}

function processors(parquet: boolean): Processor[] {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key');
  const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key });
  const table = new glue.CfnTable(stack, 'Table', {
    catalogId: stack.account,
    databaseName: 'db',
    tableInput: { name: 'events' },
  });
  new DeliveryStream(stack, 'Archive', {
    bucket,
    key,
    prefix: ARCHIVE_PREFIX,
    errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
    ...(parquet ? { parquetSchemaTable: table } : {}),
  });
  const streams = Template.fromStack(stack).findResources('AWS::KinesisFirehose::DeliveryStream');
  const [stream] = Object.values(streams) as Array<{
    Properties: { ExtendedS3DestinationConfiguration: { ProcessingConfiguration: { Processors: Processor[] } } };
  }>;
  return stream?.Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors ?? [];
}

describe('DeliveryStream processors', () => {
  it('NDJSON: deaggregates packed records as JSON, appends the newline, then extracts the partition keys', () => {
    const list = processors(false);

    expect(list.map((p) => p.Type)).toEqual(['RecordDeAggregation', 'AppendDelimiterToRecord', 'MetadataExtraction']);
    expect(list[0]?.Parameters).toEqual([{ ParameterName: 'SubRecordType', ParameterValue: 'JSON' }]);
  });

  it('Parquet: deaggregates and partitions each event, with no newline (each event becomes a row)', () => {
    expect(processors(true).map((p) => p.Type)).toEqual(['RecordDeAggregation', 'MetadataExtraction']);
  });
});
