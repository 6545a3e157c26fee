/**
 * Configuration, parsed once by zod (DESIGN.md 4.1): the sources file and the Lambda environment.
 * This is the only module that reads `process.env`. Errors name the source and the field.
 */
import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { ConfigError } from './errors.ts';
import { scheduleProblem } from './schedule.ts';

/**
 * A vendor's name. The vendors are the registry's (functions/registry.ts): shared/ never imports it, so
 * callers hand their option schemas to `parseSources`, and a vendor without one is refused there.
 */
export type Vendor = string;

/** A vendor's name: it becomes a partition, a function name and a metric dimension. */
export const VENDOR_NAME = /^[a-z][a-z0-9]{1,31}$/;

const SOURCE_ID = /^[a-z0-9][a-z0-9-]{0,47}$/;

const httpUrl = z
  .string()
  .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), 'must be an http(s) URL')
  // A URL is logged and deployed in plain text: credentials in it would leak (they belong in the secret).
  .refine(
    (s) => !URL.canParse(s) || (new URL(s).username === '' && new URL(s).password === ''),
    'must not carry credentials (user:password@); put them in the secret',
  );

/** EventBridge Scheduler expression (shared/schedule.ts); the issue says what is wrong, never silently at deploy. */
const schedule = z.string().superRefine((s, ctx) => {
  const problem = scheduleProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Characters of a limit scope: those of a Secrets Manager secret name, the default scope. */
const SCOPE = /^[A-Za-z0-9/_+=.@-]{1,256}$/;

/**
 * The limit a source shares (docs/throttling.md): `scope` names who shares the vendor's limit
 * (default: the secret name, else the source id); `requests` per `perSeconds` is the scope's
 * budget, kept by every run of the scope together. Both or neither of the two numbers.
 */
export const rateLimitSchema = z
  .object({
    requests: z.number().int().min(1).max(100_000).optional(),
    perSeconds: z.number().int().min(1).max(86_400).optional(),
    scope: z
      .string()
      .regex(SCOPE, 'must be 1-256 of the characters of a secret name (A-Z a-z 0-9 / _ + = . @ -)')
      .optional(),
  })
  .strict()
  .refine((r) => (r.requests === undefined) === (r.perSeconds === undefined), {
    message: 'set requests and perSeconds together (a budget), or neither (a shared scope without one)',
    path: ['requests'],
  });

export const sourceSchema = z
  .object({
    id: z
      .string()
      .regex(SOURCE_ID, 'must match ^[a-z0-9][a-z0-9-]{0,47}$')
      // Backfill items of earlier versions were keyed `<id>--backfill`: such an id would read as one.
      .refine(
        (id) => !id.endsWith('--backfill'),
        'must not end in "--backfill" (the key earlier versions gave backfill items)',
      ),
    vendor: z.string().regex(VENDOR_NAME, 'must be a vendor name (lower-case letters and digits)'),
    baseUrl: httpUrl,
    secretName: z.string().min(1).optional(),
    credentials: z.record(z.string(), z.string()).optional(),
    startFrom: z.iso.datetime({ offset: true }),
    schedule: schedule.default('rate(5 minutes)'),
    settleLagSeconds: z.number().int().min(0).max(86_400).optional(),
    enabled: z.boolean().default(true),
    options: z.record(z.string(), z.unknown()).default({}),
    rateLimit: rateLimitSchema.optional(),
  })
  .strict()
  .refine((s) => (s.secretName === undefined) !== (s.credentials === undefined), {
    message: 'set exactly one of secretName (deployed) or credentials (local runs only)',
    path: ['secretName'],
  });

/** One configured source: a vendor tenant/org to pump, with its own cursor and lease. */
export type Source = z.infer<typeof sourceSchema>;

const sourcesFileSchema = z
  .object({ sources: z.array(sourceSchema).min(1, 'at least one source is required') })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.sources.forEach((s, i) => {
      if (seen.has(s.id))
        ctx.addIssue({ code: 'custom', message: `duplicate source id "${s.id}"`, path: ['sources', i, 'id'] });
      seen.add(s.id);
    });
    const budgets = new Map<string, { id: string; budget: string }>();
    file.sources.forEach((s, i) => {
      const scope = limitScope(s);
      const budget =
        s.rateLimit?.requests === undefined ? 'none' : `${s.rateLimit.requests} per ${s.rateLimit.perSeconds} s`;
      // A limit is the vendor's: sources of two vendors never share one.
      const first = budgets.get(`${s.vendor} ${scope}`);
      if (!first) budgets.set(`${s.vendor} ${scope}`, { id: s.id, budget });
      // A run without the budget would spend the others' share unseen.
      else if (first.budget !== budget) {
        ctx.addIssue({
          code: 'custom',
          message: `shares the limit scope "${scope}" with ${first.id}, whose budget is ${first.budget}, not ${budget}; every source of a scope states the same budget`,
          path: ['sources', i, 'rateLimit'],
        });
      }
    });
  });

