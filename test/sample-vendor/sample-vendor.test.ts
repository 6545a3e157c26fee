/**
 * A vendor is one folder and one registry line: a sample vendor defined under test/ (connector,
 * emulator, stand, fuzz pages, bench settings) is registered the way functions/registry.ts registers
 * the built-in ones, and every tool that derives its vendors from the registry takes it: config
 * validation, the runner (through the Lambda's code path, into the local archive), the emulator
 * interface of `audit-pump emulate`, the chaos campaign and the benchmark's settings.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectorOf, optionSchemas, registerVendor, vendorModule, vendorNames } from '../../functions/registry.ts';
import { startLocalStack } from '../../local/aws/stack.ts';
import { chaosRun } from '../../local/chaos/run.ts';
import { nonDestructiveStands, standFaults, standNames } from '../../local/chaos/stands.ts';
import { startWorld, type ChaosWorld } from '../../local/chaos/world.ts';
import { startEmulator } from '../../local/emulators/emulators.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import { loadVendorLocals } from '../../local/vendors.ts';
import { vendorBench } from '../../bench/vendors.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { ConfigError } from '../../shared/errors.ts';
import { createPump } from '../../shared/handler.ts';
import { OcsfValidator } from '../../shared/ocsf-validate.ts';
import { sampleVendor } from './vendor.ts';

const sampleSource = (options: Record<string, unknown>, baseUrl = 'https://sample.example.com'): Source =>
  parseSources(
    {
      sources: [
        {
          id: 'sample-main',
          vendor: 'sample',
          baseUrl,
          credentials: { token: 't' },
          startFrom: '2026-01-01T00:00:00Z',
          options,
        },
      ],
    },
    optionSchemas(),
  ).sources[0] as Source;

beforeAll(async () => {
  registerVendor(sampleVendor);
  await loadVendorLocals();
});

describe('a sample vendor registered with one line', () => {
  it('joins the registry: its name, its module and its connector', () => {
    expect(vendorNames()).toContain('sample');
    expect(vendorModule('sample').lambda).toEqual({ timeoutSeconds: 300, memoryMb: 256 });
    expect(connectorOf('sample').vendor).toBe('sample');
  });

  it('refuses a second registration of the same name', () => {
    expect(() => registerVendor(sampleVendor)).toThrow('vendor "sample" is registered already');
  });

  it('is a vendor config accepts, with its own option defaults', () => {
    expect(sampleSource({}).options).toEqual({ limit: 50 });
  });

  it('has its options checked by config, the problem named by the source and the field', () => {
    expect(() => sampleSource({ limit: 0 })).toThrow(ConfigError);
    expect(() => sampleSource({ limit: 0 })).toThrow('sources[0] (sample-main).options.limit');
  });

  it('is named among the known vendors when a source names an unknown one', () => {
    const raw = {
      sources: [
        { id: 'x', vendor: 'okta', baseUrl: 'https://x.example', credentials: {}, startFrom: '2026-01-01T00:00:00Z' },
      ],
    };
    expect(() => parseSources(raw, optionSchemas())).toThrow(/unknown vendor "okta"; known: .*sample/);
  });

  it('has its stand, its faults and its bench settings found by the campaign and the benchmark', () => {
    expect(standNames()).toContain('sample');
    expect(nonDestructiveStands()).toContain('sample');
    expect(standFaults('sample')).toEqual(['429', '429-bare', '5xx']);
    expect(vendorBench('sample').maxPage).toBe(500);
  });
});

describe('the sample vendor through the emulator interface and the runner', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('drains its emulator into the archive: every event once, valid OCSF 1.1, the cursor at the last event', async () => {
    // Prepare
    const emulator = await startEmulator('sample', { backlog: 120 });
    cleanups.push(() => emulator.stop());
    const dir = await mkdtemp(join(tmpdir(), 'sample-vendor-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const source = { ...sampleSource(emulator.options, emulator.baseUrl), credentials: emulator.credentials };
    const stack = await startLocalStack({
      sources: [source],
      archiveDir: join(dir, 'archive'),
      stateDir: join(dir, 'state'),
    });
    cleanups.push(() => stack.stop());
    const pump = createPump(connectorOf('sample'), {
      config: stack.config,
      clients: stack.clients,
      spool: stack.spool,
    });

    // Act
    const { results } = await pump({ sourceId: source.id }, 870_000);
    await stack.firehose.flush();

    // Assess
    expect(results[0]?.status).toBe('caught-up');
    const archived = (await readArchive(join(dir, 'archive'))).map((a) => a.record);
    const uids = archived.map((e) => (e.metadata as { correlation_uid?: string }).correlation_uid);
    expect(uids.sort()).toEqual(emulator.eventIds().sort());
    const validator = new OcsfValidator();
    expect(archived.flatMap((e) => validator.validate(e).errors)).toEqual([]);
    const store = new CursorStore({ client: stack.clients.dynamodb, tableName: stack.config.cursorTable });
    expect((await store.get(source.id))?.cursor).toEqual({ after: 120 });
  });
});

describe('the sample vendor in the chaos campaign', () => {
  let world: ChaosWorld;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world.stop();
  });

  it('loses, invents, conflicts and regresses nothing under a seeded schedule of faults and crashes', async () => {
    // Act
    const report = await chaosRun(world, 4242, { stands: ['sample'] });

    // Assess
    expect(report.stand).toBe('sample');
    expect({ lost: report.lost, strangers: report.strangers, regressions: report.cursorRegressions }).toEqual({
      lost: 0,
      strangers: 0,
      regressions: 0,
    });
    expect(report.leaks).toEqual([]);
    expect(report.caughtUp).toBe(true);
    expect(report.events).toBeGreaterThan(20);
  });
});
