import { describe, expect, it } from '@jest/globals';
import {
  AUTHENTIC8_LOCAL_TOKEN,
  AUTHENTIC8_LOG_TYPES,
  authentic8NativeId,
  decryptStandard,
  parseOrgPath,
  startAuthentic8Emulator,
  startAuthentic8ForCli,
  type Authentic8EmulatorOptions,
} from '../../../functions/authentic8/emulator/emulator.ts';
import { emulatorPerTest } from '../../helpers/vendor-emulator.ts';
import { fetchReply, jsonBody } from '../../helpers/vendor-reply.ts';

const TOKEN = Buffer.from('emulator-test-token-0001').toString('base64');
const DAY = 86_400_000;

interface Extract {
  next_seq: number;
  is_more: boolean;
  logs: Array<Record<string, unknown> & { seq_id: number; create_ts: number; type: string }>;
}
type Reply = { result?: unknown; error?: string; command_id?: unknown };

const emulators = emulatorPerTest((options: Partial<Authentic8EmulatorOptions> = {}) =>
  startAuthentic8Emulator({ token: TOKEN, seed: 9, backlog: 200, ...options }),
);
const start = emulators.start;

/** POSTs a command array as is; returns status, text and parsed replies. */
async function post(body: unknown, path = '/api/'): Promise<{ status: number; text: string; replies: Reply[] }> {
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonBody(body) };
  const { status, text, json: replies } = await fetchReply<Reply[]>(`${emulators.current?.baseUrl}${path}`, init, []);
  return { status, text, replies };
}

/** `[setauth, ...commands]` with the right token unless told otherwise; returns the replies after setauth. */
async function run(commands: Array<Record<string, unknown>>, token = TOKEN): Promise<Reply[]> {
  const { status, replies } = await post([{ command: 'setauth', data: token }, ...commands]);
  expect(status).toBe(200);
  expect(replies[0]).toEqual({ result: 'setting auth from data' });
  return replies.slice(1);
}

async function extract(args: Record<string, unknown>): Promise<Extract> {
  const [reply] = await run([{ command: 'extractlog', org: 'Acme Corp', ...args }]);
  if (!reply || reply.error) throw new Error(`extractlog failed: ${reply?.error}`);
  return reply.result as Extract;
}

/** Follows next_seq while is_more; returns every log served. */
async function drain(args: Record<string, unknown>): Promise<{ logs: Extract['logs']; calls: number }> {
  const logs: Extract['logs'] = [];
  let page = await extract({ start_seq: 0, ...args });
  let calls = 1;
  logs.push(...page.logs);
  while (page.is_more) {
    page = await extract({ ...args, start_seq: page.next_seq });
    calls++;
    logs.push(...page.logs);
  }
  return { logs, calls };
}

describe('Authentic8 emulator: the command protocol', () => {
  it('answers one reply per command, in order, echoing each command_id', async () => {
    await start();
    const replies = await run([
      { command: 'get_log_types', command_id: 7 },
      { command: 'extractlog', command_id: 'b', org: 'Acme Corp', type: 'AUTH', limit: 1 },
      { command: 'nope', command_id: 'c' },
    ]);
    expect(replies.map((r) => r.command_id)).toEqual([7, 'b', 'c']);
    expect((replies[0]?.result as { log_types: string[] }).log_types).toEqual([...AUTHENTIC8_LOG_TYPES]);
    expect((replies[1]?.result as Extract).logs[0]?.type).toBe('AUTH');
    expect(replies[2]?.error).toBe("unknown command 'nope'");
  });

  it('lists the 25 log types, those with spaces included', async () => {
    await start();
    const [reply] = await run([{ command: 'get_log_types' }]);
    const types = (reply?.result as { log_types: string[]; version: string }).log_types;
    expect(types).toHaveLength(25);
    expect(types).toEqual(
      expect.arrayContaining(['BLOCKED URL', 'CASE MANAGER', 'LOCATION CHANGE', 'POST DATA', 'ENC', 'URL']),
    );
  });

  it('reports a refused token inside the HTTP 200, after setauth said it set it', async () => {
    await start();
    const [reply] = await run(
      [{ command: 'extractlog', org: 'Acme Corp', type: 'URL' }],
      'd3JvbmctdG9rZW4tMDAwMDAwMDAwMDAw',
    );
    expect(reply).toEqual({ error: "KeyError: 'd3JvbmctdG9rZW4tMDAwMDAwMDAwMDAw'" });
  });

  it('refuses commands when setauth is missing or not first', async () => {
    await start();
    const { replies } = await post([
      { command: 'extractlog', org: 'Acme Corp', type: 'URL' },
      { command: 'setauth', data: TOKEN },
    ]);
    expect(replies.map((r) => r.error)).toEqual([
      'setauth must be the first command',
      'setauth must be the first command',
    ]);
  });

  it('answers HTTP errors for a body that is not a command array, another path or another method', async () => {
    await start();
    expect((await post('not json')).status).toBe(400);
    expect((await post({ command: 'setauth' })).status).toBe(400);
    expect((await post([], '/other')).status).toBe(404);
    expect((await fetch(`${emulators.current?.baseUrl}/api/`)).status).toBe(405);
  });

  it.each([
    [{ org: 'Acme Corp', type: 'URL', limit: 0 }, 'extractlog: limit must be a positive integer'],
    [{ org: 'Acme Corp', type: 'URL', start_seq: -1 }, 'extractlog: start_seq must be a non-negative integer'],
    [
      { org: 'Acme Corp', type: 'URL', start_time: '2026-01-01T00:00:00Z' },
      'extractlog: start_time and end_time must be "YYYY-MM-DD HH:MM:SS"',
    ],
    [{ type: 'URL' }, 'extractlog: org is required'],
    [{ org: 'Acme Corp' }, 'extractlog: type is required'],
    [{ org: 'Acme Corp', type: 'url' }, "unknown log type 'url'"],
  ])('refuses extractlog %j in-band', async (args, error) => {
    await start();
    expect(await run([{ command: 'extractlog', ...args }])).toEqual([{ error }]);
  });
});

