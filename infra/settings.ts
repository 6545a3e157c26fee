/**
 * Deploy settings: the sources file (validated like every other use of it, plus the deploy-only
 * rule that credentials live in Secrets Manager) and the CDK context knobs, parsed once by zod.
 */
import * as z from 'zod';
import { optionSchemas } from '../functions/registry.ts';
import { loadSourcesFile, type Source } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';

const contextSchema = z.object({
  /** Path of the sources file. */
  config: z.string().min(1),
  /** E-mail address subscribed to the alarm topic. */
  alarmEmail: z.email().optional(),
  /** Archive format: gzip NDJSON (default) or Parquet through record format conversion. */
  archiveFormat: z.enum(['json', 'parquet']).default('json'),
  /** Object Lock retention in days (compliance mode) for audit immutability; off by default. */
  objectLockDays: z.coerce.number().int().min(1).max(36_500).optional(),
  /** Create one placeholder secret per source (set to false when the secrets already exist). */
  createPlaceholderSecrets: z.coerce.boolean().default(false),
  /** Athena per-query scan limit in bytes. */
  athenaScanLimitBytes: z.coerce.number().int().min(10_485_760).default(10 * 1024 ** 3),
  /** Days before archive objects move to Glacier Instant Retrieval, and before they expire (0 = never). */
  archiveColdAfterDays: z.coerce.number().int().min(30).default(90),
  archiveExpireAfterDays: z.coerce.number().int().min(0).default(0),
  /** Optional SIEM stream: Splunk HEC or a generic HTTP endpoint, with its token in Secrets Manager. */
  siemType: z.enum(['splunk', 'http']).optional(),
  siemEndpoint: z.url().optional(),
  siemSecretName: z.string().min(1).optional(),
});

export type DeploySettings = z.infer<typeof contextSchema> & { readonly sources: readonly Source[] };

/** Reads the context (`-c key=value` or cdk.json) and the sources file; refuses inline credentials. */
export async function loadDeploySettings(context: (key: string) => unknown): Promise<DeploySettings> {
  const keys = Object.keys(contextSchema.shape);
  const raw = Object.fromEntries(keys.map((k) => [k, context(`audit-pump:${k}`)]).filter(([, v]) => v !== undefined));
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid CDK context:\n${parsed.error.issues.map((i) => `audit-pump:${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const siem = [parsed.data.siemType, parsed.data.siemEndpoint, parsed.data.siemSecretName];
  if (siem.some((v) => v !== undefined) && siem.some((v) => v === undefined)) {
    throw new ConfigError('invalid CDK context: audit-pump:siemType, siemEndpoint and siemSecretName go together');
  }
  const { sources } = await loadSourcesFile(parsed.data.config, optionSchemas());
  const inline = sources.flatMap((s, i) => (s.credentials ? [`sources[${i}] (${s.id}).credentials: inline credentials are for local runs only; store them in Secrets Manager and set secretName`] : []));
  if (inline.length) throw new ConfigError(`the deploy refuses inline credentials:\n${inline.join('\n')}`);
  return { ...parsed.data, sources };
}
