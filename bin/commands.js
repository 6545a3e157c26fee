/**
 * Every command of the audit-pump command line: what it does, its options (type, default, meaning),
 * its arguments and one example. The one source of truth: bin/audit-pump.js prints help and answers
 * usage errors from it without loading any command (plain JavaScript, fast), and each command parses
 * its arguments with the same specification (parseCommandArgs), so help cannot drift from the parser.
 *
 * `module` and `export` name where the command lives; it is loaded only when it runs.
 */
import { parseArgs } from 'node:util';

const STATE = /** @type {const} */ ({
  type: 'string',
  default: '.local/state',
  value: '<dir>',
  description: 'where cursors and leases are kept',
});
const ARCHIVE = /** @type {const} */ ({
  type: 'string',
  default: '.local/archive',
  value: '<dir>',
  description: "the local archive (the S3 bucket's stand-in)",
});
const ARCHIVE_FOUND = /** @type {const} */ ({
  type: 'string',
  value: '<dir>',
  description: 'the archive to read (default: .local/archive, else the archive of npm start, .local/start/archive)',
});
const STATE_FOUND = /** @type {const} */ ({
  type: 'string',
  value: '<dir>',
  description: 'the state to read (default: .local/state, else the state of npm start, .local/start/state)',
});
const JSON_OUT = /** @type {const} */ ({
  type: 'boolean',
  default: false,
  description: 'print the result as JSON on stdout (for scripts)',
});
const MARGIN = /** @type {const} */ ({
  type: 'string',
  value: '<seconds>',
  description: "widen the range by this margin on each side (default: the vendor's own)",
});

/**
 * A `cursor <verb> <source>` command that changes one stored cursor: reset and unlock share their
 * argument, option, module and the shape of their example.
 * @param {'reset' | 'unlock'} verb
 * @param {string} summary
 * @param {string} description
 */
function cursorChange(verb, summary, description) {
  return /** @type {const} */ ({
    summary,
    args: '<source> [options]',
    positionals: { min: 1, max: 1, name: '<source>' },
    description,
    options: { state: STATE },
    example: `audit-pump cursor ${verb} veza-main`,
    module: '../local/cli/cursor-command.ts',
    export: /** @type {const} */ ({ reset: 'cursorReset', unlock: 'cursorUnlock' })[verb],
  });
}

