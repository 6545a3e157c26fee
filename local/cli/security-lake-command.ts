/**
 * `audit-pump security-lake register|export` (docs/security-lake.md):
 * `register` prints the `aws securitylake create-custom-log-source` calls for the classes the
 * configured sources produce (each vendor's connector declares its classes); `export` writes the
 * local archive in the Security Lake layout (what `run --security-lake` and `start --security-lake` do).
 */
import { connectorOf, optionSchemas } from '../../functions/registry.ts';
import { loadSourcesFile } from '../../shared/config.ts';
import { registrationCommands } from '../../shared/security-lake/register.ts';
import { parseCommand } from './args.ts';
import { findArchive } from '../query/events-table.ts';
import { exportLocalLake, lakeSummary } from '../query/security-lake.ts';

/** `audit-pump security-lake register`; returns the exit code. */
export async function securityLakeRegister(
  args: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const { values } = parseCommand('security-lake register', args);
  const file = await loadSourcesFile(values.config, optionSchemas());
  const vendors = [...new Set(file.sources.filter((s) => s.enabled).map((s) => s.vendor))].map((vendor) => ({
    vendor,
    classes: connectorOf(vendor).ocsfClasses,
  }));
  out.write(
    registrationCommands({
      vendors,
      providerAccount: values.account,
      externalId: values['external-id'],
      crawlerRoleArn: values['crawler-role-arn'],
      region: values.region,
      ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    }),
  );
  return 0;
}

/** `audit-pump security-lake export`; returns the exit code. */
export async function securityLakeExport(
  args: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const { values } = parseCommand('security-lake export', args);
  const archive = findArchive(values.archive);
  out.write(
    `${lakeSummary(await exportLocalLake(archive.dir, values.prefix !== undefined ? { prefix: values.prefix } : {}))}\n`,
  );
  return 0;
}
