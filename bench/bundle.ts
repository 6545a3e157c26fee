/**
 * Per-function bundle size and module init time. Each function is bundled with esbuild exactly as
 * infra/constructs/pump-function.ts bundles it (infra/bundling.ts), then imported in fresh Node
 * processes with a Lambda-like environment (its configuration variables, source maps enabled as
 * NODE_OPTIONS sets them) and timed from the start of the import to its end: what the Lambda INIT
 * phase spends on the module, Node's own start excluded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import type { Vendor } from '../shared/config.ts';
import { PUMP_BUNDLING } from '../infra/bundling.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * Under the project, so an external `@aws-sdk/*` resolves to node_modules as the runtime's would;
 * one directory per run (a smoke run in `npm test` may overlap a `npm run bench`), removed at its end.
 */
export const BUNDLE_DIR = join(ROOT, '.local', 'bench', `run-${process.pid}`);

/** Options each vendor's configuration needs to load (the handler parses its sources at init). */
const OPTIONS: Record<Vendor, Record<string, unknown>> = {
  veza: {},
  retraced: {},
  authentic8: { org: 'Acme Corp' },
  nected: { branch: 'main' },
  carbonblack: { orgKey: 'ORG1' },
};

/** esbuild with the functions' options: `entry` bundled to `outfile`. */
export async function bundle(entry: string, outfile: string, external: readonly string[] = PUMP_BUNDLING.externalModules): Promise<Metafile> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: PUMP_BUNDLING.format,
    target: PUMP_BUNDLING.target,
    minify: PUMP_BUNDLING.minify,
    sourcemap: PUMP_BUNDLING.sourceMap,
    sourcesContent: PUMP_BUNDLING.sourcesContent,
    mainFields: [...PUMP_BUNDLING.mainFields],
    external: [...external],
    banner: { js: PUMP_BUNDLING.banner },
    metafile: true,
    logLevel: 'error',
  });
  return result.metafile;
}

/** The environment PumpFunction gives a function, with one source. */
function lambdaEnv(vendor: Vendor): NodeJS.ProcessEnv {
  const source = { id: `${vendor}-main`, vendor, baseUrl: 'https://vendor.example.com', secretName: `audit-pump/${vendor}-main`, startFrom: '2026-01-01T00:00:00Z', options: OPTIONS[vendor] };
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

/** Milliseconds to import `file` in a fresh process; the median of `runs`. */
export function initMs(file: string, vendor: Vendor, runs: number): number {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(file)}); if (typeof m.handler !== 'function') throw new Error('no handler'); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { env: lambdaEnv(vendor), encoding: 'utf8' });
    times.push(Number(out));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** What one function's bundle weighs, what its init takes, and its heaviest packages. */
export interface BundleFigures {
  readonly bytes: number;
  readonly initMs: number;
  readonly heaviest: Array<[string, number]>;
}

function byPackage(metafile: Metafile, outfile: string): Array<[string, number]> {
  const out = Object.entries(metafile.outputs).find(([name]) => outfile.endsWith(name.replace(/^(\.\.\/)+/, '')))?.[1] ?? Object.values(metafile.outputs).find((o) => o.entryPoint);
  const sizes = new Map<string, number>();
  for (const [file, input] of Object.entries(out?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? '(audit-pump)';
    sizes.set(pkg, (sizes.get(pkg) ?? 0) + input.bytesInOutput);
  }
  return [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 5);
}

/** Bundles and times one function; `external` overrides the configured externals (for comparisons). */
export async function measureFunction(vendor: Vendor, runs: number, external?: readonly string[]): Promise<BundleFigures> {
  const dir = join(BUNDLE_DIR, external ? `${vendor}-alt` : vendor);
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'index.mjs');
  const metafile = await bundle(join(ROOT, 'functions', vendor, 'index.ts'), outfile, external);
  return { bytes: statSync(outfile).size, initMs: initMs(outfile, vendor, runs), heaviest: byPackage(metafile, outfile) };
}
