/**
 * A jest reporter that writes the run's totals to `.local/jest-summary.json`, so `.ci/run` can
 * print `tests: N passed, M failed` from jest's own result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    mkdirSync('.local', { recursive: true });
    const { numPassedTests, numFailedTests, numPendingTests, numTotalTests, success } = results;
    writeFileSync(
      '.local/jest-summary.json',
      JSON.stringify({ numPassedTests, numFailedTests, numPendingTests, numTotalTests, success }),
    );
  }
}
