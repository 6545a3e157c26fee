/**
 * The sample vendor's local tooling (local/vendor-local.ts): its emulator, generated records, its
 * stand in the chaos campaign, its fuzz pages and its bench settings, as a real vendor's
 * functions/<vendor>/emulator/index.ts declares them.
 */
import * as fc from 'fast-check';
import { expectedOf, type Progress } from '../../local/chaos/expected.ts';
import type { FuzzVendor } from '../../local/chaos/fuzz-pages.ts';
import { chaosToken, standOf, type FaultKnobs, type StandDefinition } from '../../local/chaos/stand-kit.ts';
import type { VendorBench, VendorLocal } from '../../local/vendor-local.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { sampleConnector, type SampleRecord } from './connector.ts';
import { startSampleEmulator, startSampleForCli } from './emulator.ts';

const KNOBS: FaultKnobs = { '429': 'rateLimitNext', '429-bare': 'rateLimitNext', '5xx': 'serverErrorNext' };

const stand: StandDefinition = {
  knobs: KNOBS,
  async start(ctx) {
    const token = chaosToken('sample', ctx.seed);
    const emu = await startSampleEmulator({ token, backlog: ctx.backlog, now: ctx.now });
    return {
      ...standOf(ctx, emu, { connector: sampleConnector, knobs: KNOBS, credentials: { token }, options: { limit: 7 } }),
      arrive: (n) => emu.addEvents(n),
      expected: () =>
        expectedOf(emu.events().map((e) => [eventUid('sample', ctx.sourceId, e.id), JSON.stringify(e), true])),
      progress: (cursor): Progress => ({ after: (cursor as { after: number }).after }),
    };
  },
};

const record = (seq: number, at: number): SampleRecord => ({
  seq,
  id: `fz-${seq}`,
  time: new Date(at).toISOString(),
  action: 'login',
});

const fuzz: FuzzVendor = {
  connector: sampleConnector,
  credentials: { token: 'fuzz-sample-secret-5b1' },
  options: { limit: 5 },
  required: ['seq', 'id', 'time', 'action'],
  records: (random, n, at) =>
    Array.from({ length: n }, () => record(1 + Math.floor(random() * 1e6), at) as unknown as Record<string, unknown>),
  page: (texts, _request, more = false) => `{"events": [${texts.join(', ')}], "next": ${more ? 1 : 'null'}}`,
  empty: () => '{"events": [], "next": null}',
  wrong: (texts) => [`{"events": {}}`, `{"next": null}`, `{"events": [${texts.join(',')}], "next": "x"}`],
  echoes: (echo) => [{ status: 401, body: `{"error": "token ${echo} is not valid"}` }],
};

const bench: VendorBench = {
  maxPage: 500,
  options: { limit: 500 },
  note: 'the sample API pages by sequence, 500 at most',
  backlog: { full: 1000, smoke: 100 },
  requestsNeeded: (streams, maxPage) => streams.reduce((sum, n) => sum + Math.floor(n / maxPage) + 1, 0),
};

export const sampleLocal: VendorLocal = {
  startEmulator: startSampleForCli,
  generated: {
    wire: () =>
      fc
        .record({ seq: fc.integer({ min: 1, max: 1e6 }), at: fc.integer({ min: 0, max: 4e12 }) })
        .map(({ seq, at }) => JSON.stringify(record(seq, at))),
    options: {},
  },
  stands: { sample: stand },
  fuzz,
  bench,
};