/** Who shares a source's limit (docs/throttling.md): `rateLimit.scope`, else the secret's name, else the source id. */
export function limitScope(source: Pick<Source, 'id' | 'secretName' | 'rateLimit'>): string {
  return source.rateLimit?.scope ?? source.secretName ?? source.id;
}

/**
 * The scopes of `vendor` more than one of `sources` share: their runs learn each other's back-offs before every
 * request.
 */
export function sharedScopes(sources: readonly Source[], vendor: Vendor): Set<string> {
  const counts = new Map<string, number>();
  for (const s of sources) if (s.vendor === vendor) counts.set(limitScope(s), (counts.get(limitScope(s)) ?? 0) + 1);
  return new Set([...counts].filter(([, n]) => n > 1).map(([scope]) => scope));
}

export interface SourcesFile {
  readonly sources: readonly Source[];
}

/**
 * Per-vendor option schemas, supplied by the caller (shared/ never imports functions/): the vendors a
 * sources file may name.
 */
export type OptionSchemas = Readonly<Record<Vendor, z.ZodType<Record<string, unknown>>>>;

/** Formats zod issues as `sources[0] (veza-main).baseUrl: must be an http(s) URL`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], raw: unknown, what: string): string {
  return issues
    .map((issue) => {
      const path = issue.path;
      let label = what;
      if (path[0] === 'sources' && typeof path[1] === 'number') {
        const id = (raw as { sources?: Array<{ id?: unknown }> })?.sources?.[path[1]]?.id;
        label = `sources[${path[1]}]${typeof id === 'string' ? ` (${id})` : ''}`;
        const rest = path.slice(2).map(String).join('.');
        return `${label}${rest ? `.${rest}` : ''}: ${issue.message}`;
      }
      const rest = path.map(String).join('.');
      return `${label}${rest ? ` ${rest}` : ''}: ${issue.message}`;
    })
    .join('\n');
}

/**
 * Parses and validates a sources document (already JSON-parsed). With `optionSchemas` (every deployed
 * or local run gives the registry's), a vendor without a schema is refused, naming the known ones,
 * and each source's options are checked; without, only the document's shape is.
 */
export function parseSources(raw: unknown, optionSchemas?: OptionSchemas, what = 'sources file'): SourcesFile {
  const parsed = sourcesFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid ${what}:\n${formatIssues(parsed.error.issues, raw, what)}`);
  const problems: string[] = [];
  const sources = parsed.data.sources.map((source, i) => {
    if (!optionSchemas) return source;
    const schema = optionSchemas[source.vendor];
    if (!schema) {
      const known = Object.keys(optionSchemas).join(', ');
      problems.push(`sources[${i}] (${source.id}).vendor: unknown vendor "${source.vendor}"; known: ${known}`);
      return source;
    }
    const options = schema.safeParse(source.options);
    if (options.success) return { ...source, options: options.data };
    problems.push(
      ...options.error.issues.map(
        (issue) =>
          `sources[${i}] (${source.id}).options${issue.path.length ? '.' + issue.path.map(String).join('.') : ''}: ${issue.message}`,
      ),
    );
    return source;
  });
  if (problems.length) throw new ConfigError(`invalid ${what}:\n${problems.join('\n')}`);
  return { sources };
}

/** Reads and validates a sources JSON file; the error names the file on bad JSON. */
export async function loadSourcesFile(path: string, optionSchemas?: OptionSchemas): Promise<SourcesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read sources file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`sources file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseSources(raw, optionSchemas, `sources file ${path}`);
}

