/**
 * The esbuild options of the pump functions, in one place: infra/constructs/pump-function.ts
 * bundles with them, and `npm run bench` builds the same bundles to measure their size and module
 * init time (bench/bundle.ts). Plain data, no CDK import, so the bench can load it.
 */

/**
 * Modules left out of the bundle: none. The Node.js 22 runtime ships an AWS SDK v3, and leaving
 * `@aws-sdk/*` to it would cut ~590 kB from each bundle, but loading those clients from the
 * runtime's node_modules costs more init time than the whole bundled function (measured by
 * `npm run bench`, README "Performance"), and the runtime's version is not the pinned, tested one.
 */
export const PUMP_EXTERNAL_MODULES: readonly string[] = [];

/** The options as NodejsFunction's `bundling` takes them (format and target as esbuild spells them). */
export const PUMP_BUNDLING = {
  format: 'esm',
  target: 'node22',
  sourceMap: true,
  // Stack traces need the mappings only; the sources' text would triple the map Node parses at init.
  sourcesContent: false,
  minify: true,
  mainFields: ['module', 'main'],
  externalModules: PUMP_EXTERNAL_MODULES,
  // Some dependencies still call require(); ESM bundles need it defined.
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
} as const;
