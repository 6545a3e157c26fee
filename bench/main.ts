/**
 * `npm run bench [-- --json] [-- --smoke] [-- --only drain,throughput,bundle,memory,throttling,startup,lake]`: the
 * performance figures of docs/performance.md, each with its goal. Vendor emulators and AWS
 * emulators run in child processes on loopback; run it on a quiet machine (the report shows the
 * load average before and after), since the figures are timings.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BUNDLE_DIR } from './bundle.ts';
import { formatReport, machine, type Report } from './report.ts';
import { lake } from './security-lake.ts';
import {
  FULL,
  SMOKE,
  bundles,
  drains,
  memory,
  startup,
  throttled,
  throughput,
  type Section,
  type Sizes,
} from './sections.ts';

const SECTIONS: Record<string, (sizes: Sizes, log: (line: string) => void) => Promise<Section>> = {
  // In-process first: it also warms the JIT for the drains, as a long-lived Lambda would be.
  throughput,
  drain: drains,
  bundle: bundles,
  memory,
  throttling: throttled,
  startup,
  lake,
};

/** Runs the benchmark; returns the exit code (0 even when goals are missed: the report says which). */
export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
    strict: true,
  });
  const wanted = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(SECTIONS);
  const unknown = wanted.filter((w) => !(w in SECTIONS));
  if (unknown.length) {
    process.stderr.write(
      `bench: unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}\n`,
    );
    return 2;
  }
  const sizes = values.smoke ? SMOKE : FULL;
  const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  const m = machine();
  const report: Report = {
    machine: m,
    date: new Date().toISOString(),
    mode: values.smoke ? 'smoke' : 'full',
    figures: [],
    details: {},
    notes: [],
  };
  try {
    for (const [name, run] of Object.entries(SECTIONS)) {
      if (!wanted.includes(name)) continue;
      const { figures, details, notes = [] } = await run(sizes, log);
      report.figures.push(...figures);
      report.notes?.push(...notes);
      Object.assign(report.details, details);
    }
  } finally {
    rmSync(BUNDLE_DIR, { recursive: true, force: true });
  }
  const done: Report = { ...report, machine: { ...m, loadAfter: Math.round((loadavg()[0] ?? 0) * 100) / 100 } };
  process.stdout.write(values.json ? `${JSON.stringify(done, null, 2)}\n` : formatReport(done));
  return 0;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await main(process.argv.slice(2));
