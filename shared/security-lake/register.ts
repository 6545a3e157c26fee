/**
 * The `aws securitylake create-custom-log-source` calls that register audit-pump's custom sources
 * in a Security Lake account: one per OCSF class the configured sources produce (Security Lake
 * wants one event class per custom source), with the parameters of the API Reference
 * (CreateCustomLogSource: `sourceName`, `eventClasses`, `configuration.crawlerConfiguration.roleArn`,
 * `configuration.providerIdentity.{externalId, principal}`), and the deploy context that follows.
 */
import { OcsfClass, type OcsfClassName } from '../ocsf-classes.ts';
import { DEFAULT_SOURCE_PREFIX, securityLakeEventClass, sourceName } from './layout.ts';

export interface RegistrationInput {
  /** The vendors of the configured sources, each with the classes its connector declares. */
  readonly vendors: ReadonlyArray<{ readonly vendor: string; readonly classes: readonly OcsfClassName[] }>;
  /** The AWS account audit-pump is deployed in: the provider the roles trust. */
  readonly providerAccount: string;
  readonly externalId: string;
  /** The Glue crawler role in the Security Lake account (the user guide's "Create IAM role ..." step). */
  readonly crawlerRoleArn: string;
  /** The Security Lake Region; the calls run there. */
  readonly region: string;
  /** @default DEFAULT_SOURCE_PREFIX */
  readonly prefix?: string;
}

/** STS's pattern for an external id (AssumeRole `ExternalId`): also safe inside single quotes. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ACCOUNT = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The class uids the vendors produce that Security Lake can take, each with its vendors; and those it cannot. */
export function lakeClasses(vendors: RegistrationInput['vendors']): {
  registrable: Map<number, string[]>;
  unregistrable: Map<number, string[]>;
} {
  const registrable = new Map<number, string[]>();
  const unregistrable = new Map<number, string[]>();
  for (const { vendor, classes } of vendors) {
    for (const name of classes) {
      const uid = OcsfClass[name].uid;
      const into = securityLakeEventClass(uid) === undefined ? unregistrable : registrable;
      into.set(uid, [...new Set([...(into.get(uid) ?? []), vendor])]);
    }
  }
  const sorted = (m: Map<number, string[]>) => new Map([...m].sort(([a], [b]) => a - b));
  return { registrable: sorted(registrable), unregistrable: sorted(unregistrable) };
}

/** The shell script: comments, one command per class, then the `cdk deploy` context to use. */
export function registrationCommands(input: RegistrationInput): string {
  const problems = [
    ...(ACCOUNT.test(input.providerAccount)
      ? []
      : [`the provider account must be 12 digits, got "${input.providerAccount}"`]),
    ...(EXTERNAL_ID.test(input.externalId)
      ? []
      : [`the external id must match ${EXTERNAL_ID.source} (STS AssumeRole ExternalId), got "${input.externalId}"`]),
    ...(ROLE_ARN.test(input.crawlerRoleArn)
      ? []
      : [`the crawler role must be an IAM role ARN, got "${input.crawlerRoleArn}"`]),
    ...(REGION.test(input.region) ? [] : [`invalid region "${input.region}"`]),
  ];
  if (problems.length) throw new Error(problems.join('; '));
  const prefix = input.prefix ?? DEFAULT_SOURCE_PREFIX;
  const lakeAccount = ROLE_ARN.exec(input.crawlerRoleArn)?.[1] as string;
  const { registrable, unregistrable } = lakeClasses(input.vendors);
  if (registrable.size === 0)
    throw new Error('the configured sources produce no class Security Lake takes: nothing to register');
  const configuration = JSON.stringify({
    crawlerConfiguration: { roleArn: input.crawlerRoleArn },
    providerIdentity: { externalId: input.externalId, principal: input.providerAccount },
  });
  const lines = [
    `# audit-pump custom sources for Amazon Security Lake: one per OCSF class the configured sources produce.`,
    `# Run in the Security Lake account (${lakeAccount}), Region ${input.region}. Provider account: ${input.providerAccount}.`,
  ];
  for (const [uid, vendors] of registrable) {
    const name = sourceName(prefix, uid);
    lines.push(
      '',
      `# ${classCaption(uid)} (class_uid ${uid}) from ${vendors.join(', ')}`,
      `aws securitylake create-custom-log-source --region ${input.region} \\`,
      `  --source-name ${name} \\`,
      `  --event-classes ${securityLakeEventClass(uid) as string} \\`,
      `  --configuration '${configuration}'`,
    );
  }
  for (const [uid, vendors] of unregistrable) {
    lines.push(
      '',
      `# ${classCaption(uid)} (class_uid ${uid}) from ${vendors.join(', ')}: Security Lake has no event class for it; these events stay in the archive only.`,
    );
  }
  lines.push(
    '',
    '# Then deploy audit-pump with (each source gets its own provider role; {source} stands for its name):',
    `#   -c audit-pump:securityLakeBucket=<the lake bucket, aws-security-data-lake-${input.region}-...>`,
    `#   -c audit-pump:securityLakeRoleArn=arn:aws:iam::${lakeAccount}:role/AmazonSecurityLake-Provider-{source}-${input.region}`,
    `#   -c audit-pump:securityLakeExternalId=${input.externalId}`,
    ...(prefix === DEFAULT_SOURCE_PREFIX ? [] : [`#   -c audit-pump:securityLakeSourcePrefix=${prefix}`]),
  );
  return `${lines.join('\n')}\n`;
}

function classCaption(uid: number): string {
  return Object.values(OcsfClass).find((c) => c.uid === uid)?.caption ?? String(uid);
}
