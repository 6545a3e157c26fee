/**
 * package.json `allowScripts` denies the install scripts of esbuild, @swc/core, classic-level and
 * @parcel/watcher, so `npm ci` runs none and warns of none. Each script only fetches, checks or
 * builds a native binary that the registry already ships as a prebuilt package or file; these tests
 * show each package works as installed, without its script having run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const require = createRequire(import.meta.url);

describe('install scripts left unrun', () => {
  it('are each denied in package.json allowScripts', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts?: Record<string, boolean> };
    expect(pkg.allowScripts).toEqual({
      esbuild: false,
      '@swc/core': false,
      'classic-level': false,
      '@parcel/watcher': false,
    });
  });

  it('esbuild transforms with its platform binary (@esbuild/linux-x64), without its postinstall', async () => {
    const esbuild = await import('esbuild');
    expect((await esbuild.transform('const a: number = 1', { loader: 'ts' })).code).toBe('const a = 1;\n');
  });

  it('@swc/core transforms with its native binding (@swc/core-linux-x64-gnu), without its postinstall', () => {
    const swc = require('@swc/core') as { transformSync(code: string, options: object): { code: string } };
    expect(
      swc.transformSync('const a: number = 1', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }).code,
    ).toContain('const a = 1');
  });

  it("classic-level (dynalite's store) opens, writes and reads with its prebuilt binary, without node-gyp", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'classic-level-'));
    const { ClassicLevel } = require(require.resolve('classic-level', { paths: [require.resolve('dynalite')] })) as {
      ClassicLevel: new (path: string) => {
        put(k: string, v: string): Promise<void>;
        get(k: string): Promise<string>;
        close(): Promise<void>;
      };
    };
    const db = new ClassicLevel(join(dir, 'db'));
    try {
      await db.put('k', 'v');
      expect(await db.get('k')).toBe('v');
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('@parcel/watcher (jest --watch only) loads its prebuilt binding (@parcel/watcher-linux-x64-glibc), without building', () => {
    const watcher = require(require.resolve('@parcel/watcher', { paths: [require.resolve('jest-haste-map')] })) as {
      subscribe: unknown;
    };
    expect(typeof watcher.subscribe).toBe('function');
  });
});
