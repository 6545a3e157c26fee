#!/usr/bin/env node
// The audit-pump command line. Help, --version and usage errors are answered here, in plain
// JavaScript from the command specifications (bin/commands.js), without loading any command; the one
// command asked for is loaded only when it runs, its TypeScript through tsx's loader (no build step).
import { readFileSync } from 'node:fs';
import { COMMANDS, EXIT_USAGE, GROUPS, UsageError, closest, parseCommandArgs } from './commands.js';
import { commandHelp, groupHelp, programHelp } from './help.js';

/** @typedef {keyof typeof COMMANDS} Name */

/** True when `--help` or `-h` comes before any `--`. @param {readonly string[]} args */
const asksHelp = (args) => {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
};

/**
 * What the command line asks for: a text to print (help, version), or a command to run.
 * @param {readonly string[]} argv
 * @returns {{ print: string } | { name: Name, args: string[] }}
 */
function resolve(argv) {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('', 'no command given');
  if (first === '--help' || first === '-h') return { print: programHelp() };
  if (first === '--version') return { print: `audit-pump ${version()}\n` };
  if (first === 'help') return { print: rest[0] === undefined ? programHelp() : helpOf(resolve([...rest, '--help'])) };
  if (first in GROUPS) return resolveGroup(/** @type {keyof typeof GROUPS} */ (first), rest);
  if (!(first in COMMANDS)) {
    const guess = closest(first, [...Object.keys(COMMANDS).filter((n) => !n.includes(' ')), ...Object.keys(GROUPS)]);
    throw new UsageError('', `unknown command "${first}"${guess ? ` (did you mean ${guess}?)` : ''}`);
  }
  const name = /** @type {Name} */ (first);
  if (asksHelp(rest)) return { print: commandHelp(name) };
  parseCommandArgs(name, rest);
  return { name, args: rest };
}

/** @param {keyof typeof GROUPS} group @param {readonly string[]} argv */
function resolveGroup(group, argv) {
  const [sub, ...rest] = argv;
  const subs = /** @type {readonly string[]} */ (GROUPS[group]);
  if (sub === '--help' || sub === '-h') return { print: groupHelp(group) };
  if (sub === undefined || !subs.includes(sub)) {
    const guess = sub === undefined ? undefined : closest(sub, subs);
    throw new UsageError(
      group,
      `${sub === undefined ? `which ${group} command? ${subs.join(', ')}` : `unknown ${group} command "${sub}"`}${guess ? ` (did you mean ${group} ${guess}?)` : ''}`,
    );
  }
  const name = /** @type {Name} */ (`${group} ${sub}`);
  if (asksHelp(rest)) return { print: commandHelp(name) };
  parseCommandArgs(name, rest);
  return { name, args: rest };
}

/** @param {{ print: string } | { name: Name, args: string[] }} resolved */
const helpOf = (resolved) => ('print' in resolved ? resolved.print : commandHelp(resolved.name));

function version() {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

/** Loads the command's module and runs it; returns the exit code. @param {Name} name @param {string[]} args */
async function runCommand(name, args) {
  // The SDK warns on Node 20 about its 2027 releases; the Lambda runs Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { register } = await import('tsx/esm/api');
  register();
  const spec = COMMANDS[name];
  const module = await import(new URL(spec.module, import.meta.url).href);
  return await module[spec.export](args);
}

/** @param {unknown} error @param {string} command */
function report(error, command) {
  if (error instanceof Error && error.name === 'UsageError') {
    const where = /** @type {UsageError} */ (error).command || command;
    const help = where ? `audit-pump ${where} --help` : 'audit-pump --help';
    process.stderr.write(`audit-pump${where ? ` ${where}` : ''}: ${error.message}\n(usage: ${help})\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(
    `audit-pump${command ? ` ${command}` : ''}: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  return 1;
}

async function main(argv) {
  let name = '';
  try {
    const resolved = resolve(argv);
    if ('print' in resolved) {
      process.stdout.write(resolved.print);
      return 0;
    }
    name = resolved.name;
    return await runCommand(resolved.name, resolved.args);
  } catch (error) {
    return report(error, name);
  }
}

process.exitCode = await main(process.argv.slice(2));
