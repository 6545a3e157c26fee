/**
 * Where audit-pump's events go in Amazon Security Lake: one custom source per OCSF class, each with
 * its own prefix, partitioned `region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/`
 * (Security Lake User Guide, "Collecting data from custom sources": "Partitioning requirements").
 * Source names are `<prefix>-<class_uid>`: Security Lake names the provider role after the source
 * (`AmazonSecurityLake-Provider-<source>-<region>`), which is why the API wants source names of at
 * most 20 characters (API Reference, CreateCustomLogSource `sourceName`). A class uid is short,
 * stable and cannot collide, where a class caption would not fit.
 */
import { OcsfClass, type OcsfClassName } from '../ocsf-classes.ts';

/** The prefix of the custom source names unless configured. */
export const DEFAULT_SOURCE_PREFIX = 'audit-pump';

/** The longest custom source name Security Lake accepts for a provider role name under 64 characters. */
export const MAX_SOURCE_NAME = 20;

/** A source-name prefix: room for `-<class_uid>` (up to 5 characters) within {@link MAX_SOURCE_NAME}. */
export const SOURCE_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

/** A provider role's ARN, where `{source}` may stand for the custom source name (one role per source). */
export const PROVIDER_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/{}-]+$/;

/** Where the local stack writes the lake, under the archive directory. */
export const LOCAL_LAKE_DIR = 'security-lake';

/** The custom source name of a class. */
export function sourceName(prefix: string, classUid: number): string {
  if (!SOURCE_PREFIX.test(prefix))
    throw new Error(
      `Security Lake source prefix "${prefix}" must match ${SOURCE_PREFIX.source} (source names are <prefix>-<class_uid>, at most ${MAX_SOURCE_NAME} characters)`,
    );
  return `${prefix}-${classUid}`;
}

/** The class a source name was made for (the uid after its last `-`), or undefined. */
export function classOfSource(name: string): number | undefined {
  const uid = /-(\d+)$/.exec(name)?.[1];
  return uid === undefined ? undefined : Number(uid);
}

/** The class audit-pump emits with this uid. */
export function ocsfClassName(classUid: number): OcsfClassName | undefined {
  return (Object.keys(OcsfClass) as OcsfClassName[]).find((name) => OcsfClass[name].uid === classUid);
}

/**
 * The `--event-classes` value Security Lake knows a class by: its OCSF caption in upper snake case
 * (API Activity → API_ACTIVITY, File Hosting Activity → FILE_HOSTING_ACTIVITY), as the user guide's
 * "Supported OCSF event classes" list spells them. The Base Event (class 0) is not in that list:
 * no custom source can be registered for it, so its events stay in the archive only.
 */
export function securityLakeEventClass(classUid: number): string | undefined {
  const name = ocsfClassName(classUid);
  if (name === undefined || name === 'BaseEvent') return undefined;
  return OcsfClass[name].caption.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** The `eventDay` partition value of an event time (epoch ms): its UTC day as YYYYMMDD. */
export function eventDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10).replace(/-/g, '');
}

/** Where an object of a source goes, relative to the lake bucket's root. */
export interface LakeLocation {
  readonly source: string;
  readonly region: string;
  readonly accountId: string;
  readonly day: string;
}

/** `ext/<source>/region=<region>/accountId=<account>/eventDay=<day>/`. */
export function lakePrefix(where: LakeLocation): string {
  return `ext/${where.source}/region=${where.region}/accountId=${where.accountId}/eventDay=${where.day}/`;
}
