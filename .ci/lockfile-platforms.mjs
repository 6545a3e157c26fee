#!/usr/bin/env node
// The npm registry reachable here serves only the Linux builds of packages with per-platform
// binaries (@swc/core-*, @unrs/resolver-binding-*). `npm install` then writes a lockfile without
// the other platforms' optional entries, and `npm ci` refuses it ("Missing: ... from lock file").
// This adds those entries back (version, os, cpu, optional), which is what npm itself would
// record: npm ci skips them on this platform, so nothing is downloaded for them.
// Run after any `npm install`: node .ci/lockfile-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const PLATFORM = /-(darwin|linux|win32|android|freebsd|openharmony|sunos|aix|netbsd|openbsd)-([a-z0-9]+)/;
let added = 0;
for (const meta of Object.values(packages)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key]) continue;
    const m = PLATFORM.exec(dep.split('/').pop());
    if (!m) continue;
    packages[key] = { version, cpu: [m[2]], ...(meta.dev ? { dev: true } : {}), optional: true, os: [m[1]] };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile: ${added} platform entries added`);
