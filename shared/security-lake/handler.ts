/**
 * The lake exporter's Lambda entry: one scheduled run drains the notice queue into Security Lake
 * (shared/security-lake/drain.ts). A run that kept notices (a write refused, an object unreadable)
 * fails, so the function's error alarm fires at once; the notices stay queued and are tried again.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { LakeExportError } from '../errors.ts';
import { structuredLogger } from '../logger.ts';
import { loadOcsfSubset, type OcsfSubset } from '../ocsf-validate.ts';
import { assumedRoleLakeSink, s3ArchiveObjects, sqsNoticeQueue } from './aws.ts';
import { loadLakeExporterConfig } from './config.ts';
import { drainToLake } from './drain.ts';

const logger = new Logger({ serviceName: 'lake-exporter' });
// The schema subset travels beside the bundle's entry (infra/constructs/security-lake-export.ts).
let subset: OcsfSubset | undefined;

export async function handler(): Promise<Record<string, unknown>> {
  const config = loadLakeExporterConfig(process.env);
  subset ??= loadOcsfSubset();
  const result = await drainToLake({
    queue: sqsNoticeQueue(new SQSClient({}), config.queueUrl, config.archiveBucket),
    archive: s3ArchiveObjects(new S3Client({}), config.archiveBucket),
    lake: assumedRoleLakeSink({
      sts: new STSClient({}),
      bucket: config.lakeBucket,
      roleArn: config.roleArn,
      externalId: config.externalId,
    }),
    target: config.target,
    subset,
    maxArchiveBytes: config.maxArchiveBytes,
    log: structuredLogger(logger),
  });
  const summary = {
    notices: result.notices,
    archiveObjects: result.archiveObjects,
    events: result.events,
    removed: result.removed,
    kept: result.kept,
    released: result.released,
    objects: result.export.written.length,
    bytes: result.export.written.reduce((n, w) => n + w.bytes, 0),
    held: result.export.held,
  };
  logger.info('lake export', summary);
  for (const problem of result.problems) logger.error('lake export problem', { problem });
  if (result.kept)
    throw new LakeExportError(
      `${result.kept} archive notice(s) kept for the next run: ${result.problems.slice(0, 3).join(' | ')}`,
    );
  return summary;
}