const envSchema = z.object({
  AUDIT_PUMP_SOURCES: z.string().min(1, 'must hold the sources JSON'),
  CURSOR_TABLE: z.string().min(1),
  ARCHIVE_STREAM: z.string().min(1),
  DEAD_LETTER_STREAM: z.string().min(1),
  SIEM_STREAM: z.string().min(1).optional(),
  SPOOL_BUCKET: z.string().min(1).optional(),
  ARCHIVE_BUCKET: z.string().min(1).optional(),
  AUDIT_PUMP_CONTINUE: z.enum(['true', 'false']).default('false'),
  AWS_LAMBDA_FUNCTION_NAME: z.string().min(1).optional(),
  POWERTOOLS_SERVICE_NAME: z.string().min(1).optional(),
  LEASE_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  DEADLINE_MARGIN_MS: z.coerce.number().int().min(1000).max(120_000).default(20_000),
});

/** The Lambda environment after validation. */
export interface RuntimeConfig {
  readonly sources: readonly Source[];
  readonly cursorTable: string;
  readonly archiveStream: string;
  readonly deadLetterStream: string;
  readonly siemStream?: string;
  /** S3 bucket of the spool (shared/spool.ts) for queue-style reads (Carbon Black `mode: "queue"`). */
  readonly spoolBucket?: string;
  /** The archive bucket, read (never written) by reconciliation (shared/reconcile.ts). */
  readonly archiveBucket?: string;
  /** The function to invoke again when a run stops at its deadline with more to read. */
  readonly continueFunction?: string;
  readonly leaseMs: number;
  readonly deadlineMarginMs: number;
  /**
   * The `service` dimension of the function's metrics and its log lines: the deployed function's
   * name (`<stack>-<vendor>`), so two stacks in one account never add up each other's metrics.
   */
  readonly serviceName?: string;
}

/** The metrics namespace of every pump (EMF); sources are told apart by `service` and `sourceId`. */
export const METRICS_NAMESPACE = 'AuditPump';

/**
 * The `service` dimension of a vendor function's metrics: its function name, unique per stack (infra and `audit-pump
 * status` agree on it).
 */
export function metricsService(name: string, vendor: Vendor): string {
  return `${name}-${vendor}`;
}

/** Parses the Lambda environment (defaults to `process.env`); fails fast naming the variable. */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env, optionSchemas?: OptionSchemas): RuntimeConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(`invalid environment:\n${formatIssues(parsed.error.issues, env, 'environment variable')}`);
  let raw: unknown;
  try {
    raw = JSON.parse(parsed.data.AUDIT_PUMP_SOURCES);
  } catch (error) {
    throw new ConfigError(`environment variable AUDIT_PUMP_SOURCES is not valid JSON: ${(error as Error).message}`);
  }
  const { sources } = parseSources(raw, optionSchemas, 'AUDIT_PUMP_SOURCES');
  return {
    sources,
    cursorTable: parsed.data.CURSOR_TABLE,
    archiveStream: parsed.data.ARCHIVE_STREAM,
    deadLetterStream: parsed.data.DEAD_LETTER_STREAM,
    ...(parsed.data.SIEM_STREAM ? { siemStream: parsed.data.SIEM_STREAM } : {}),
    ...(parsed.data.SPOOL_BUCKET ? { spoolBucket: parsed.data.SPOOL_BUCKET } : {}),
    ...(parsed.data.POWERTOOLS_SERVICE_NAME ? { serviceName: parsed.data.POWERTOOLS_SERVICE_NAME } : {}),
    ...(parsed.data.ARCHIVE_BUCKET ? { archiveBucket: parsed.data.ARCHIVE_BUCKET } : {}),
    ...(parsed.data.AUDIT_PUMP_CONTINUE === 'true' && parsed.data.AWS_LAMBDA_FUNCTION_NAME
      ? { continueFunction: parsed.data.AWS_LAMBDA_FUNCTION_NAME }
      : {}),
    leaseMs: parsed.data.LEASE_SECONDS * 1000,
    deadlineMarginMs: parsed.data.DEADLINE_MARGIN_MS,
  };
}