describe('Authentic8 emulator: orgs', () => {
  it.each([
    ['a unique name', 'US', 'Acme Corp/US'],
    ['a partial path', 'EU/Analysts', 'Acme Corp/EU/Analysts'],
    ['a full path', 'Acme Corp/US/Analysts', 'Acme Corp/US/Analysts'],
    ['a name with an escaped slash', 'OSINT\\/HUMINT', 'Acme Corp/OSINT\\/HUMINT'],
  ])('finds an org by %s', async (_how, org, path) => {
    const emu = await start({ backlog: 30 });
    const page = await extract({ org, type: emu.org(path).encrypted ? 'ENC' : 'URL', limit: 1000 });
    expect(page.logs.length).toBeGreaterThan(0);
    expect(page.logs.every((l) => l.org_id === undefined || l.org_id === emu.org(path).id)).toBe(true);
  });

  it.each([
    ['an unknown org', 'Initech', "No org matching 'Initech'"],
    ['an ambiguous name', 'Analysts', "No org matching 'Analysts' uniquely: 2 orgs have that name; give an org path"],
    ["another customer's org", 'Globex', "No org matching 'Globex'"],
    ['a name with an unescaped slash', 'OSINT/HUMINT', "No org matching 'OSINT/HUMINT'"],
  ])('answers "No org matching" for %s', async (_how, org, error) => {
    await start({ backlog: 10 });
    expect(await run([{ command: 'extractlog', org, type: 'URL' }])).toEqual([{ error }]);
  });

  it('parses org paths with escapes', () => {
    expect(parseOrgPath('Acme Corp/OSINT\\/HUMINT')).toEqual(['Acme Corp', 'OSINT/HUMINT']);
    expect(parseOrgPath('/a\\\\b/c/')).toEqual(['a\\b', 'c']);
  });
});

