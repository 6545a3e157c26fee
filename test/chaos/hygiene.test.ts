/**
 * The secret-hygiene scan of the chaos campaign (local/chaos/hygiene.ts): it must find a
 * credential in every form it travels in and in every kind of output, or a campaign's "0 leaks"
 * would mean nothing.
 */
import { noRunStats } from '../../shared/runner.ts';
import { describe, expect, it } from '@jest/globals';
import { capturingLogger, emptyOutputs, runMetrics, scan } from '../../local/chaos/hygiene.ts';

const SECRET = 'chaos-secret/with+odd=chars';

describe('secret hygiene scan', () => {
  const forms: Array<[string, string]> = [
    ['as is', SECRET],
    ['URL-encoded', encodeURIComponent(SECRET)],
    ['inside a JSON string', JSON.stringify(`x"${SECRET}`).slice(1, -1)],
    ['base64', Buffer.from(SECRET).toString('base64')],
    ['base64url', Buffer.from(SECRET).toString('base64url')],
  ];

  it.each(forms)('finds the credential %s, and says where without printing it', (_name, text) => {
    // Prepare
    const outputs = emptyOutputs();
    outputs.archive.push(`{"raw_data":"… ${text} …"}`);

    // Act
    const leaks = scan(outputs, [SECRET]);

    // Assess
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatch(/^archive: .*\[CREDENTIAL\]/);
    expect(leaks[0]).not.toContain(SECRET);
  });

  it('scans log lines (attributes and errors included) and EMF metrics', () => {
    // Prepare
    const outputs = emptyOutputs();
    capturingLogger(outputs.logs).warn('refused', { error: new Error(`token ${SECRET}`) });
    outputs.metrics.push(
      ...runMetrics({
        sourceId: 'chaos-src',
        status: 'failed',
        more: true,
        durationMs: 1,
        ...noRunStats(),
      }),
    );

    // Act
    const leaks = scan(outputs, [SECRET]);

    // Assess: the log line leaks, the metric document (numbers and the source id) does not.
    expect(leaks).toEqual([expect.stringMatching(/^logs: /)]);
    expect(outputs.metrics.join('')).toContain('"sourceId":"chaos-src"');
  });

  it('finds nothing in outputs without the credential', () => {
    const outputs = emptyOutputs();
    outputs.errors.push('HttpStatusError: GET https://vendor.example/api?token=[REDACTED] → HTTP 401');

    expect(scan(outputs, [SECRET])).toEqual([]);
  });
});
