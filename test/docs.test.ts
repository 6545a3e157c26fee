/**
 * The documentation a new user meets: README.md stays a front page (at most 15,000 bytes), every
 * relative link in it and under docs/ leads to a file, and every command shown in a code block
 * (`audit-pump`, `npx audit-pump`, `npm start`, `npm run`) names a real command or script with only
 * options its --help lists (parsed by the command's own specification, bin/commands.js).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { COMMANDS, GROUPS, parseCommandArgs } from '../bin/commands.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_README_BYTES = 15_000;

/** README.md and every Markdown file under docs/. */
function pages(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : name.endsWith('.md') ? [path] : [];
    });
  return [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'))];
}

/** The lines of a page's code blocks, a quoted string or a trailing `\` continued onto the next line. */
function codeLines(text: string): string[] {
  const lines: string[] = [];
  let inBlock = false;
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*```/.test(raw)) {
      inBlock = !inBlock;
      pending = '';
      continue;
    }
    if (!inBlock) continue;
    const line = pending ? `${pending} ${raw.trim()}` : raw.trim();
    const quotes = (line.replace(/\\./g, '').match(/["']/g) ?? []).length;
    if (line.endsWith('\\') || quotes % 2 === 1) pending = line.replace(/\\$/, '');
    else {
      pending = '';
      lines.push(line);
    }
  }
  return lines;
}

/** Shell words of a line: quotes removed, a trailing `# comment` and `&` dropped, usage brackets opened. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const word = m[1] ?? m[2] ?? (m[3] as string);
    if (m[3] !== undefined && word.startsWith('#')) break;
    if (m[3] !== undefined && (word === '&' || word === '|' || word === '&&')) break;
    out.push(m[3] !== undefined ? word.replace(/^\[|\]$/g, '') : word);
  }
  return out.filter((w) => w !== '');
}

interface Shown {
  readonly page: string;
  readonly line: string;
  readonly words: string[];
}

/** Every command shown in a code block of `page`. */
function commandsIn(page: string): Shown[] {
  return codeLines(readFileSync(page, 'utf8'))
    .map((line) => ({ page: relative(ROOT, page), line, words: words(line.replace(/^\$ /, '')) }))
    .filter(
      ({ words: w }) =>
        w[0] === 'audit-pump' ||
        (w[0] === 'npx' && w[1] === 'audit-pump') ||
        (w[0] === 'npm' && (w[1] === 'start' || w[1] === 'run')),
    );
}

/** Why a shown command would not run as shown, or undefined when it would. */
function problem(shown: Shown): string | undefined {
  let w = shown.words[0] === 'npx' ? shown.words.slice(1) : shown.words;
  if (w[0] === 'npm') {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const script = w[1] === 'start' ? 'start' : (w[2] as string);
    if (!(script in scripts)) return `npm script "${script}" does not exist`;
    const rest = w.slice(w[1] === 'start' ? 2 : 3);
    // `npm start` and `npm run audit-pump` run the command line; other scripts are checked for existence only.
    if (script === 'start') w = ['audit-pump', 'start', ...rest.slice(rest[0] === '--' ? 1 : 0)];
    else if (script === 'audit-pump') w = ['audit-pump', ...rest.slice(rest[0] === '--' ? 1 : 0)];
    else return undefined;
  }
  const [, first, second] = w;
  const name = first !== undefined && first in GROUPS ? `${first} ${second}` : first;
  if (name === undefined || !(name in COMMANDS)) return `no command "${name}"`;
  const args = w.slice(name.split(' ').length + 1).filter((a) => a !== '--help' && a !== '-h');
  try {
    parseCommandArgs(name as keyof typeof COMMANDS, args);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('README.md', () => {
  it(`is a front page of at most ${MAX_README_BYTES} bytes`, () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(MAX_README_BYTES);
  });
});

describe('the documentation', () => {
  it('has every relative link lead to a file of the repository', () => {
    const broken = pages().flatMap((page) => {
      const links = [...readFileSync(page, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
      return links
        .filter((link) => !/^[a-z]+:/.test(link) && !link.startsWith('#'))
        .filter((link) => !existsSync(join(dirname(page), decodeURIComponent(link.split('#')[0] as string))))
        .map((link) => `${relative(ROOT, page)}: ${link}`);
    });
    expect(broken).toEqual([]);
  });

  it('shows commands in its code blocks (the test below has something to check)', () => {
    const shown = pages().flatMap(commandsIn);
    expect(shown.filter((s) => s.words.includes('audit-pump') || s.words[1] === 'audit-pump').length).toBeGreaterThan(
      20,
    );
  });

  it('shows only commands that exist, with options their --help lists', () => {
    const wrong = pages()
      .flatMap(commandsIn)
      .flatMap((shown) => {
        const why = problem(shown);
        return why === undefined ? [] : [`${shown.page}: ${shown.line}  →  ${why}`];
      });
    expect(wrong).toEqual([]);
  });
});
