/**
 * The command specifications (bin/commands.js): each names a module and export that exist, parses
 * to the types and defaults its help shows, and refuses what its help does not allow.
 */
import { describe, expect, it } from '@jest/globals';
import { COMMANDS, UsageError, closest, parseCommandArgs } from '../../../bin/commands.js';
import { parseCommand } from '../../../local/cli/args.ts';

const BIN = new URL('../../../bin/commands.js', import.meta.url);
const NAMES = Object.keys(COMMANDS) as Array<keyof typeof COMMANDS>;

describe('command specifications', () => {
  it.each(NAMES)('%s: its module exports the command as a function', async (name) => {
    const spec = COMMANDS[name];
    // Resolved as bin/audit-pump.js resolves it: relative to bin/.
    const module = (await import(new URL(spec.module, BIN).href)) as Record<string, unknown>;
    expect(typeof module[spec.export]).toBe('function');
  });

  it('gives every option a description, and every example names its own command', () => {
    for (const name of NAMES) {
      for (const option of Object.values(COMMANDS[name].options)) expect(option.description.length).toBeGreaterThan(10);
      expect(COMMANDS[name].example).toMatch(name === 'start' ? /^npm start/ : new RegExp(`^audit-pump ${name}( |$)`));
    }
  });
});

describe('parseCommand', () => {
  it('fills the defaults the help shows and keeps repeatable options as arrays', () => {
    const { values } = parseCommand('run', ['--config', 's.json', '--source', 'a', '--source', 'b']);
    expect(values).toEqual({
      config: 's.json',
      source: ['a', 'b'],
      state: '.local/state',
      archive: '.local/archive',
      'dry-run': false,
      'security-lake': false,
      json: false,
    });
  });

  it('refuses a missing required option, an unknown option and a stray argument with a UsageError naming the command', () => {
    const attempts = [
      () => parseCommandArgs('backfill', ['--source', 'a', '--from', '2026-01-01']),
      () => parseCommandArgs('status', ['--tabel', 'x']),
      () => parseCommandArgs('start', ['now']),
    ];
    const errors = attempts.map((attempt) => {
      try {
        attempt();
      } catch (error) {
        return error;
      }
      return undefined;
    });
    expect(errors.map((e) => (e instanceof UsageError ? [e.command, e.message] : e))).toEqual([
      ['backfill', '--to <time> is required'],
      ['status', 'unknown option --tabel (did you mean --table?)'],
      ['start', 'unexpected argument "now"'],
    ]);
  });
});

describe('closest', () => {
  it('suggests a near candidate and nothing for a word far from all', () => {
    expect(closest('veza-mian', ['veza-main', 'nected-eu'])).toBe('veza-main');
    expect(closest('zzz', ['veza-main', 'nected-eu'])).toBeUndefined();
  });
});
