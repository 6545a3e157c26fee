/**
 * `audit-pump validate`: counts per class, problems by kind and the first problems with the event
 * they were found in; exit 1 when any event is invalid, 0 when all are valid.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateArchive, validateCommand } from '../../../local/query/validate.ts';
import { fixtureEvent, writeArchive } from '../../helpers/archive-fixture.ts';

let dir: string;
const sink = () => {
  const out = { text: '', write: (chunk: string) => ((out.text += chunk), true) };
  return out as unknown as NodeJS.WritableStream & { text: string };
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'validate-'));
  const good = [1, 2, 3].map((i) =>
    fixtureEvent({ vendor: 'veza', ageDays: 0, nativeId: `g${i}`, email: 'ana@example.com' }),
  );
  const bad = fixtureEvent({ vendor: 'nected', ageDays: 0, nativeId: 'b1', extra: { actor: {}, severity_id: 9 } });
  await writeArchive(join(dir, 'mixed'), [...good, bad]);
  await writeArchive(join(dir, 'good'), good);
  const same = [1, 2, 3].map((i) =>
    fixtureEvent({ vendor: 'nected', ageDays: 0, nativeId: `s${i}`, extra: { severity_id: 9 } }),
  );
  await writeArchive(join(dir, 'same'), same);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validateArchive', () => {
  it('counts events per class and keeps each problem with its event uid and object', async () => {
    // Act
    const summary = await validateArchive(join(dir, 'mixed'), 5);

    // Assess
    expect(summary).toMatchObject({ events: 4, invalid: 1, warned: 0 });
    expect(summary.byClass.get('6003')).toEqual({ caption: 'API Activity', events: 4, invalid: 1, warned: 0 });
    expect(summary.problems.map((p) => [p.level, p.path])).toEqual([
      ['error', 'severity_id'],
      ['error', 'actor'],
    ]);
    expect(summary.problems[0]?.key).toMatch(/^events\/vendor=nected\/dt=\d{4}-\d\d-\d\d\/.+\.gz$/);
  });
});

describe('validateCommand', () => {
  it('prints the summary and exits 1 when an event is invalid', async () => {
    // Prepare
    const out = sink();

    // Act
    const code = await validateCommand(['--archive', join(dir, 'mixed')], out, sink());

    // Assess
    expect(code).toBe(1);
    expect(out.text).toMatch(/^4 events under .*mixed: 3 valid OCSF 1\.1, 1 invalid, 0 with warnings\n/);
    expect(out.text).toMatch(/^\s+6003 API Activity\s+4 events\s+1 invalid/m);
    expect(out.text).toContain('error 6003 actor: Actor needs at least one of process, user, invoked_by, session');
    expect(out.text).toMatch(/error severity_id: 9 is not one of .*\[uid [0-9a-f]{32}, events\/vendor=nected/);
  });

  it('lists an identical problem once, with the number of events that have it and the first of them', async () => {
    // Prepare
    const out = sink();

    // Act
    await validateCommand(['--archive', join(dir, 'same')], out, sink());

    // Assess
    const listed = out.text.split('\n').filter((l) => l.startsWith('  error severity_id: 9 is not one of'));
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatch(/ \(3 events\) {2}\[uid [0-9a-f]{32}, events\/vendor=nected/);
  });

  it('--json prints the summary as one JSON document', async () => {
    // Prepare
    const out = sink();

    // Act
    const code = await validateCommand(['--archive', join(dir, 'mixed'), '--json'], out, sink());

    // Assess
    expect(code).toBe(1);
    expect(JSON.parse(out.text)).toMatchObject({
      events: 4,
      valid: 3,
      invalid: 1,
      warned: 0,
      classes: [{ classUid: 6003, caption: 'API Activity', events: 4, invalid: 1, warned: 0 }],
      problems: [
        { level: 'error', path: 'severity_id', count: 1 },
        { level: 'error', path: 'actor', count: 1 },
      ],
    });
  });

  it('exits 0 when every event is valid', async () => {
    expect(await validateCommand(['--archive', join(dir, 'good')], sink(), sink())).toBe(0);
  });

  it('says how to fill an empty archive', async () => {
    await expect(validateCommand(['--archive', join(dir, 'none')], sink(), sink())).rejects.toThrow(
      /^no events under .*none\/events/,
    );
  });
});