describe('Authentic8 emulator: extractlog paging', () => {
  it('caps limit at 1000 and pages with is_more and next_seq through every log of the type, in seq_id order', async () => {
    const emu = await start({ backlog: 50 });
    emu.addEvents(1200, { type: 'URL' });
    const urls = emu.events().filter((e) => e.type === 'URL');
    expect(urls.length).toBeGreaterThan(1000);
    expect((await extract({ type: 'URL', start_seq: 0, limit: 5000 })).logs).toHaveLength(1000);
    const { logs, calls } = await drain({ type: 'URL', limit: 5000 });
    expect(calls).toBe(Math.ceil(urls.length / 1000));
    expect(logs.map((l) => l.seq_id)).toEqual(urls.map((e) => e.seq));
  });

  it('shares one seq_id sequence among the types of an org, so each type has gaps', async () => {
    const emu = await start();
    const seqs = emu.events().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const auth = emu
      .events()
      .filter((e) => e.type === 'AUTH')
      .map((e) => e.seq);
    expect(auth.some((s, i) => i > 0 && s - (auth[i - 1] as number) > 3)).toBe(true);
  });

  it('hands back the next seq_id to read on a drained page: the scan position by default, the last one + 1 when told', async () => {
    const emu = await start();
    const last = emu
      .events()
      .filter((e) => e.type === 'AUTH')
      .at(-1)?.seq as number;
    expect(await extract({ type: 'AUTH', start_seq: 0 })).toMatchObject({
      is_more: false,
      next_seq: emu.org().nextSeq,
    });
    expect(await extract({ type: 'AUTH', start_seq: emu.org().nextSeq + 5 })).toMatchObject({
      is_more: false,
      logs: [],
      next_seq: emu.org().nextSeq + 5,
    });
    await emu.stop();
    const echo = await start({ drainedNextSeq: 'echo' });
    expect(await extract({ type: 'AUTH', start_seq: 0 })).toMatchObject({ is_more: false, next_seq: last + 1 });
    expect(await extract({ type: 'AUTH', start_seq: echo.org().nextSeq + 5 })).toMatchObject({
      logs: [],
      next_seq: echo.org().nextSeq + 5,
    });
  });

  it('bounds by end_seq, start_time and end_time (UTC), and forgets logs older than 90 days', async () => {
    const now = Date.now();
    const emu = await start({ backlog: 200, backlogStart: new Date(now - 100 * DAY) });
    const urls = emu.events().filter((e) => e.type === 'URL' && e.createTs * 1000 >= now - 90 * DAY);
    expect((await drain({ type: 'URL' })).logs.map((l) => l.seq_id)).toEqual(urls.map((e) => e.seq));
    const middle = urls[Math.floor(urls.length / 2)] as (typeof urls)[0];
    const upTo = await extract({ type: 'URL', start_seq: 0, end_seq: middle.seq });
    expect(upTo.logs.at(-1)?.seq_id).toBe(middle.seq);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    const since = await drain({ type: 'URL', start_time: day(now - 10 * DAY), end_time: day(now - 5 * DAY) });
    const expected = urls.filter(
      (e) => e.createTs >= Math.floor((now - 10 * DAY) / 1000) && e.createTs <= Math.floor((now - 5 * DAY) / 1000),
    );
    expect(since.logs.map((l) => l.seq_id)).toEqual(expected.map((e) => e.seq));
  });
});

describe('Authentic8 emulator: records', () => {
  it('serves URL logs with the keys of the vendor doc example, in its order, and create_ts as float epoch seconds', async () => {
    await start();
    const [log] = (await extract({ type: 'URL', start_seq: 0, limit: 1 })).logs;
    expect(Object.keys(log ?? {}).slice(0, 13)).toEqual([
      'domain',
      'user_id',
      'response_headers',
      'seq_id',
      'response_code',
      'org_id',
      'session_id',
      'headers',
      'create_ts',
      'response_size',
      'path',
      'scheme',
      'type',
    ]);
    expect(log?.create_ts).toBeGreaterThan(1.7e9);
    expect(log?.create_ts).toBeLessThan(Date.now() / 1000 + 1);
  });

  it("writes record texts as Python's json.dumps does, which JSON.stringify would not reproduce", async () => {
    const emu = await start({ backlog: 600 });
    const { text } = await post([
      { command: 'setauth', data: TOKEN },
      { command: 'extractlog', org: 'Acme Corp', type: 'DOWNLOAD', start_seq: 0 },
    ]);
    const downloads = emu.events().filter((e) => e.type === 'DOWNLOAD');
    expect(downloads.every((e) => text.includes(e.text) && JSON.stringify(JSON.parse(e.text)) !== e.text)).toBe(true);
    expect(downloads.some((e) => /\\u00e9|\\u5e74/.test(e.text))).toBe(true);
    const whole = emu.events().find((e) => Number.isInteger(e.createTs));
    expect(whole?.text).toContain(`"create_ts": ${whole?.createTs}.0`);
  });

  it('serves an org with encrypted logs only as ENC envelopes that the customer key opens', async () => {
    const emu = await start({ backlog: 60 });
    const org = emu.org('Acme Corp/EU/Analysts');
    expect(org.events.every((e) => e.type === 'ENC')).toBe(true);
    expect((await extract({ org: 'EU/Analysts', type: 'URL', start_seq: 0 })).logs).toEqual([]);
    const { logs } = await drain({ org: 'EU/Analysts', type: 'ENC' });
    expect(logs).toHaveLength(60);
    expect(Object.keys(logs[0] ?? {})).toEqual(['key_name', 'enc', 'encryption_type', 'type', 'create_ts', 'seq_id']);
    expect(logs.every((l) => l.key_name === org.keyName && l.encryption_type === 'Standard')).toBe(true);
    const inner = JSON.parse(decryptStandard(String(logs[0]?.enc), org.privateKeyPem ?? '')) as Record<string, unknown>;
    expect(inner).toMatchObject({ type: org.events[0]?.innerType, org_id: org.id });
    expect(org.events.some((e) => e.innerType === 'POST DATA' || e.innerType === 'COOKIES')).toBe(true);
  });

  it('produces the same logs from the same seed, and different ones from another', async () => {
    const texts: string[] = [];
    for (const seed of [4, 4, 5]) {
      const emu = await start({ seed, backlog: 50, now: () => 1_763_000_000_000 });
      texts.push(
        emu
          .events('Acme Corp/EU/Analysts')
          .map((e) => e.text)
          .join('\n') +
          emu
            .events()
            .map((e) => e.text)
            .join('\n'),
      );
      await emulators.stop();
    }
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).not.toBe(texts[2]);
  });

  it('adds live arrivals to the main org on a timer', async () => {
    const emu = await start({ backlog: 0, arrivalsPerSecond: 50 });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(emu.events().length).toBeGreaterThan(5);
    expect(emu.events('Acme Corp/US')).toHaveLength(0);
  });
});

