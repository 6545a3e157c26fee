/**
 * Per-function bundle size and module init time. Each function is bundled exactly as
 * infra/constructs/pump-function.ts bundles it (infra/bundling.ts `bundlePump`), then imported in
 * fresh Node processes with a Lambda-like environment (its configuration variables, source maps
 * enabled as NODE_OPTIONS sets them) and timed from the start of the import to its end: what the
 * Lambda INIT phase spends on the module, Node's own start excluded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import type { Vendor } from '../shared/config.ts';
import { PUMP_ENTRY_FILE, bundlePump } from '../infra/bundling.ts';
import { loadVendorLocals, vendorLocal } from '../local/vendors.ts';

await loadVendorLocals();

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * Under the project, so an external `@aws-sdk/*` resolves to node_modules as the runtime's would;
 * one directory per run (a smoke run in `npm test` may overlap a `npm run bench`), removed at its end.
 */
export const BUNDLE_DIR = join(ROOT, '.local', 'bench', `run-${process.pid}`);

/** The environment PumpFunction gives a function, with one source. */
function lambdaEnv(vendor: Vendor): NodeJS.ProcessEnv {
  const source = {
    id: `${vendor}-main`,
    vendor,
    baseUrl: 'https://vendor.example.com',
    secretName: `audit-pump/${vendor}-main`,
    startFrom: '2026-01-01T00:00:00Z',
    // Options the vendor's configuration needs to load (the handler parses its sources at init).
    options: vendorLocal(vendor).generated.options,
  };
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: `AuditPump-${vendor}`,
    AUDIT_PUMP_SOURCES: JSON.stringify({ sources: [source] }),
    CURSOR_TABLE: 'cursors',
    ARCHIVE_STREAM: 'archive',
    DEAD_LETTER_STREAM: 'dead-letter',
    AUDIT_PUMP_CONTINUE: 'true',
    POWERTOOLS_SERVICE_NAME: `audit-pump-${vendor}`,
    POWERTOOLS_METRICS_NAMESPACE: 'AuditPump',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Milliseconds to import `file` in a fresh process. */
function initSample(file: string, vendor: Vendor): number {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(file)}); if (typeof m.handler !== 'function') throw new Error('no handler'); process.stdout.write(String(performance.now() - t));`;
  const out = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: lambdaEnv(vendor),
    encoding: 'utf8',
  });
  return Number(out);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Milliseconds to import each of `files` in fresh processes with `vendor`'s environment, the median of `runs` each;
 * the files take turns, so a machine that slows down mid-way slows each of them alike.
 */
export function initMs(files: readonly string[], vendor: Vendor, runs: number): number[] {
  const times = files.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) files.forEach((file, n) => times[n]?.push(initSample(file, vendor)));
  return times.map(median);
}

/** Bundles the SDK floor (bench/sdk-floor.ts) as the functions are bundled; returns its entry file. */
export function bundleSdkFloor(): string {
  return bundleInto(fileURLToPath(new URL('./sdk-floor.ts', import.meta.url)), join(BUNDLE_DIR, 'sdk-floor')).file;
}

/** What one function's bundle weighs, what its init takes, and its heaviest packages. */
export interface BundleFigures {
  /** Every JavaScript file of the bundle (source maps aside). */
  readonly bytes: number;
  /** The entry and the chunks it imports statically: what a cold start loads and compiles. */
  readonly initBytes: number;
  readonly initMs: number;
  /** Init of `alongside` (the SDK floor), timed in turns with the function's; NaN without one. */
  readonly alongsideMs: number;
  /** The heaviest packages of what a cold start loads. */
  readonly heaviest: Array<[string, number]>;
}

/** Output files (keyed as esbuild names them) that loading `entry` loads: it and its static imports. */
function loadedAtInit(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>([entry]);
  for (const file of seen) {
    for (const i of metafile.outputs[file]?.imports ?? [])
      if (i.kind === 'import-statement' && !i.external) seen.add(i.path);
  }
  return [...seen];
}

function byPackage(metafile: Metafile, files: readonly string[]): Array<[string, number]> {
  const sizes = new Map<string, number>();
  for (const file of files) {
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[file]?.inputs ?? {})) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? '(audit-pump)';
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 5);
}

/** Bundles `entry` into `dir` as the functions are bundled; returns the entry file's path and the metafile. */
export function bundleInto(
  entry: string,
  dir: string,
  external?: readonly string[],
): { file: string; metafile: Metafile } {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { file: join(dir, PUMP_ENTRY_FILE), metafile: bundlePump(entry, dir, external) };
}

/**
 * Bundles and times one function, in turns with `alongside` (a bundle to compare with) if given; `external` overrides
 * the configured externals (for comparisons).
 */
export function measureFunction(
  vendor: Vendor,
  runs: number,
  options: { external?: readonly string[]; alongside?: string } = {},
): BundleFigures {
  const { external, alongside } = options;
  const dir = join(BUNDLE_DIR, external ? `${vendor}-alt` : vendor);
  const { file, metafile } = bundleInto(join(ROOT, 'functions', vendor, 'index.ts'), dir, external);
  const outputs = Object.keys(metafile.outputs).filter((name) => name.endsWith('.mjs'));
  const entry = outputs.find((name) => name.endsWith(`/${PUMP_ENTRY_FILE}`)) as string;
  const loaded = loadedAtInit(metafile, entry);
  const size = (names: readonly string[]): number =>
    names.reduce((n, name) => n + (metafile.outputs[name]?.bytes ?? 0), 0);
  const [ms, alongsideMs] = initMs(alongside ? [file, alongside] : [file], vendor, runs);
  return {
    bytes: size(outputs),
    initBytes: size(loaded),
    initMs: ms as number,
    alongsideMs: alongsideMs ?? Number.NaN,
    heaviest: byPackage(metafile, loaded),
  };
}