export const COMMANDS = /** @type {const} */ ({
  run: {
    summary: "run the sources until each is caught up, with the Lambda's code path",
    args: '--config <file> [options]',
    description:
      'Runs every enabled source of the sources file (or only those named with --source) invocation after invocation until it is caught up, against the local AWS stack: cursors under --state, archive under --archive. In a terminal it shows a live view; piped, a line every few seconds. Ctrl-C stops at the next page boundary. Exit 0 when every source caught up, 1 otherwise, 130 when stopped.',
    options: {
      config: { type: 'string', value: '<file>', required: true, description: 'the sources file' },
      source: { type: 'string', multiple: true, value: '<id>', description: 'only this source' },
      state: STATE,
      archive: ARCHIVE,
      'dry-run': {
        type: 'boolean',
        default: false,
        description:
          'check config, credentials and that each vendor answers (one page request each); deliver nothing, move no cursor',
      },
      'security-lake': {
        type: 'boolean',
        default: false,
        description:
          'also write the archive in the Security Lake layout (Parquet, one class per object) under <archive>/security-lake (docs/security-lake.md)',
      },
      json: JSON_OUT,
    },
    example: 'audit-pump run --config sources.json --source veza-main',
    module: '../local/cli/run-command.ts',
    export: 'runCommand',
  },
  backfill: {
    summary: 're-read a past range into the archive, with its own cursor',
    args: '--source <id> --from <time> --to <time> [options]',
    description:
      'Re-reads the range [from, to) of one source into the archive with its own cursor (<id>#backfill); the live cursor never moves. Run it again to resume. Times: 2026-11-20, or ISO 8601 with an offset. Exit 0 when the range is complete, 1 otherwise.',
    options: {
      source: { type: 'string', value: '<id>', required: true, description: 'the source to backfill' },
      from: { type: 'string', value: '<time>', required: true, description: 'start of the range (inclusive)' },
      to: { type: 'string', value: '<time>', required: true, description: 'end of the range (exclusive)' },
      config: { type: 'string', default: 'sources.json', value: '<file>', description: 'the sources file' },
      state: STATE,
      archive: ARCHIVE,
      restart: { type: 'boolean', default: false, description: 'start the range over instead of resuming it' },
      margin: MARGIN,
      json: JSON_OUT,
    },
    example: 'audit-pump backfill --source veza-main --from 2026-11-01 --to 2026-11-08',
    module: '../local/cli/range-commands.ts',
    export: 'backfillCommand',
  },
  reconcile: {
    summary: 'compare a past window at the vendor with the archive',
    args: '--source <id> [options]',
    description:
      'Reads a past window of one source at the vendor again and compares it with the archive. Exit 0 when nothing is missing, 3 when events are missing (a backfill of the window fills them), 1 on an error.',
    options: {
      source: { type: 'string', value: '<id>', required: true, description: 'the source to reconcile' },
      window: { type: 'string', default: 'yesterday', value: '<window>', description: 'yesterday, or <time>..<time>' },
      config: { type: 'string', default: 'sources.json', value: '<file>', description: 'the sources file' },
      archive: ARCHIVE,
      state: {
        type: 'string',
        default: '.local/state',
        value: '<dir>',
        description: 'where the live cursor is read (to tell whether it has reached the window)',
      },
      margin: MARGIN,
      json: JSON_OUT,
    },
    example: 'audit-pump reconcile --source veza-main --window 2026-11-20..2026-11-21',
    module: '../local/cli/range-commands.ts',
    export: 'reconcileCommand',
  },
  query: {
    summary: "SQL over the local archive (Athena's dialect works)",
    args: '"<SQL>" | --named <name> [options]',
    positionals: { min: 0, max: Infinity, name: '<SQL>' },
    description:
      'Runs SQL over the local archive with DuckDB: tables events and events_dedup (columns: shared/table.ts), or one of the named queries the deployed Athena workgroup has.',
    options: {
      named: { type: 'string', value: '<name>', description: 'run this named query instead of SQL' },
      archive: ARCHIVE_FOUND,
      json: { type: 'boolean', default: false, description: 'print the rows as one JSON array' },
    },
    example: 'audit-pump query "SELECT vendor, count(*) AS n FROM events GROUP BY vendor"',
    module: '../local/query/query.ts',
    export: 'queryCommand',
  },
  validate: {
    summary: 'check every archived event against OCSF 1.1',
    args: '[options]',
    description:
      'Checks every archived event against the OCSF 1.1 schema and prints events per class, problems by kind, and the first problems with their event. Exit 0 when every event is valid, 1 otherwise.',
    options: {
      archive: ARCHIVE_FOUND,
      'max-problems': {
        type: 'string',
        default: '20',
        value: '<n>',
        description: 'how many problems to list with their event',
      },
      json: JSON_OUT,
    },
    example: 'audit-pump validate --archive .local/archive',
    module: '../local/query/validate.ts',
    export: 'validateCommand',
  },
  status: {
    summary: 'per source: lag, last result, last error, dead letters, next run',
    args: '[options]',
    description:
      "Shows each source's lag, last result and error, dead-lettered count and next scheduled run: from the local state and archive, or with --deployed from the deployed cursor table and its CloudWatch metrics, with your AWS credentials (that path is tested against mocked AWS clients only).",
    options: {
      config: {
        type: 'string',
        default: 'sources.json',
        value: '<file>',
        description: "the sources file (for each source's schedule)",
      },
      state: STATE_FOUND,
      archive: ARCHIVE_FOUND,
      deployed: {
        type: 'boolean',
        default: false,
        description: 'read the deployed table and metrics instead of the local state',
      },
      table: {
        type: 'string',
        value: '<name>',
        description: "the deployed cursor table, as in the functions' CURSOR_TABLE variable (with --deployed)",
      },
      service: {
        type: 'string',
        default: 'AuditPump',
        value: '<name>',
        description:
          "the deployment's name (its `name` setting, else the stack name), as in its metrics' service dimension <name>-<vendor> (with --deployed)",
      },
      json: JSON_OUT,
    },
    example: 'audit-pump status --config sources.json',
    module: '../local/cli/status-command.ts',
    export: 'statusCommand',
  },
  'cursor show': {
    summary: 'print stored cursors and leases as a table',
    args: '[<source>] [options]',
    positionals: { min: 0, max: 1, name: '<source>' },
    description:
      'Prints each stored cursor: where it stands in words, the lag, the last success and last event in ISO time, and who holds its lease until when. Only reads: it creates nothing.',
    options: { state: STATE_FOUND, json: JSON_OUT },
    example: 'audit-pump cursor show veza-main',
    module: '../local/cli/cursor-command.ts',
    export: 'cursorShow',
  },
  'cursor reset': cursorChange(
    'reset',
    'forget a cursor: the source restarts at startFrom',
    'Forgets the cursor of a source, so its next run starts at its startFrom again (events already archived are read again, with the same uids). Refused while a live run holds the lease.',
  ),
  'cursor unlock': cursorChange(
    'unlock',
    'release a lease left by a local run whose process is gone',
    'Releases the lease of a source left by a local run whose process is gone (killed, or stopped with Ctrl-C twice). Refused when the holder is alive or runs elsewhere: that lease ends by itself.',
  ),
  'security-lake register': {
    summary: "print the aws securitylake calls that register the sources' classes as custom sources",
    args: '--config <file> --account <id> --external-id <id> --crawler-role-arn <arn> --region <region> [options]',
    description:
      'Prints, for the OCSF classes the enabled sources produce, the exact `aws securitylake create-custom-log-source` calls (one custom source per vendor and class) to run in the Security Lake account. It only prints (docs/security-lake.md).',
    options: {
      config: { type: 'string', value: '<file>', required: true, description: 'the sources file' },
      account: {
        type: 'string',
        value: '<id>',
        required: true,
        description: 'the AWS account audit-pump is deployed in (the log provider)',
      },
      'external-id': {
        type: 'string',
        value: '<id>',
        required: true,
        description: 'the external id the provider role will require',
      },
      'crawler-role-arn': {
        type: 'string',
        value: '<arn>',
        required: true,
        description: 'the Glue crawler role Security Lake uses for the custom sources',
      },
      region: { type: 'string', value: '<region>', required: true, description: 'the Security Lake region' },
      prefix: { type: 'string', value: '<p>', description: 'a prefix for the custom source names (default: none)' },
    },
    example:
      'audit-pump security-lake register --config sources.json --account 123456789012 --external-id ap-1 --crawler-role-arn arn:aws:iam::210987654321:role/lake-crawler --region eu-west-1',
    module: '../local/cli/security-lake-command.ts',
    export: 'securityLakeRegister',
  },
  'security-lake export': {
    summary: 'write the local archive in the Security Lake layout (Parquet)',
    args: '[options]',
    description:
      'Writes the events of the local archive under <archive>/security-lake/ext/<name>/region=…/accountId=…/eventDay=…/, one Parquet object per OCSF class and day, as run --security-lake does; audit-pump query reads them as the tables lake and lake_<class_uid>.',
    options: {
      archive: ARCHIVE_FOUND,
      prefix: { type: 'string', value: '<p>', description: 'a prefix for the custom source names (default: none)' },
    },
    example: 'audit-pump security-lake export',
    module: '../local/cli/security-lake-command.ts',
    export: 'securityLakeExport',
  },
  emulate: {
    summary: 'serve a vendor emulator on 127.0.0.1 until interrupted',
    args: '<vendor> [options]',
    positionals: { min: 1, max: 1, name: '<vendor>' },
    description:
      "Serves an emulator of the vendor's API (retraced, authentic8, veza, nected, carbonblack) on 127.0.0.1 and prints a sources file that reads it.",
    options: {
      port: { type: 'string', value: '<n>', description: 'the port (default: any free one)' },
      backlog: { type: 'string', value: '<n>', description: 'events to serve from the start' },
      rate: { type: 'string', value: '<n>', description: 'new events a second' },
      seed: { type: 'string', value: '<n>', description: 'seed of the generated data' },
    },
    example: 'audit-pump emulate veza --port 8080 --backlog 1000',
    module: '../local/cli/emulate-command.ts',
    export: 'emulateCommand',
  },
  start: {
    summary: 'the whole pipeline offline, with a live view (what npm start runs)',
    args: '[options]',
    description:
      'Starts every vendor emulator, the local AWS stack and a live view, and runs every source on an accelerated schedule until Ctrl-C. State and archive under .local/start/ (started afresh each time).',
    options: {
      once: { type: 'boolean', default: false, description: 'drain the backlogs, check the archive and exit' },
      backlog: {
        type: 'string',
        default: '2000',
        value: '<n>',
        description: 'events each emulator serves from the start',
      },
      rate: { type: 'string', default: '5', value: '<n>', description: 'new events a second per emulator' },
      interval: { type: 'string', default: '2', value: '<seconds>', description: 'pause between two rounds of runs' },
      'security-lake': {
        type: 'boolean',
        default: false,
        description:
          'also write the archive in the Security Lake layout (Parquet, one class per object) under .local/start/archive/security-lake (docs/security-lake.md)',
      },
    },
    example: 'npm start -- --once',
    module: '../local/cli/start.ts',
    export: 'start',
  },
});

