/**
 * A deployed function's sources come from the file bundled with its code (shared/sources-file.ts),
 * so one function can serve more sources than Lambda's 4 KiB environment holds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuntimeConfig } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { withSourcesFile } from '../../shared/sources-file.ts';

const BASE = { CURSOR_TABLE: 't', ARCHIVE_STREAM: 'a', DEAD_LETTER_STREAM: 'd' };
const source = (i: number) => ({
  id: `veza-${i}`,
  vendor: 'veza',
  baseUrl: `https://tenant-${i}.vezacloud.com`,
  secretName: `audit-pump/veza-${i}`,
  startFrom: '2026-01-01T00:00:00Z',
});
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-pump-sources-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withSourcesFile', () => {
  it('reads two hundred sources from the file named relative to the code directory', () => {
    // Prepare: far more than the 4 KiB environment holds.
    const body = JSON.stringify({ sources: Array.from({ length: 200 }, (_, i) => source(i)) });
    writeFileSync(join(dir, 'sources.json'), body);
    expect(body.length).toBeGreaterThan(4096);

    // Act
    const config = loadRuntimeConfig(
      withSourcesFile({ ...BASE, AUDIT_PUMP_SOURCES_FILE: 'sources.json', LAMBDA_TASK_ROOT: dir }),
    );

    // Assess
    expect(config.sources).toHaveLength(200);
    expect(config.sources[199]?.id).toBe('veza-199');
  });

  it('leaves an environment without the variable as it is (the inline AUDIT_PUMP_SOURCES)', () => {
    const env = { ...BASE, AUDIT_PUMP_SOURCES: JSON.stringify({ sources: [source(1)] }) };

    expect(withSourcesFile(env)).toBe(env);
  });

  it('names the file it cannot read', () => {
    expect(() => withSourcesFile({ ...BASE, AUDIT_PUMP_SOURCES_FILE: 'missing.json' }, dir)).toThrow(ConfigError);
    expect(() => withSourcesFile({ ...BASE, AUDIT_PUMP_SOURCES_FILE: 'missing.json' }, dir)).toThrow(
      join(dir, 'missing.json'),
    );
  });

  it('refuses both the variable and the file, which could disagree', () => {
    expect(() =>
      withSourcesFile({ ...BASE, AUDIT_PUMP_SOURCES: '{}', AUDIT_PUMP_SOURCES_FILE: 'sources.json' }),
    ).toThrow(/not both/);
  });
});
