/**
 * The lake exporter's environment (set by infra/constructs/security-lake-export.ts), parsed once;
 * a missing or malformed variable fails the start, naming it.
 */
import * as z from 'zod';
import { formatIssues } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { PROVIDER_ROLE_ARN, SOURCE_PREFIX } from './layout.ts';

/** Archive bytes (compressed, as stored) one run takes on: about 10× that in NDJSON held in memory. */
export const DEFAULT_MAX_ARCHIVE_BYTES = 32 * 1024 ** 2;

const envSchema = z.object({
  LAKE_QUEUE_URL: z.url(),
  ARCHIVE_BUCKET: z.string().min(3),
  LAKE_BUCKET: z.string().min(3),
  LAKE_ROLE_ARN: z
    .string()
    .regex(PROVIDER_ROLE_ARN, 'must be an IAM role ARN ({source} may stand for the source name)'),
  LAKE_EXTERNAL_ID: z.string().min(2),
  LAKE_SOURCE_PREFIX: z.string().regex(SOURCE_PREFIX),
  LAKE_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  LAKE_ACCOUNT_ID: z.string().regex(/^\d{12}$/),
  LAKE_MAX_ARCHIVE_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_ARCHIVE_BYTES),
});

export interface LakeExporterConfig {
  readonly queueUrl: string;
  readonly archiveBucket: string;
  readonly lakeBucket: string;
  readonly roleArn: string;
  readonly externalId: string;
  readonly target: { readonly prefix: string; readonly region: string; readonly accountId: string };
  readonly maxArchiveBytes: number;
}

/** Parses the exporter's environment. */
export function loadLakeExporterConfig(env: NodeJS.ProcessEnv): LakeExporterConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(`invalid environment:\n${formatIssues(parsed.error.issues, env, 'environment variable')}`);
  const e = parsed.data;
  return {
    queueUrl: e.LAKE_QUEUE_URL,
    archiveBucket: e.ARCHIVE_BUCKET,
    lakeBucket: e.LAKE_BUCKET,
    roleArn: e.LAKE_ROLE_ARN,
    externalId: e.LAKE_EXTERNAL_ID,
    target: { prefix: e.LAKE_SOURCE_PREFIX, region: e.LAKE_REGION, accountId: e.LAKE_ACCOUNT_ID },
    maxArchiveBytes: e.LAKE_MAX_ARCHIVE_BYTES,
  };
}
