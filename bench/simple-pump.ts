/**
 * The yardstick of the throttled drain (bench/throttling.ts): the simplest pump of the Veza export
 * that honours a throttling answer's delay. It follows `next_page_token` until an empty page and,
 * on a 429, sleeps the `Retry-After` seconds (else 60 s, Veza's default) and asks again. It
 * delivers nothing and keeps no cursor but the token it returns: whatever audit-pump takes beyond
 * it is the price of delivery, commits and the shared throttle state.
 */

const EXPORT_PATH = '/api/preview/system/audit/export';

/** One run from a bootstrap time or a token; returns the events read and the token to continue from. */
export async function simplePump(
  baseUrl: string,
  token: string,
  pageSize: number,
  from: { bootstrap?: string; token?: string },
): Promise<{ events: number; token: string }> {
  let next = from.token;
  let events = 0;
  for (;;) {
    const url = new URL(EXPORT_PATH, baseUrl);
    url.searchParams.set('page_size', String(pageSize));
    if (next) url.searchParams.set('next_page_token', next);
    else url.searchParams.set('filter', `persisted_at GE "${from.bootstrap ?? new Date(0).toISOString()}"`);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (res.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after') ?? 60) * 1000));
      continue;
    }
    if (res.status !== 200) throw new Error(`simple pump: HTTP ${res.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { values: unknown[]; next_page_token: string };
    if (body.values.length === 0) return { events, token: next ?? body.next_page_token };
    events += body.values.length;
    next = body.next_page_token;
  }
}
