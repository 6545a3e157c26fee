/**
 * A smoke run of `npm run bench` (tiny sizes, no timing assertions): every section runs end to end
 * against the emulators, and the JSON report has every figure as {name, value, unit, goal, met}.
 * The figures' values are not checked here; `npm run bench` on a quiet machine measures them.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import type { Report } from '../../bench/report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

describe('npm run bench -- --smoke --json', () => {
  it('measures every section and reports each figure with its goal and whether it is met', async () => {
    // Act
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--smoke', '--json'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const report = JSON.parse(stdout) as Report;

    // Assess
    expect(report).toMatchObject({
      mode: 'smoke',
      machine: { node: process.version, cores: expect.any(Number), cpu: expect.any(String) },
    });
    for (const figure of report.figures) {
      expect(Object.keys(figure).sort()).toEqual(['goal', 'met', 'name', 'unit', 'value']);
      expect(Number.isFinite(figure.value)).toBe(true);
      expect(figure.goal).toMatch(/^([≤≥] \d|report$)/);
      expect(typeof figure.met).toBe('boolean');
    }
    const names = report.figures.map((f) => f.name).join('\n');
    for (const vendor of ['veza', 'retraced', 'authentic8', 'nected', 'carbonblack']) {
      for (const figure of [
        'cpu per event ÷ JSON floor',
        'init ÷ SDK floor',
        'drain ÷ vendor bound at 200 ms',
        'drain ÷ vendor bound at 50 ms',
        '$ per million events',
        'bundle size',
      ]) {
        expect(names).toContain(`${figure} (${vendor})`);
      }
      // Each drain reports what the server spent on it, and the floors behind the ratios.
      expect(report.details).toHaveProperty([`drain.${vendor}.200ms`, 'serverServiceMs']);
      expect(report.details).toHaveProperty([`cpu.${vendor}`, 'jsonFloorUsPerEvent']);
      expect(report.details).toHaveProperty([`bundle.${vendor}`, 'sdkFloorInitMs']);
    }
    expect(names).toContain('peak RSS draining 3,000 events, 1,000 a page');
    expect(names).toContain('peak RSS draining 3,000 events, 10,000 a page');
    expect(names).toMatch(/Firehose billed ÷ payload bytes/);
    expect(names).toMatch(/DynamoDB writes per page/);
    for (const figure of [
      'lake Parquet writer throughput',
      'lake bytes per event',
      'lake objects per source per hour',
      'lake delay, worst case',
    ])
      expect(names).toContain(figure);
    expect(names).toContain('throttled Veza drain ÷ simple pump (330 events, two runs)');
    expect(names).toContain("drain under a budget ÷ the budget's bound (carbonblack)");
    expect(names).toContain('budget DynamoDB writes per page (carbonblack)');
    expect(names).toContain('start-up: audit-pump --help ÷ node -e 0');
    // Packing and write counting work at any size: these two hold even in a smoke run.
    expect(report.figures.find((f) => f.name.startsWith('DynamoDB writes per page'))?.met).toBe(true);
    expect(report.figures.find((f) => f.name.startsWith('Firehose billed'))?.value).toBeLessThan(2);
    // One budget write a request, whatever the size: the drain under a budget has one request a page.
    expect(report.figures.find((f) => f.name.startsWith('budget DynamoDB writes per page'))?.value).toBe(1);
  }, 300_000);
});
