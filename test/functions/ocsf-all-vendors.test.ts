/**
 * Every vendor's events are valid OCSF 1.1: each emulator (local/emulators/emulators.ts) serves a small
 * backlog, the vendor's connector drains it through the Lambda's code path (createPump) into the
 * local archive, and every archived event passes the validator (shared/ocsf-validate.ts).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectorOf, optionSchemas } from '../../functions/registry.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import { EMULATORS, type RunningEmulator } from '../../local/emulators/emulators.ts';
import { startLocalStack } from '../../local/aws/stack.ts';
import { parseSources, type Vendor } from '../../shared/config.ts';
import { createPump } from '../../shared/handler.ts';
import { OcsfValidator } from '../../shared/ocsf-validate.ts';

const BACKLOG = 60;
const validator = new OcsfValidator();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Drains the emulator's backlog into a fresh local archive; returns the archived events. */
async function drain(emulator: RunningEmulator): Promise<Array<Record<string, unknown>>> {
  const dir = await mkdtemp(join(tmpdir(), `ocsf-${emulator.vendor}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const sourceId = `${emulator.vendor}-ocsf`;
  const { sources } = parseSources(
    {
      sources: [
        {
          id: sourceId,
          vendor: emulator.vendor,
          baseUrl: emulator.baseUrl,
          credentials: emulator.credentials,
          startFrom: new Date(Date.now() - 7 * 86_400_000).toISOString(),
          options: emulator.options,
        },
      ],
    },
    optionSchemas(),
  );
  const archiveDir = join(dir, 'archive');
  const stack = await startLocalStack({ sources, archiveDir, stateDir: join(dir, 'state') });
  cleanups.push(() => stack.stop());
  const connector = connectorOf(emulator.vendor);
  const pump = createPump(connector, {
    config: stack.config,
    clients: stack.clients,
    spool: stack.spool,
    http: { sleep: async () => undefined },
  });
  for (let run = 0; run < 20; run++) {
    const { results } = await pump({ sourceId }, 870_000);
    const result = results[0];
    if (!result || result.status === 'failed') throw new Error(`${sourceId}: ${JSON.stringify(result)}`);
    if (!result.more) break;
  }
  await stack.firehose.flush();
  return (await readArchive(archiveDir)).map((a) => a.record);
}

describe("OCSF 1.1 validity of every connector's output", () => {
  it.each(Object.keys(EMULATORS) as Vendor[])(
    '%s: every event the connector archives from its emulator is valid OCSF 1.1',
    async (vendor) => {
      // Prepare
      const emulator = await (EMULATORS[vendor] as (s: object) => Promise<RunningEmulator>)({
        backlog: BACKLOG,
        arrivalsPerSecond: 0,
        seed: 7,
      });
      cleanups.push(() => emulator.stop());

      // Act
      const events = await drain(emulator);

      // Assess
      expect(events.length).toBeGreaterThanOrEqual(Math.min(BACKLOG, emulator.eventIds().length) * 0.9);
      const problems = events.flatMap((e) =>
        validator.validate(e).errors.map((p) => `${String(e.class_uid)} ${p.path}: ${p.message}`),
      );
      expect([...new Set(problems)]).toEqual([]);
      expect(events.every((e) => (e.metadata as { log_provider?: string }).log_provider === vendor)).toBe(true);
    },
  );
});
