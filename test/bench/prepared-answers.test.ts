/** The bench's prepared answers: recorded once from an origin, then replayed byte for byte without it. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { startPreparedAnswers } from '../../bench/prepared-answers.ts';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** An origin that answers each request with a counter, so a second answer differs from the first. */
async function counterOrigin(): Promise<{ url: string; calls: () => number }> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    calls++;
    res.writeHead(200, { 'content-type': 'application/json', 'x-vendor': 'yes' });
    res.end(JSON.stringify({ path: req.url, call: calls, text: 'café' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls };
}

async function prepared(origin: string): Promise<Awaited<ReturnType<typeof startPreparedAnswers>>> {
  const front = await startPreparedAnswers(origin);
  stops.unshift(() => front.stop());
  return front;
}

describe('prepared answers', () => {
  it('replays what it recorded, in the order recorded per request, without asking the origin again', async () => {
    // Prepare
    const origin = await counterOrigin();
    const front = await prepared(origin.url);
    const first = await (await fetch(`${front.url}/page?n=1`)).text();
    const second = await (await fetch(`${front.url}/page?n=1`)).text();

    // Act
    front.replay(0);
    const replayed = [await fetch(`${front.url}/page?n=1`), await fetch(`${front.url}/page?n=1`)];

    // Assess
    expect(await replayed[0]?.text()).toBe(first);
    expect(await replayed[1]?.text()).toBe(second);
    expect(replayed[0]?.headers.get('x-vendor')).toBe('yes');
    expect(origin.calls()).toBe(2);
    expect(front.stats()).toMatchObject({ mode: 'replay', requests: 2 });
    expect(front.bodies().map((b) => b.toString('utf8'))).toEqual([first, second]);
  });

  it('tells a request it never recorded with a 500 that names it', async () => {
    // Prepare
    const origin = await counterOrigin();
    const front = await prepared(origin.url);
    await (await fetch(`${front.url}/page?n=1`)).text();
    front.replay(0);

    // Act
    const res = await fetch(`${front.url}/page?n=2`, { method: 'POST', body: '{"cursor":"x"}' });

    // Assess
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('/page?n=2');
    expect(origin.calls()).toBe(1);
  });
});
