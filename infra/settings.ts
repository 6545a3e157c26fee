/**
 * Deploy settings from the CDK context a user types (`-c audit-pump:<key>=<value>`, or cdk.json):
 * the sources file, the stack's name and region, and the options of infra/options.ts. Every value
 * arrives as a string; each is parsed as a person means it, and a key nobody reads is refused (a
 * typo would otherwise be ignored without a word).
 */
import { loadSourcesFile, type Source } from '../shared/config.ts';
import { ConfigError } from '../shared/errors.ts';
import { deployableSources, optionsSchema, parseOptions, type PumpOptions } from './options.ts';

const PREFIX = 'audit-pump:';

/** Context keys read here, beside the options (which keep their own names). */
const OWN_KEYS = ['config', 'stackName', 'region'] as const;
/** The options' keys as infra/options.ts declares them, but `siem`: the context gives it as the three SIEM_KEYS. */
const OPTION_KEYS = Object.keys(optionsSchema.shape).filter((key) => key !== 'siem');
const SIEM_KEYS = ['siemType', 'siemEndpoint', 'siemSecretName'] as const;

export interface DeploySettings {
  readonly config: string;
  readonly stackName: string;
  readonly region: string;
  readonly account?: string;
  readonly sources: readonly Source[];
  readonly options: PumpOptions;
}

const EXAMPLE_HINT = 'infra/example.sources.json shows the format';

/**
 * Reads the `audit-pump:` context (all of it, as `app.node.getAllContext()` returns it) and the
 * sources file. `env` supplies the region when the context does not (AWS_REGION, AWS_DEFAULT_REGION).
 */
export async function loadDeploySettings(
  context: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = {},
): Promise<DeploySettings> {
  const own = (key: string): unknown => context[PREFIX + key];
  const known = new Set<string>([...OWN_KEYS, ...OPTION_KEYS, ...SIEM_KEYS]);
  const unknown = Object.keys(context).filter((k) => k.startsWith(PREFIX) && !known.has(k.slice(PREFIX.length)));
  if (unknown.length)
    throw new ConfigError(
      `unknown CDK context ${unknown.join(', ')}; the audit-pump keys are: ${[...known].join(', ')}`,
    );
  const config = stringValue(own('config'));
  // No default: the example file names someone else's tenants, and a bare `cdk deploy` must not deploy them.
  if (!config)
    throw new ConfigError(`no sources file: pass -c audit-pump:config=<your sources file> (${EXAMPLE_HINT})`);
  const stackName = stringValue(own('stackName')) ?? 'AuditPump';
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName))
    throw new ConfigError(
      `invalid CDK context audit-pump:stackName: "${stackName}" must match ^[A-Za-z][A-Za-z0-9-]*$`,
    );
  const region = stringValue(own('region')) ?? stringValue(env.AWS_REGION) ?? stringValue(env.AWS_DEFAULT_REGION);
  // The CDK CLI falls back to us-east-1 when it finds no region; that fallback must not pick where the archive lives.
  if (!region) throw new ConfigError('no region: pass -c audit-pump:region=<region> or set AWS_REGION');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new ConfigError(`invalid region "${region}"`);
  const options = parseOptions(optionInput(own), 'CDK context', (path) => PREFIX + contextKeyOf(path));
  const file = await loadSourcesFile(config);
  const sources = deployableSources(file.sources, `sources file ${config}`);
  return {
    config,
    stackName,
    region,
    ...(env.CDK_DEFAULT_ACCOUNT ? { account: env.CDK_DEFAULT_ACCOUNT } : {}),
    sources,
    options,
  };
}

/** The options object from the context: the plain keys as they are, the three SIEM keys as one `siem`. */
function optionInput(own: (key: string) => unknown): Record<string, unknown> {
  const input: Record<string, unknown> = Object.fromEntries(
    OPTION_KEYS.map((k) => [k, own(k)]).filter(([, v]) => v !== undefined),
  );
  const [type, endpoint, secretName] = SIEM_KEYS.map(own);
  const siem = [type, endpoint, secretName];
  if (siem.some((v) => v !== undefined)) {
    if (siem.some((v) => v === undefined))
      throw new ConfigError('invalid CDK context: audit-pump:siemType, siemEndpoint and siemSecretName go together');
    input.siem = { type, endpoint, secretName };
  }
  return input;
}

/** Maps an option's path back to the context key a user typed (`siem.endpoint` is `siemEndpoint`). */
function contextKeyOf(path: string): string {
  const siem = /^siem\.(\w)(\w*)$/.exec(path);
  return siem ? `siem${(siem[1] as string).toUpperCase()}${siem[2]}` : path;
}

function stringValue(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}
