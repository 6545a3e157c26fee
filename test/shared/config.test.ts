/**
 * Configuration (DESIGN.md 4.1): the sources file and the Lambda environment are parsed once, and
 * every error names the source and the field (or the file, or the variable) at fault.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { backfillItemId } from '../../shared/backfill.ts';
import { loadRuntimeConfig, loadSourcesFile, parseSources, type OptionSchemas } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { rejectionOf, thrownBy } from '../helpers/core-errors.ts';

const VEZA = {
  id: 'veza-main',
  vendor: 'veza',
  baseUrl: 'https://acme.vezacloud.com',
  secretName: 'audit-pump/veza-main',
  startFrom: '2026-11-01T00:00:00Z',
};

const VEZA_OPTIONS: OptionSchemas = {
  veza: z.object({ pageSize: z.number().int().min(1).max(1000).default(100) }).strict(),
};

/** The ConfigError `fn` throws. */
const configError = (fn: () => unknown): ConfigError => thrownBy(ConfigError, fn);

/** The ConfigError `promise` rejects with. */
const configRejection = (promise: Promise<unknown>): Promise<ConfigError> => rejectionOf(ConfigError, promise);

describe('parseSources', () => {
  it('fills in the defaults of a valid source: schedule, enabled and options', () => {
    // Act
    const { sources } = parseSources({ sources: [VEZA] });

    // Assess
    expect(sources).toEqual([{ ...VEZA, schedule: 'rate(5 minutes)', enabled: true, options: {} }]);
  });

  it("keeps the values a source sets and applies the vendor's option schema and its defaults", () => {
    // Prepare
    const { secretName: _deployed, ...withoutSecret } = VEZA;
    const inline = {
      ...withoutSecret,
      id: 'veza-local',
      credentials: { token: 't' },
      schedule: 'rate(1 minute)',
      enabled: false,
      settleLagSeconds: 30,
    };

    // Act
    const { sources } = parseSources({ sources: [VEZA, { ...inline, options: { pageSize: 500 } }] }, VEZA_OPTIONS);

    // Assess
    expect(sources[0]?.options).toEqual({ pageSize: 100 });
    expect(sources[1]).toMatchObject({
      credentials: { token: 't' },
      schedule: 'rate(1 minute)',
      enabled: false,
      settleLagSeconds: 30,
      options: { pageSize: 500 },
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a bad id', { id: 'Veza_Main' }, 'sources[0] (Veza_Main).id: must match ^[a-z0-9][a-z0-9-]{0,47}$'],
    ['an id over 48 characters', { id: `v${'x'.repeat(48)}` }, `sources[0] (v${'x'.repeat(48)}).id: must match`],
    [
      'a baseUrl that is not http(s)',
      { baseUrl: 'ftp://acme.vezacloud.com' },
      'sources[0] (veza-main).baseUrl: must be an http(s) URL',
    ],
    [
      'a baseUrl that is not a URL',
      { baseUrl: 'acme.vezacloud.com' },
      'sources[0] (veza-main).baseUrl: must be an http(s) URL',
    ],
    [
      'a vendor that is not a vendor name',
      { vendor: 'Okta!' },
      'sources[0] (veza-main).vendor: must be a vendor name (lower-case letters and digits)',
    ],
    [
      'both secretName and credentials',
      { credentials: { token: 't' } },
      'sources[0] (veza-main).secretName: set exactly one of secretName',
    ],
    [
      'neither secretName nor credentials',
      { secretName: undefined },
      'sources[0] (veza-main).secretName: set exactly one of secretName',
    ],
    ['a startFrom that is not an ISO time', { startFrom: 'yesterday' }, 'sources[0] (veza-main).startFrom:'],
    ['an unknown field', { pageSize: 10 }, 'sources[0] (veza-main): Unrecognized key: "pageSize"'],
  ])('names the source and the field for %s', (_case, change, message) => {
    // Prepare
    const source: Record<string, unknown> = { ...VEZA, ...change };
    for (const [key, value] of Object.entries(source)) if (value === undefined) delete source[key];

    // Act
    const error = configError(() => parseSources({ sources: [source] }));

    // Assess
    expect(error.message).toContain('invalid sources file:');
    expect(error.message).toContain(message);
  });

  it('names the second source when it repeats the id of the first', () => {
    // Act
    const error = configError(() =>
      parseSources({ sources: [VEZA, { ...VEZA, baseUrl: 'https://other.vezacloud.com' }] }),
    );

    // Assess
    expect(error.message).toContain('sources[1] (veza-main).id: duplicate source id "veza-main"');
  });

  it("refuses an id ending in --backfill, which earlier versions' backfill items were keyed by", () => {
    // Act
    const error = configError(() => parseSources({ sources: [VEZA, { ...VEZA, id: 'veza-main--backfill' }] }));

    // Assess
    expect(error.message).toContain('sources[1] (veza-main--backfill).id: must not end in "--backfill"');
  });

  it("keys backfill items with a character no source id may hold, so no source's item is another's backfill", () => {
    // Prepare: ids that end like a backfill key, with every character an id may have.
    const ids = ['a', 'a-backfill', 'backfill', 'veza-main-b', '0-0', 'x'.repeat(48)];

    // Act / Assess
    for (const id of ids) {
      expect(() => parseSources({ sources: [{ ...VEZA, id }] })).not.toThrow();
      expect(() => parseSources({ sources: [{ ...VEZA, id: backfillItemId(id) }] })).toThrow(ConfigError);
    }
  });

  it('names an unknown top-level key', () => {
    // Act
    const error = configError(() => parseSources({ sources: [VEZA], source: [] }));

    // Assess
    expect(error.message).toContain('sources file: Unrecognized key: "source"');
  });

  it('requires at least one source', () => {
    // Act
    const error = configError(() => parseSources({ sources: [] }));

    // Assess
    expect(error.message).toContain('sources: at least one source is required');
  });

  it('validates options with the schema supplied for the vendor and names the option', () => {
    // Act
    const error = configError(() =>
      parseSources({ sources: [{ ...VEZA, options: { pageSize: 'many' } }] }, VEZA_OPTIONS),
    );

    // Assess
    expect(error.message).toContain('sources[0] (veza-main).options.pageSize');
  });

  it('names every source whose options are invalid, not just the first', () => {
    // Prepare
    const second = { ...VEZA, id: 'veza-eu', options: { pageSize: 0 } };

    // Act
    const error = configError(() =>
      parseSources({ sources: [{ ...VEZA, options: { pageSize: 'many' } }, second] }, VEZA_OPTIONS),
    );

    // Assess
    expect(error.message).toContain('sources[0] (veza-main).options.pageSize');
    expect(error.message).toContain('sources[1] (veza-eu).options.pageSize');
  });

  it('refuses a baseUrl that carries credentials, naming the source and never echoing the password', () => {
    // Act
    const error = configError(() =>
      parseSources({ sources: [{ ...VEZA, baseUrl: 'https://svc:hunter2-secret@acme.vezacloud.com' }] }),
    );

    // Assess
    expect(error.message).toContain('sources[0] (veza-main).baseUrl: must not carry credentials');
    expect(error.message).not.toContain('hunter2-secret');
  });

  it('refuses an invalid schedule, naming the source and what is wrong', () => {
    // Act
    const error = configError(() => parseSources({ sources: [{ ...VEZA, schedule: 'cron(0 3 * * *)' }] }));

    // Assess
    expect(error.message).toContain('sources[0] (veza-main).schedule: cron needs 6 fields');
  });

  it('refuses a vendor the option schemas (the registered vendors) do not name, naming the known ones', () => {
    // Act
    const error = configError(() =>
      parseSources({ sources: [{ ...VEZA, vendor: 'okta', options: { branch: 'main' } }] }, VEZA_OPTIONS),
    );

    // Assess
    expect(error.message).toContain('sources[0] (veza-main).vendor: unknown vendor "okta"; known: veza');
  });

  it('checks only the shape of a vendor name when no option schemas are given', () => {
    // Act
    const { sources } = parseSources({ sources: [{ ...VEZA, vendor: 'sample', options: { any: 1 } }] });

    // Assess
    expect(sources[0]?.vendor).toBe('sample');
    expect(sources[0]?.options).toEqual({ any: 1 });
  });
});

describe('loadSourcesFile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-test-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a sources file', async () => {
    // Prepare
    const path = join(dir, 'sources.json');
    await writeFile(path, JSON.stringify({ sources: [VEZA] }));

    // Act
    const { sources } = await loadSourcesFile(path, VEZA_OPTIONS);

    // Assess
    expect(sources).toEqual([{ ...VEZA, schedule: 'rate(5 minutes)', enabled: true, options: { pageSize: 100 } }]);
  });

  it('names the file when it cannot be read', async () => {
    // Prepare
    const path = join(dir, 'missing.json');

    // Act
    const error = await configRejection(loadSourcesFile(path));

    // Assess
    expect(error.message).toContain(`cannot read sources file ${path}`);
  });

  it('names the file when it is not JSON', async () => {
    // Prepare
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"sources": [');

    // Act
    const error = await configRejection(loadSourcesFile(path));

    // Assess
    expect(error.message).toContain(`sources file ${path} is not valid JSON`);
  });

  it('names the file and the field when a source is invalid', async () => {
    // Prepare
    const path = join(dir, 'bad-url.json');
    await writeFile(path, JSON.stringify({ sources: [{ ...VEZA, baseUrl: 'nope' }] }));

    // Act
    const error = await configRejection(loadSourcesFile(path));

    // Assess
    expect(error.message).toContain(`invalid sources file ${path}:`);
    expect(error.message).toContain('sources[0] (veza-main).baseUrl');
  });
});

describe('loadRuntimeConfig', () => {
  const ENV = {
    AUDIT_PUMP_SOURCES: JSON.stringify({ sources: [VEZA] }),
    CURSOR_TABLE: 'cursors',
    ARCHIVE_STREAM: 'archive',
    DEAD_LETTER_STREAM: 'dead-letter',
  };

  it('parses the sources and defaults the lease to 120 s and the deadline margin to 20 s', () => {
    // Act
    const config = loadRuntimeConfig({ ...ENV, PATH: '/usr/bin' });

    // Assess
    expect(config).toEqual({
      sources: [{ ...VEZA, schedule: 'rate(5 minutes)', enabled: true, options: {} }],
      cursorTable: 'cursors',
      archiveStream: 'archive',
      deadLetterStream: 'dead-letter',
      leaseMs: 120_000,
      deadlineMarginMs: 20_000,
    });
  });

  it('reads the optional SIEM stream, lease and margin from their variables', () => {
    // Act
    const config = loadRuntimeConfig({ ...ENV, SIEM_STREAM: 'siem', LEASE_SECONDS: '300', DEADLINE_MARGIN_MS: '5000' });

    // Assess
    expect(config).toMatchObject({ siemStream: 'siem', leaseMs: 300_000, deadlineMarginMs: 5000 });
  });

  it('continues through its own function only when AUDIT_PUMP_CONTINUE is true inside Lambda', () => {
    expect(
      loadRuntimeConfig({ ...ENV, AUDIT_PUMP_CONTINUE: 'true', AWS_LAMBDA_FUNCTION_NAME: 'AuditPump-veza' })
        .continueFunction,
    ).toBe('AuditPump-veza');
    expect(loadRuntimeConfig({ ...ENV, AWS_LAMBDA_FUNCTION_NAME: 'AuditPump-veza' }).continueFunction).toBeUndefined();
    expect(loadRuntimeConfig({ ...ENV, AUDIT_PUMP_CONTINUE: 'true' }).continueFunction).toBeUndefined();
  });

  it('names a missing CURSOR_TABLE', () => {
    // Prepare
    const { CURSOR_TABLE: _omitted, ...env } = ENV;

    // Act
    const error = configError(() => loadRuntimeConfig(env));

    // Assess
    expect(error.message).toContain('environment variable CURSOR_TABLE');
  });

  it('names a LEASE_SECONDS out of range', () => {
    // Act
    const error = configError(() => loadRuntimeConfig({ ...ENV, LEASE_SECONDS: '5' }));

    // Assess
    expect(error.message).toContain('environment variable LEASE_SECONDS');
  });

  it('names AUDIT_PUMP_SOURCES when it is not JSON', () => {
    // Act
    const error = configError(() => loadRuntimeConfig({ ...ENV, AUDIT_PUMP_SOURCES: '{"sources": [' }));

    // Assess
    expect(error.message).toContain('environment variable AUDIT_PUMP_SOURCES is not valid JSON');
  });

  it('names AUDIT_PUMP_SOURCES, the source and the field when a source in it is invalid', () => {
    // Act
    const error = configError(() =>
      loadRuntimeConfig(
        { ...ENV, AUDIT_PUMP_SOURCES: JSON.stringify({ sources: [{ ...VEZA, vendor: 'okta' }] }) },
        VEZA_OPTIONS,
      ),
    );

    // Assess
    expect(error.message).toContain('invalid AUDIT_PUMP_SOURCES:');
    expect(error.message).toContain('sources[0] (veza-main).vendor');
  });
});
