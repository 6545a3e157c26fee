/**
 * A vendor that echoes the credential it was sent, in each of its own error shapes (in-band errors
 * inside an HTTP 200, and its error statuses) and in each form (as sent, URL-encoded, base64, inside
 * a JSON string): the credential reaches no run error, log line or metric (DESIGN.md 4.3 invariant 7).
 */
import { describe, expect, it } from '@jest/globals';
import { echoForms, type FuzzVendor } from '../../local/chaos/fuzz-pages.ts';
import { FUZZ_VENDORS, runOnFake, sourceFor } from '../../local/chaos/fuzz.ts';
import { emptyOutputs, runMetrics, scan } from '../../local/chaos/hygiene.ts';
import { CHAOS_EPOCH } from '../../local/chaos/run.ts';
import { CHAOS_TABLE, FakeClock } from '../../local/chaos/world.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { REDACTED } from '../../shared/redact.ts';
import { chaosWorldForFile } from '../helpers/chaos-world.ts';

const world = chaosWorldForFile();
let count = 0;

/** Runs a source of `fuzz`'s vendor against a vendor that always gives `answer`; returns everything the run put out. */
async function runAgainst(fuzz: FuzzVendor, answer: { status: number; body: string | Uint8Array }) {
  const clock = new FakeClock(CHAOS_EPOCH);
  const source = sourceFor(fuzz, `echo-${++count}`, clock.now() - 7_200_000);
  const outputs = emptyOutputs();
  const fetch = (async () =>
    new Response(answer.body, {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    })) as typeof globalThis.fetch;
  const collect = (name: string) => ({
    name,
    put: async (records: readonly Uint8Array[]) =>
      void outputs.archive.push(...records.map((r) => Buffer.from(r).toString('utf8'))),
  });
  const result = await runOnFake(fuzz, source, {
    store: new CursorStore({ client: world().client, tableName: CHAOS_TABLE, now: clock.now }),
    clock,
    fetch,
    logs: outputs.logs,
    owner: 'echo',
    sink: collect('archive'),
    deadLetter: collect('dlq'),
    http: { maxAttempts: 2 },
  });
  if (result.error) outputs.errors.push(result.error);
  outputs.metrics.push(...runMetrics(result));
  return { result, outputs };
}

describe.each(FUZZ_VENDORS.map((f) => [f.connector.vendor, f] as const))(
  '%s echoing its credential',
  (_vendor, fuzz) => {
    it("in each error shape and each form: the run fails, names the vendor's error, and no output holds the credential", async () => {
      const secrets = Object.values(fuzz.credentials);
      for (const secret of secrets.filter((s) => s.length >= 8)) {
        for (const echo of echoForms(secret)) {
          for (const answer of fuzz.echoes(echo)) {
            // Act
            const { result, outputs } = await runAgainst(fuzz, answer);

            // Assess
            const where = `${answer.status} ${String(answer.body).slice(0, 80)}`;
            expect({ where, status: result.status }).toEqual({ where, status: 'failed' });
            expect({ where, leaks: scan(outputs, secrets) }).toEqual({ where, leaks: [] });
            expect(result.error?.length ?? 0).toBeGreaterThan(0);
          }
        }
      }
    });
  },
);

describe('vendor text quoted into errors', () => {
  it("keeps the vendor's words around the credential, with the credential replaced", async () => {
    // Prepare: Retraced's 200 with GraphQL errors and Nected's in-band code, both quoted into the error.
    const retraced = FUZZ_VENDORS.find((f) => f.connector.vendor === 'retraced') as FuzzVendor;
    const nected = FUZZ_VENDORS.find((f) => f.connector.vendor === 'nected') as FuzzVendor;

    // Act
    const a = await runAgainst(
      retraced,
      retraced.echoes(retraced.credentials.token as string)[0] as { status: number; body: string },
    );
    const b = await runAgainst(
      nected,
      nected.echoes(nected.credentials.apiKey as string)[0] as { status: number; body: string },
    );

    // Assess
    expect(a.result.error).toContain(`invalid token=${REDACTED}`);
    expect(b.result.error).toContain(`invalid Nected-API-Key ${REDACTED}`);
  });
});
