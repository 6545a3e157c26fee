/**
 * A command's arguments, parsed by its specification in bin/commands.js (the one the help is
 * printed from) and typed from it: an option with a default is a string, a required one too, a
 * repeatable one an array.
 */
import type { parseArgs } from 'node:util';
import { closest, parseCommandArgs, UsageError, type COMMANDS } from '../../bin/commands.js';

export { UsageError };

type Name = keyof typeof COMMANDS;
type Options<K extends Name> = (typeof COMMANDS)[K]['options'];
type Parsed<K extends Name> = ReturnType<
  typeof parseArgs<{ options: Options<K>; allowPositionals: true; strict: true }>
>;
type RequiredKeys<O> = { [P in keyof O]: O[P] extends { readonly required: true } ? P : never }[keyof O];

/** The parsed arguments of command `K`. */
export interface CommandArgs<K extends Name> {
  readonly values: Parsed<K>['values'] & { readonly [P in RequiredKeys<Options<K>>]: string };
  readonly positionals: string[];
}

/** Parses `args` for command `name`; throws UsageError (exit 2) naming what is wrong. */
export function parseCommand<K extends Name>(name: K, args: readonly string[]): CommandArgs<K> {
  return parseCommandArgs(name, args) as unknown as CommandArgs<K>;
}

/** ` (did you mean "x"?)` when `word` looks like a typo of one of `known`, else ''. */
export function didYouMean(word: string, known: readonly string[]): string {
  const guess = closest(word, known);
  return guess === undefined ? '' : ` (did you mean "${guess}"?)`;
}
