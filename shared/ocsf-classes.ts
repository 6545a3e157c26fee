/**
 * The OCSF 1.1.0 classes audit-pump emits, with the captions producers set beside each id
 * (`class_name`, `category_name`, `activity_name`, `type_name`, `severity`, `status`). Kept here as
 * data, not read from shared/ocsf-1.1.0-subset.json, because the Lambda bundles carry no JSON
 * files; test/shared/ocsf-classes.test.ts checks every caption against the schema subset.
 */

/** Activity captions by id; 0 and 99 are every class's Unknown and Other. */
type Activities = Readonly<Record<number, string>>;

interface ClassInfo {
  readonly uid: number;
  readonly category: number;
  readonly caption: string;
  readonly activities: Activities;
  /** The class's own `status_id` captions where it redefines them (findings). */
  readonly statuses?: Readonly<Record<number, string>>;
}

const BASE = { 0: 'Unknown', 99: 'Other' } as const;
const CRUD = { ...BASE, 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete' } as const;

/** The classes audit-pump emits, by name. */
export const OcsfClass = {
  BaseEvent: { uid: 0, category: 0, caption: 'Base Event', activities: BASE },
  DetectionFinding: {
    uid: 2004,
    category: 2,
    caption: 'Detection Finding',
    activities: { ...BASE, 1: 'Create', 2: 'Update', 3: 'Close' },
    statuses: { 0: 'Unknown', 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved', 99: 'Other' },
  },
  AccountChange: {
    uid: 3001,
    category: 3,
    caption: 'Account Change',
    activities: {
      ...BASE,
      1: 'Create',
      2: 'Enable',
      3: 'Password Change',
      4: 'Password Reset',
      5: 'Disable',
      6: 'Delete',
      7: 'Attach Policy',
      8: 'Detach Policy',
      9: 'Lock',
      10: 'MFA Factor Enable',
      11: 'MFA Factor Disable',
    },
  },
  Authentication: {
    uid: 3002,
    category: 3,
    caption: 'Authentication',
    activities: {
      ...BASE,
      1: 'Logon',
      2: 'Logoff',
      3: 'Authentication Ticket',
      4: 'Service Ticket Request',
      5: 'Service Ticket Renew',
    },
  },
  HttpActivity: {
    uid: 4002,
    category: 4,
    caption: 'HTTP Activity',
    activities: {
      ...BASE,
      1: 'Connect',
      2: 'Delete',
      3: 'Get',
      4: 'Head',
      5: 'Options',
      6: 'Post',
      7: 'Put',
      8: 'Trace',
    },
  },
  WebResourcesActivity: {
    uid: 6001,
    category: 6,
    caption: 'Web Resources Activity',
    activities: { ...CRUD, 5: 'Search', 6: 'Import', 7: 'Export', 8: 'Share' },
  },
  ApiActivity: { uid: 6003, category: 6, caption: 'API Activity', activities: CRUD },
  FileHostingActivity: {
    uid: 6006,
    category: 6,
    caption: 'File Hosting Activity',
    activities: {
      ...BASE,
      1: 'Upload',
      2: 'Download',
      3: 'Update',
      4: 'Delete',
      5: 'Rename',
      6: 'Copy',
      7: 'Move',
      8: 'Restore',
      9: 'Preview',
      10: 'Lock',
      11: 'Unlock',
      12: 'Share',
      13: 'Unshare',
      14: 'Open',
      15: 'Sync',
      16: 'Unsync',
    },
  },
} as const satisfies Record<string, ClassInfo>;
export type OcsfClassName = keyof typeof OcsfClass;

/** Category captions by `category_uid`. */
export const CATEGORY_NAMES: Readonly<Record<number, string>> = {
  0: 'Uncategorized',
  2: 'Findings',
  3: 'Identity & Access Management',
  4: 'Network Activity',
  6: 'Application Activity',
};

/** API Activity activity ids (OCSF 1.1 `api_activity.activity_id`). */
export const ApiActivityId = { Unknown: 0, Create: 1, Read: 2, Update: 3, Delete: 4, Other: 99 } as const;
export const StatusId = { Unknown: 0, Success: 1, Failure: 2, Other: 99 } as const;
export const SeverityId = {
  Unknown: 0,
  Informational: 1,
  Low: 2,
  Medium: 3,
  High: 4,
  Critical: 5,
  Fatal: 6,
  Other: 99,
} as const;

/** Captions of the base event's `status_id` and `severity_id`. */
export const STATUS_NAMES: Readonly<Record<number, string>> = { 0: 'Unknown', 1: 'Success', 2: 'Failure', 99: 'Other' };
export const SEVERITY_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(SeverityId).map(([name, id]) => [id, name]),
);

/** The caption of `statusId` in class `cls`. */
export function statusCaption(cls: OcsfClassName, statusId: number): string | undefined {
  const own: ClassInfo = OcsfClass[cls];
  return (own.statuses ?? STATUS_NAMES)[statusId];
}