describe('Authentic8 emulator: variety', () => {
  it('serves a share of logs in every documented shape when asked: fields null, empty or absent, reproducibly', async () => {
    // Prepare
    const logs = async () => {
      const emu = await start({ variety: 1, backlog: 150, now: () => Date.parse('2026-03-01T00:00:00Z') });
      const events = emu.events().map((e) => e.record);
      await emu.stop();
      return events;
    };

    // Act
    const [a, b] = [await logs(), await logs()];

    // Assess
    expect(a).toEqual(b);
    expect(a.some((r) => r.client_ip === null)).toBe(true);
    expect(a.some((r) => r.username === '')).toBe(true);
    expect(a.some((r) => r.type !== 'ENC' && !('session_id' in r))).toBe(true);
    expect(a.every((r) => typeof r.seq_id === 'number' && typeof r.create_ts === 'number')).toBe(true);
  });
});

describe('Authentic8 emulator: faults', () => {
  it('answers is_more with the start_seq it was given while stuckNextSeqNext lasts', async () => {
    const emu = await start({ faults: { stuckNextSeqNext: 1 } });
    expect(await extract({ type: 'URL', start_seq: 10, limit: 5 })).toMatchObject({ next_seq: 10, is_more: true });
    expect((await extract({ type: 'URL', start_seq: 10, limit: 5 })).next_seq).toBeGreaterThan(10);
    expect(emu.faults.stuckNextSeqNext).toBe(0);
  });

  it('injects in-band errors, 502s, 401s, truncated replies and hangs', async () => {
    const emu = await start({ faults: { commandErrorNext: 1, serverErrorNext: 1 } });
    expect((await post([])).status).toBe(502);
    expect(await run([{ command: 'extractlog', org: 'Acme Corp', type: 'URL' }])).toEqual([
      { error: 'OperationalError: log store unavailable, try again later' },
    ]);
    emu.faults.unauthorizedNext = 1;
    expect((await post([])).status).toBe(401);
    emu.faults.truncateNext = 1;
    const cut = await post([
      { command: 'setauth', data: TOKEN },
      { command: 'extractlog', org: 'Acme Corp', type: 'URL' },
    ]);
    expect(() => JSON.parse(cut.text)).toThrow();
    emu.faults.hangNext = 1;
    await expect(
      fetch(`${emu.baseUrl}/api/`, { method: 'POST', body: '[]', signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    expect(emu.stats).toMatchObject({ errors: 2, commandErrors: 1 });
  });
});

describe('startAuthentic8ForCli', () => {
  it('serves the main org with the local token and names org and types in the options', async () => {
    const running = await startAuthentic8ForCli({ backlog: 40, seed: 2 });
    try {
      expect(running).toMatchObject({
        vendor: 'authentic8',
        credentials: { token: AUTHENTIC8_LOCAL_TOKEN },
        options: { org: 'Acme Corp', types: 'all' },
      });
      expect(Buffer.from(AUTHENTIC8_LOCAL_TOKEN, 'base64').toString('base64')).toBe(AUTHENTIC8_LOCAL_TOKEN);
      expect(AUTHENTIC8_LOCAL_TOKEN).toHaveLength(32);
      const ids = running.eventIds();
      expect(ids).toHaveLength(40);
      expect(ids.every((id) => /^[0-9a-f]{32}:\d+$/.test(id))).toBe(true);
    } finally {
      await running.stop();
    }
  });

  it('gives ENC logs, which carry no org_id, their seq_id alone as native id', async () => {
    const emu = await start({ backlog: 5 });
    expect(emu.events('Acme Corp/EU/Analysts').map(authentic8NativeId)).toEqual(
      emu.events('Acme Corp/EU/Analysts').map((e) => String(e.seq)),
    );
  });
});
