/**
 * `audit-pump --help`, `<command> --help`, `--version` and usage errors, as users meet them: the
 * real binary, answered from the command specifications (bin/commands.js) without loading any
 * command, on stdout with exit 0 for help, on stderr with exit 2 (once, pointing to --help) for errors.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../bin/commands.js';
import { E2E_TIMEOUT_MS, ROOT, cli } from '../helpers/cli-process.ts';

const NAMES = Object.keys(COMMANDS) as Array<keyof typeof COMMANDS>;
const version = async (): Promise<string> =>
  (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('audit-pump --help', () => {
  it(
    'lists every command with its summary on stdout and exits 0',
    async () => {
      const out = await cli(['--help']);

      expect(out.code).toBe(0);
      expect(out.stderr).toBe('');
      for (const name of NAMES)
        expect(out.stdout).toMatch(
          new RegExp(`^  ${name}\\s+${COMMANDS[name].summary.replace(/[()]/g, '\\$&')}$`, 'm'),
        );
    },
    E2E_TIMEOUT_MS,
  );

  it.each(NAMES)(
    '%s --help prints usage, every option with its default, and an example; exit 0',
    async (name) => {
      const out = await cli([...name.split(' '), '--help']);

      expect(out.code).toBe(0);
      expect(out.stdout.split('\n')[0]).toBe(`usage: audit-pump ${name} ${COMMANDS[name].args}`);
      for (const [key, option] of Object.entries(COMMANDS[name].options) as Array<
        [string, { default?: unknown; value?: string }]
      >) {
        const line = out.stdout
          .split('\n')
          .find((l) => l.startsWith(`  --${key}${option.value ? ` ${option.value}` : ''} `));
        expect(line).toBeDefined();
        if (typeof option.default === 'string') expect(line).toContain(`default: ${option.default}`);
      }
      expect(out.stdout).toContain(`example:\n  ${COMMANDS[name].example}\n`);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'answers -h after other arguments, and `help <command>`, the same way',
    async () => {
      const short = await cli(['run', '--config', 'x.json', '-h']);
      const word = await cli(['help', 'cursor', 'show']);

      expect(short.code).toBe(0);
      expect(short.stdout).toMatch(/^usage: audit-pump run /);
      expect(word.code).toBe(0);
      expect(word.stdout).toMatch(/^usage: audit-pump cursor show /);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    '--version prints the package version',
    async () => {
      const out = await cli(['--version']);

      expect(out.code).toBe(0);
      expect(out.stdout).toBe(`audit-pump ${await version()}\n`);
    },
    E2E_TIMEOUT_MS,
  );
});

describe('audit-pump usage errors', () => {
  it.each([
    [['rnu'], 'audit-pump: unknown command "rnu" (did you mean run?)', 'audit-pump --help'],
    [[], 'audit-pump: no command given', 'audit-pump --help'],
    [['cursor'], 'audit-pump cursor: which cursor command? show, reset, unlock', 'audit-pump cursor --help'],
    [
      ['cursor', 'shwo'],
      'audit-pump cursor: unknown cursor command "shwo" (did you mean cursor show?)',
      'audit-pump cursor --help',
    ],
    [
      ['run', '--confg', 'x'],
      'audit-pump run: unknown option --confg (did you mean --config?)',
      'audit-pump run --help',
    ],
    [['run'], 'audit-pump run: --config <file> is required', 'audit-pump run --help'],
    [['run', '--config'], 'audit-pump run: --config needs a value', 'audit-pump run --help'],
    [['cursor', 'reset'], 'audit-pump cursor reset: <source> is required', 'audit-pump cursor reset --help'],
    [['validate', 'extra'], 'audit-pump validate: unexpected argument "extra"', 'audit-pump validate --help'],
  ])(
    '%j: exit 2, one message naming the command and pointing to --help',
    async (args, message, help) => {
      const out = await cli(args);

      expect(out.code).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toBe(`${message}\n(usage: ${help})\n`);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a usage error found by the command itself exits 2 too',
    async () => {
      const out = await cli(['validate', '--max-problems', 'lots']);

      expect(out.code).toBe(2);
      expect(out.stderr).toBe(
        'audit-pump validate: --max-problems must be a non-negative integer, got "lots"\n(usage: audit-pump validate --help)\n',
      );
    },
    E2E_TIMEOUT_MS,
  );
});

describe('audit-pump help without the commands', () => {
  let dir: string;
  beforeAll(async () => {
    // Only bin/ and package.json: no node_modules (no tsx), no local/ (no command). Help that loaded either would fail
    // here.
    dir = await mkdtemp(join(tmpdir(), 'audit-pump-bin-'));
    await mkdir(join(dir, 'bin'));
    for (const file of ['audit-pump.js', 'commands.js', 'help.js'])
      await copyFile(join(ROOT, 'bin', file), join(dir, 'bin', file));
    await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(
    'answers --help, <command> --help, --version and usage errors with bin/ alone',
    async () => {
      const inCopy = (args: string[]) =>
        new Promise<{ code: number | null; stdout: string }>((resolve) => {
          const child = spawn(process.execPath, [join(dir, 'bin', 'audit-pump.js'), ...args], {
            cwd: dir,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
          child.on('close', (code) => resolve({ code, stdout }));
        });

      const results = await Promise.all([
        inCopy(['--help']),
        inCopy(['backfill', '--help']),
        inCopy(['--version']),
        inCopy(['nope']),
        inCopy(['run', '--bogus']),
      ]);

      expect(results.map((r) => r.code)).toEqual([0, 0, 0, 2, 2]);
      expect(results[1]?.stdout).toMatch(/^usage: audit-pump backfill /);
      expect(results[2]?.stdout).toBe(`audit-pump ${await version()}\n`);
    },
    E2E_TIMEOUT_MS,
  );
});
