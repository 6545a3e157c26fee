/**
 * How a pump function is bundled, in one place: infra/constructs/pump-function.ts deploys what
 * `bundlePump` writes, and `npm run bench` builds the same bundles to measure their size and module
 * init time (bench/bundle.ts). No CDK import, so the bench can load it.
 *
 * esbuild with code splitting: `index.mjs` holds the handler and what every run needs (DynamoDB,
 * Firehose, Secrets Manager, zod, Powertools); what only some runs need (the S3 client for the
 * spool and reconciliation, the Lambda client for continuations, the SDK's rarely used credential
 * providers) sits in `chunks/`, loaded by the first `import()` that wants it, so a cold start does
 * not compile it (docs/performance.md). CDK's NodejsFunction writes a single `--outfile` and cannot
 * split, so the function's code is an asset bundled by this function.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';
import type { Source } from '../shared/config.ts';

/**
 * Modules left out of the bundle: none. The Node.js 22 runtime ships an AWS SDK v3, and leaving
 * `@aws-sdk/*` to it would cut ~590 kB from each bundle, but loading those clients from the
 * runtime's node_modules costs more init time than the whole bundled function (measured by
 * `npm run bench`, docs/performance.md), and the runtime's version is not the pinned, tested one.
 */
export const PUMP_EXTERNAL_MODULES: readonly string[] = [];

/** The entry file inside a bundle directory, and the handler Lambda calls in it. */
export const PUMP_ENTRY_FILE = 'index.mjs';
export const PUMP_HANDLER = 'index.handler';

/**
 * The function's sources, bundled next to its entry: AUDIT_PUMP_SOURCES_FILE names it and the
 * handler reads it at start (shared/sources-file.ts). Lambda's 4 KiB environment holds about a
 * dozen sources; a file holds hundreds, and its content is part of the asset's hash.
 */
export const PUMP_SOURCES_FILE = 'sources.json';

/** Writes `sources` into a bundle directory as the function reads them. */
export function writePumpSources(outdir: string, sources: readonly Source[]): void {
  writeFileSync(join(outdir, PUMP_SOURCES_FILE), JSON.stringify({ sources }));
}

/** The esbuild options of every pump function (entry and output directory aside). */
export const PUMP_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  splitting: true,
  minify: true,
  sourcemap: true,
  // Stack traces need the mappings only; the sources' text would triple the maps Node parses at init.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  external: [...PUMP_EXTERNAL_MODULES],
  outExtension: { '.js': '.mjs' },
  entryNames: 'index',
  chunkNames: 'chunks/[name]-[hash]',
  // Some dependencies still call require(); ESM bundles need it defined (in every chunk).
  banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'error',
} as const satisfies BuildOptions;

/**
 * Bundles the function at `entry` (functions/<vendor>/index.ts) into `outdir`; `external` overrides the externals
 * (bench comparisons).
 */
export function bundlePump(
  entry: string,
  outdir: string,
  external: readonly string[] = PUMP_EXTERNAL_MODULES,
): Metafile {
  const result = buildSync({ ...PUMP_BUILD_OPTIONS, external: [...external], entryPoints: [entry], outdir });
  return result.metafile;
}
