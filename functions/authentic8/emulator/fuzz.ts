/** Authentic8 as the fuzzer fakes it (local/chaos/fuzz.ts): setauth and extractlog replies, in-band errors. */
import { type FuzzRequest, type FuzzVendor } from '../../../local/chaos/fuzz-pages.ts';
import { authentic8Connector } from '../connector.ts';
import { createAuthentic8Log } from './data.ts';

/** Authentic8 replies: setauth's, then extractlog's (functions/authentic8/README.md). */
function a8Reply(result: string): string {
  return `[{"result": "setting auth from data"}, {"result": ${result}, "command_id": "extractlog URL"}]`;
}
function a8Start(request: FuzzRequest): number | undefined {
  const command = (JSON.parse(request.body) as Array<{ start_seq?: number }>)[1];
  return command?.start_seq;
}

export const authentic8Fuzz: FuzzVendor = {
  connector: authentic8Connector,
  credentials: { token: Buffer.from('fuzz-authentic8-secret-4f').toString('base64') },
  options: { org: 'Acme Corp', types: ['URL'] },
  required: ['seq_id', 'create_ts', 'domain'],
  records: (random, n, at) => {
    const log = createAuthentic8Log(Math.floor(random() * 1e9));
    const org = log.orgs[0];
    if (!org) throw new Error('no org');
    return Array.from({ length: n }, () => log.append(org, at, 'URL').record);
  },
  page: (texts, request, more = false) => {
    const seqs = texts
      .map((t) => Number((JSON.parse(t) as { seq_id?: unknown } | null)?.seq_id))
      .filter(Number.isSafeInteger);
    const next = Math.max(a8Start(request) ?? 0, ...seqs.map((s) => s + 1), 1);
    return a8Reply(`{"next_seq": ${next}, "logs": [${texts.join(', ')}], "is_more": ${more}}`);
  },
  empty: (request) => a8Reply(`{"next_seq": ${a8Start(request) ?? 1}, "logs": [], "is_more": false}`),
  wrong: (texts) => [
    `[{"result": "setting auth from data"}]`,
    `{"result": {"next_seq": 5, "logs": [], "is_more": false}}`,
    a8Reply(`{"next_seq": "5", "logs": [${texts.join(', ')}], "is_more": false}`),
    a8Reply(`{"next_seq": 5, "logs": {}, "is_more": false}`),
    a8Reply(`{"logs": [${texts.join(', ')}]}`),
    `[{"result": "ok"}, {"error": "OperationalError: fuzz"}]`,
    a8Reply('"logs"'),
  ],
  loop: (texts, request) => {
    const start = a8Start(request);
    return start === undefined
      ? undefined
      : a8Reply(`{"next_seq": ${start}, "logs": [${texts.join(', ')}], "is_more": true}`);
  },
  // In-band `{"error": ...}` replies inside an HTTP 200 (functions/authentic8/README.md): for setauth, for the command,
  // for
  // the whole call.
  echoes: (echo) => [
    { status: 200, body: `[{"error": "KeyError: '${echo}'"}, {"result": {}}]` },
    {
      status: 200,
      body: `[{"result": "setting auth from data"}, {"error": "OperationalError: auth ${echo} has no access"}]`,
    },
    { status: 200, body: `{"error": "No org matching token ${echo}"}` },
    { status: 500, body: `<html>Internal Server Error: setauth ${echo}</html>` },
  ],
};
