/**
 * The deploy options, parsed once by zod for both ways in: the AuditPump construct's typed props
 * and the `-c audit-pump:<key>=<value>` context of the CDK app (infra/settings.ts), where every value
 * arrives as a string. Booleans and numbers therefore accept their spelled-out forms too, read as a
 * person means them: "false", "no", "off" and "0" are false (z.coerce.boolean would make them true).
 */
import * as z from 'zod';
import { optionSchemas } from '../functions/registry.ts';
import { parseSources, type Source, type sourceSchema } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';
import { MAX_SOURCE_NAME, PROVIDER_ROLE_ARN, SOURCE_PREFIX } from '../shared/security-lake/layout.ts';
import { EXTERNAL_ID } from '../shared/security-lake/register.ts';

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

/** A boolean, or one of its spellings in a context string. */
export const flag = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const word = value.trim().toLowerCase();
  if (TRUE.includes(word)) return true;
  if (FALSE.includes(word)) return false;
  ctx.addIssue({ code: 'custom', message: `must be true or false (or yes/no, on/off, 1/0), got "${value}"` });
  return z.NEVER;
});

/** A whole number within [min, max], or its digits in a context string. */
export function whole(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      if (typeof value === 'number') return value;
      if (/^\s*\d+\s*$/.test(value)) return Number(value);
      ctx.addIssue({ code: 'custom', message: `must be a whole number, got "${value}"` });
      return z.NEVER;
    })
    .pipe(z.number().int().min(min).max(max));
}

/** CloudWatch alarm, Lambda and Athena names are built on it, so it is short and plain. */
export const NAME = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;

export const optionsSchema = z
  .object({
    name: z
      .string()
      .regex(NAME, 'must match ^[A-Za-z][A-Za-z0-9-]{0,39}$ (it prefixes every physical name)')
      .optional(),
    alarmEmail: z.email().optional(),
    archiveFormat: z.enum(['json', 'parquet']).default('json'),
    objectLockDays: whole(1, 36_500).optional(),
    createPlaceholderSecrets: flag.default(false),
    athenaScanLimitBytes: whole(10_485_760).default(10 * 1024 ** 3),
    archiveColdAfterDays: whole(30).default(90),
    archiveExpireAfterDays: whole(0).default(0),
    archiveFirstDay: z.iso.date('must be a day, yyyy-mm-dd').default('2010-01-01'),
    reservedConcurrency: whole(1, 1000).optional(),
    breakGlassRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')
      .optional(),
    siem: z
      .object({
        type: z.enum(['splunk', 'http']),
        endpoint: z.url({ protocol: /^https$/ }),
        secretName: z.string().min(1),
      })
      .strict()
      .optional(),
    securityLakeBucket: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        "must be an S3 bucket name (the lake's, aws-security-data-lake-<region>-...)",
      )
      .optional(),
    securityLakeRoleArn: z
      .string()
      .regex(
        PROVIDER_ROLE_ARN,
        'must be an IAM role ARN; {source} may stand for the custom source name (AmazonSecurityLake-Provider-{source}-<region>)',
      )
      .optional(),
    securityLakeExternalId: z
      .string()
      .regex(EXTERNAL_ID, `must match ${EXTERNAL_ID.source} (what sts:AssumeRole accepts)`)
      .optional(),
    securityLakeSourcePrefix: z
      .string()
      .regex(
        SOURCE_PREFIX,
        `must match ${SOURCE_PREFIX.source}: source names are <prefix>-<class_uid>, at most ${MAX_SOURCE_NAME} characters`,
      )
      .optional(),
    securityLakeIntervalMinutes: whole(5, 60).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const lake = [o.securityLakeBucket, o.securityLakeRoleArn, o.securityLakeExternalId];
    const some =
      lake.some((v) => v !== undefined) ||
      o.securityLakeSourcePrefix !== undefined ||
      o.securityLakeIntervalMinutes !== undefined;
    if (some && lake.some((v) => v === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['securityLakeBucket'],
        message:
          'securityLakeBucket, securityLakeRoleArn and securityLakeExternalId go together (and the prefix and interval need them)',
      });
    }
  });

/** The options after parsing: defaults filled in. */
export type PumpOptions = z.output<typeof optionsSchema>;

/** Parses the options; the ConfigError names each field at fault (`what` says where they came from). */
export function parseOptions(raw: unknown, what: string, key: (path: string) => string = (p) => p): PumpOptions {
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid ${what}:\n${parsed.error.issues.map((i) => `${key(i.path.map(String).join('.'))}: ${i.message}`).join('\n')}`,
    );
  }
  return parsed.data;
}

/** A source as written in a sources file: defaults may be left out (they are filled in here). */
export type SourceInput = z.input<typeof sourceSchema>;

/**
 * The sources a deploy can run: valid as every use of the file requires (ids, URLs, schedules,
 * vendor options), and with credentials in Secrets Manager, never inline.
 */
export function deployableSources(sources: readonly SourceInput[], what: string): readonly Source[] {
  const parsed = parseSources({ sources }, optionSchemas(), what).sources;
  const inline = parsed.flatMap((s, i) =>
    s.credentials
      ? [
          `sources[${i}] (${s.id}).credentials: inline credentials are for local runs only; store them in Secrets Manager and set secretName`,
        ]
      : [],
  );
  if (inline.length) throw new ConfigError(`the deploy refuses inline credentials:\n${inline.join('\n')}`);
  return parsed;
}