/** Commands with subcommands: `cursor show|reset|unlock`, `security-lake register|export`. */
export const GROUPS = /** @type {const} */ ({
  cursor: ['show', 'reset', 'unlock'],
  'security-lake': ['register', 'export'],
});

/** A command line the command cannot run (unknown command or option, missing value): exit 2. */
export class UsageError extends Error {
  name = 'UsageError';
  /**
   * @param {string} command the command as typed (`cursor show`), or '' for the program itself
   * @param {string} message what is wrong
   */
  constructor(command, message) {
    super(message);
    this.command = command;
  }
}

/** Exit code of a usage error. */
export const EXIT_USAGE = 2;

/**
 * Parses a command's arguments by its specification; throws UsageError naming what is wrong.
 * @param {keyof typeof COMMANDS} name
 * @param {readonly string[]} args
 */
export function parseCommandArgs(name, args) {
  /**
   * @type {{ options: Record<string, { type: 'string' | 'boolean', multiple?: boolean, default?: string | boolean,
   * required?: boolean, value?: string }>, positionals?: { min: number, max: number, name: string } }}
   */
  const spec = COMMANDS[name];
  const options = Object.fromEntries(Object.entries(spec.options).map(([key, o]) => [key, parseArgsOption(o)]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(name, optionMessage(error, Object.keys(options)));
  }
  for (const [key, o] of Object.entries(spec.options)) {
    if (o.required && parsed.values[key] === undefined)
      throw new UsageError(name, `--${key}${o.value ? ` ${o.value}` : ''} is required`);
  }
  const { min, max, name: what } = spec.positionals ?? { min: 0, max: 0, name: '' };
  if (parsed.positionals.length < min) throw new UsageError(name, `${what} is required`);
  if (parsed.positionals.length > max) throw new UsageError(name, `unexpected argument "${parsed.positionals[max]}"`);
  return parsed;
}

/** @param {{ type: 'string' | 'boolean', multiple?: boolean, default?: string | boolean }} o */
function parseArgsOption(o) {
  return {
    type: o.type,
    ...(o.multiple ? { multiple: true } : {}),
    ...(o.default !== undefined ? { default: o.default } : {}),
  };
}

/**
 * parseArgs' message, shorter, with a "did you mean" for a mistyped option.
 * @param {unknown} error
 * @param {string[]} known
 */
function optionMessage(error, known) {
  // Not `instanceof Error`: an error from another realm (a test's VM context) is one too.
  const message =
    typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
  const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(message);
  if (unknown) {
    const guess = closest(unknown[2] ?? '', known);
    return `unknown option ${unknown[1]}${unknown[2]}${guess ? ` (did you mean --${guess}?)` : ''}`;
  }
  const missing = /^Option '([^']*)' argument missing/.exec(message);
  if (missing) return `${(missing[1] ?? '').replace(/ <value>$/, '')} needs a value`;
  return message;
}

/**
 * The candidate nearest to `word` by edit distance, when it is near enough to be a typo.
 * @param {string} word
 * @param {readonly string[]} candidates
 * @returns {string | undefined}
 */
export function closest(word, candidates) {
  let best;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Levenshtein distance. @param {string} a @param {string} b */
function distance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
