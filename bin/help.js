/**
 * Help texts of the command line, built from the command specifications (bin/commands.js) only:
 * printing them loads no command and no TypeScript.
 */
import { COMMANDS, GROUPS } from './commands.js';

/**
 * @typedef {{ type: 'string' | 'boolean', multiple?: boolean, default?: string | boolean, required?: boolean, value?:
 * string, description: string }} Option
 */

/** The overview: every command with its summary. */
export function programHelp() {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  const lines = [
    'usage: audit-pump <command> [options]',
    '',
    'Pumps SaaS audit logs into your own AWS account; locally, the same code against emulators.',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[/** @type {keyof typeof COMMANDS} */ (n)].summary}`),
    '',
    "audit-pump <command> --help   the command's options, defaults and an example",
    'audit-pump --version          the version',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * One command's help: usage, what it does, options with defaults, an example.
 * @param {keyof typeof COMMANDS} name
 */
export function commandHelp(name) {
  const spec = COMMANDS[name];
  /** @type {Array<[string, Option]>} */
  const options = Object.entries(spec.options);
  const flags = options.map(([key, o]) => `--${key}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max('-h, --help'.length, ...flags.map((f) => f.length));
  const lines = [
    `usage: audit-pump ${name} ${spec.args}`,
    '',
    ...wrap(spec.description, 100),
    '',
    'options:',
    ...options.map(([, o], i) => `  ${(flags[i] ?? '').padEnd(width)}  ${describe(o)}`),
    `  ${'-h, --help'.padEnd(width)}  this help`,
    '',
    'example:',
    `  ${spec.example}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * A group's help (`audit-pump cursor --help`): its subcommands.
 * @param {keyof typeof GROUPS} group
 */
export function groupHelp(group) {
  const subs = GROUPS[group].map((sub) => /** @type {keyof typeof COMMANDS} */ (`${group} ${sub}`));
  const width = Math.max(...subs.map((s) => `${s} ${COMMANDS[s].args}`.length));
  const lines = [
    `usage: audit-pump ${group} <${GROUPS[group].join('|')}> [options]`,
    '',
    ...subs.map((s) => `  ${`${s} ${COMMANDS[s].args}`.padEnd(width)}  ${COMMANDS[s].summary}`),
    '',
    `audit-pump ${group} <${GROUPS[group].join('|')}> --help   its options and an example`,
  ];
  return `${lines.join('\n')}\n`;
}

/** @param {Option} o */
function describe(o) {
  const notes = [
    o.required ? 'required' : '',
    o.multiple ? 'repeatable' : '',
    typeof o.default === 'string' ? `default: ${o.default}` : '',
  ].filter(Boolean);
  return `${o.description}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

/** @param {string} text @param {number} width */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
