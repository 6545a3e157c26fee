/**
 * `audit-pump security-lake register|export` (docs/security-lake.md):
 * `register` prints the `aws securitylake create-custom-log-source` calls for the classes the
 * configured sources produce (each vendor's connector declares its classes); `export` writes the
 * local archive in the Security Lake layout (what `run --security-lake` and `start --security-lake` do).
 */
import { parseArgs } from 'node:util';
import { CONNECTORS, optionSchemas } from '../functions/registry.ts';
import { loadSourcesFile } from '../shared/config.ts';
import { registrationCommands } from '../shared/security-lake/register.ts';
import { findArchive } from './events-table.ts';
import { exportLocalLake, lakeSummary } from './security-lake.ts';

export const SECURITY_LAKE_USAGE = `usage: audit-pump security-lake register --config <file> --account <provider account id> --external-id <id> --crawler-role-arn <arn> --region <region> [--prefix <p>]
       audit-pump security-lake export [--archive <dir>] [--prefix <p>]`;

/** `audit-pump security-lake …`; returns the exit code. */
export async function securityLakeCommand(args: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'register') return register(rest, out);
  if (action === 'export') return exportLake(rest, out);
  throw new Error(SECURITY_LAKE_USAGE);
}

async function register(args: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { config: { type: 'string' }, account: { type: 'string' }, 'external-id': { type: 'string' }, 'crawler-role-arn': { type: 'string' }, region: { type: 'string' }, prefix: { type: 'string' } },
    strict: true,
  });
  const missing = ['config', 'account', 'external-id', 'crawler-role-arn', 'region'].filter((k) => values[k as keyof typeof values] === undefined);
  if (missing.length) throw new Error(`missing ${missing.map((m) => `--${m}`).join(', ')}\n${SECURITY_LAKE_USAGE}`);
  const file = await loadSourcesFile(values.config as string, optionSchemas());
  const vendors = [...new Set(file.sources.filter((s) => s.enabled).map((s) => s.vendor))].map((vendor) => ({ vendor, classes: CONNECTORS[vendor]?.ocsfClasses ?? [] }));
  out.write(
    registrationCommands({
      vendors,
      providerAccount: values.account as string,
      externalId: values['external-id'] as string,
      crawlerRoleArn: values['crawler-role-arn'] as string,
      region: values.region as string,
      ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    }),
  );
  return 0;
}

async function exportLake(args: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { archive: { type: 'string' }, prefix: { type: 'string' } }, strict: true });
  const archive = findArchive(values.archive);
  out.write(`${lakeSummary(await exportLocalLake(archive.dir, values.prefix !== undefined ? { prefix: values.prefix } : {}))}\n`);
  return 0;
}
