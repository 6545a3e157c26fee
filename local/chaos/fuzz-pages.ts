/**
 * The fuzzer's knowledge of each vendor: valid records (from the emulators' generators), the
 * fields a record cannot do without, a page in the vendor's envelope around given record texts,
 * the answer of a caught-up vendor, envelopes that are wrong for the vendor, and a page sequence
 * whose cursor does not move (a pagination loop).
 */
import { authentic8Connector } from '../../functions/authentic8/connector.ts';
import { carbonBlackConnector } from '../../functions/carbonblack/connector.ts';
import { nectedConnector } from '../../functions/nected/connector.ts';
import { retracedConnector } from '../../functions/retraced/connector.ts';
import { vezaConnector } from '../../functions/veza/connector.ts';
import type { Vendor } from '../../shared/config.ts';
import type { Connector } from '../../shared/connector.ts';
import { createAuthentic8Log } from '../../functions/authentic8/emulator/data.ts';
import { createCbLog } from '../../functions/carbonblack/emulator/data.ts';
import { createNectedLog } from '../../functions/nected/emulator/data.ts';
import { RetracedLog, makePublished, toNode } from '../../functions/retraced/emulator/data.ts';
import type { Random } from '../emulators/random.ts';
import { createVezaLog } from '../../functions/veza/emulator/data.ts';

/** One answer of the fake vendor. */
export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string | Uint8Array;
}

/** A vendor as the fuzzer sees it; `at` is the middle of the window the source reads. */
export interface FuzzVendor {
  readonly vendor: Vendor;
  readonly connector: Connector;
  readonly credentials: Record<string, string>;
  readonly options: Record<string, unknown>;
  /** Fields whose absence or wrong type makes a record invalid. */
  readonly required: readonly string[];
  /** Records a page needs to be followed by another (a full page); 1 when any page can be. */
  readonly full: number;
  records(random: Random, n: number, at: number): Array<Record<string, unknown>>;
  /** A valid page holding these record texts; `more` asks for a continuation (loop cases). */
  page(texts: readonly string[], request: FuzzRequest, more?: boolean): string;
  /** What the vendor answers when there is nothing more. */
  empty(request: FuzzRequest): string;
  /** Envelopes that are wrong for this vendor, around these record texts. */
  wrong(texts: readonly string[]): string[];
  /**
   * Two pages whose second leaves the cursor where it was while records come back; undefined if the vendor cannot loop.
   */
  loop?(texts: readonly string[], request: FuzzRequest): string | undefined;
  /**
   * The vendor's own error answers (in-band ones inside an HTTP 200, and its error statuses) with
   * `echo` quoted where the vendor quotes what it was sent: a credential echoed back must never
   * reach an error, a log or the archive.
   */
  echoes(echo: string): Answer[];
}

/** The forms a vendor may echo a credential in: as sent, URL-encoded, base64, inside a JSON string. */
export function echoForms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    JSON.stringify(`"${secret}"`).slice(1, -1),
  ];
}

/** The request the fake vendor answers. */
export interface FuzzRequest {
  readonly url: URL;
  readonly body: string;
}

const TOKEN = 'fuzz-page-token-1';

const veza: FuzzVendor = {
  vendor: 'veza',
  connector: vezaConnector,
  credentials: { token: 'fuzz-veza-secret-91c2e0' },
  options: { pageSize: 10 },
  full: 1,
  required: ['id', 'timestamp', 'request_id', 'ended_at'],
  records: (random, n, at) => {
    const log = createVezaLog(Math.floor(random() * 1e9), 'mixed');
    return Array.from({ length: n }, () => log.append(at).record as unknown as Record<string, unknown>);
  },
  page: (texts, request) =>
    `{"values": [${texts.join(', ')}], "next_page_token": ${JSON.stringify(`${request.url.searchParams.get('next_page_token') ?? ''}${TOKEN}`)}}`,
  empty: (request) =>
    `{"values": [], "next_page_token": ${JSON.stringify(request.url.searchParams.get('next_page_token') ?? TOKEN)}}`,
  wrong: (texts) => [
    `{"values": {}}`,
    `{"next_page_token": "${TOKEN}"}`,
    `{"values": [${texts.join(',')}]}`,
    `{"values": [${texts.join(',')}], "next_page_token": 7}`,
    `{"values": "${TOKEN}"}`,
  ],
  loop: (texts, request) =>
    `{"values": [${texts.join(', ')}], "next_page_token": ${JSON.stringify(request.url.searchParams.get('next_page_token') ?? '')}}`,
  // google.rpc.Status bodies (functions/veza/README.md); Veza has no in-band errors inside a 200.
  echoes: (echo) => [
    { status: 401, body: `{"code":16,"message":"Request unauthenticated with bearer ${echo}","details":[]}` },
    { status: 400, body: `{"code":3,"message":"invalid page token for key ${echo}","details":[]}` },
    { status: 500, body: `{"code":13,"message":"internal: authorization=Bearer ${echo}","details":[]}` },
  ],
};

/** Authentic8 replies: setauth's, then extractlog's (functions/authentic8/README.md). */
function a8Reply(result: string): string {
  return `[{"result": "setting auth from data"}, {"result": ${result}, "command_id": "extractlog URL"}]`;
}
function a8Start(request: FuzzRequest): number | undefined {
  const command = (JSON.parse(request.body) as Array<{ start_seq?: number }>)[1];
  return command?.start_seq;
}

const authentic8: FuzzVendor = {
  vendor: 'authentic8',
  connector: authentic8Connector,
  credentials: { token: Buffer.from('fuzz-authentic8-secret-4f').toString('base64') },
  options: { org: 'Acme Corp', types: ['URL'] },
  full: 1,
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

const cursorOf = (node: Record<string, unknown>): string =>
  Buffer.from(`${Date.parse(String(node.canonical_time))},${String(node.id)}`).toString('base64');

const retraced: FuzzVendor = {
  vendor: 'retraced',
  connector: retracedConnector,
  credentials: { token: 'fuzz-retraced-secret-6d0b' },
  options: { pageSize: 8 },
  full: 8,
  required: ['id', 'received', 'canonical_time'],
  records: (random, n, at) => {
    const log = new RetracedLog(Math.floor(random() * 1e9));
    return Array.from({ length: n }, () =>
      toNode(log.publish(makePublished(random, { id: 'g', name: 'G' }, at), at, 0)),
    );
  },
  page: (texts) =>
    `{"data":{"search":{"edges":[${texts.map((t, i) => `{"cursor":${JSON.stringify(safeCursor(t, i))},"node":${t}}`).join(',')}]}}}`,
  empty: () => '{"data":{"search":{"edges":[]}}}',
  wrong: (texts) => [
    '{"data":null}',
    '{"data":{"search":{"edges":{}}}}',
    `{"data":{"search":{"edges":[${texts.map((t) => `{"node":${t}}`).join(',')}]}}}`,
    '{"errors":[{"message":"fuzz"}],"data":{"search":{"edges":[]}}}',
    '{"data":{"search":null}}',
  ],
  loop: (texts, request) => {
    const after = (JSON.parse(request.body) as { variables?: { after?: string | null } }).variables?.after;
    if (!after) return undefined;
    return `{"data":{"search":{"edges":[${texts.map((t) => `{"cursor":${JSON.stringify(after)},"node":${t}}`).join(',')}]}}}`;
  },
  // GraphQL errors inside a 200, the unhelpful 400 and the crash 500 (functions/retraced/README.md).
  echoes: (echo) => [
    {
      status: 200,
      body: `{"errors":[{"message":"invalid token=${echo}","locations":[{"line":1,"column":1}]}],"data":null}`,
    },
    {
      status: 400,
      body: `{"errors":[{"message":"Unexpected error value: { status: 400, err: {} } for token=${echo}"}]}`,
    },
    { status: 500, body: `{"error":"Cannot read properties of undefined (reading 'token=${echo}')"}` },
  ],
};

/** The edge cursor of a node text, or an index-based one when the node is not an object. */
function safeCursor(text: string, i: number): string {
  try {
    const node = JSON.parse(text) as Record<string, unknown> | null;
    return node && typeof node === 'object' && !Array.isArray(node)
      ? cursorOf(node)
      : Buffer.from(`${i},x${i}`).toString('base64');
  } catch {
    return Buffer.from(`${i},x${i}`).toString('base64');
  }
}

const nectedPage = (total: number, texts: readonly string[], pageNo = 1): string =>
  `{"totalCount": ${total}, "totalPages": ${Math.ceil(total / 10)}, "pageNo": ${pageNo}, "pageSize": 10, "data": ${texts.length ? `[${texts.join(', ')}]` : 'null'}, "code": "success", "message": "success."}`;

const nected: FuzzVendor = {
  vendor: 'nected',
  connector: nectedConnector,
  credentials: { apiKey: 'fuzz-nected-secret-2a7e' },
  options: { api: 'v1', branch: 'main', concurrency: 1 },
  full: 10,
  required: ['logId', 'date'],
  records: (random, n, at) => {
    const log = createNectedLog(Math.floor(random() * 1e9));
    return Array.from({ length: n }, () => log.insert(at).record as unknown as Record<string, unknown>);
  },
  page: (texts, _request, more = false) => nectedPage(texts.length + (more ? 10 : 0), texts),
  empty: () => nectedPage(0, []),
  wrong: (texts) => [
    nectedPage(texts.length, texts).replace('"totalCount"', '"total"'),
    `{"totalCount": "x", "data": [${texts.join(',')}]}`,
    `{"totalCount": 1, "data": {}}`,
    nectedPage(texts.length, texts).replace('"code": "success"', '"code": "ERROR"'),
    nectedPage(texts.length, texts).replace('"pageSize": 10', '"pageSize": 50'),
  ],
  // The envelope's code and message inside a 200, and error statuses with a message (functions/nected/README.md).
  echoes: (echo) => [
    {
      status: 200,
      body: `{"totalCount": 0, "data": null, "code": "UNAUTHORIZED", "message": "invalid Nected-API-Key ${echo}"}`,
    },
    { status: 401, body: `{"code": "UNAUTHORIZED", "message": "api key ${echo} is not valid"}` },
    { status: 500, body: `{"code": "ERROR", "message": "failed for key ${echo}"}` },
  ],
};

const cbPage = (found: number, texts: readonly string[]): string =>
  `{"num_found":${found},"num_available":${found},"results":[${texts.join(',')}]}`;

const carbonblack: FuzzVendor = {
  vendor: 'carbonblack',
  connector: carbonBlackConnector,
  credentials: { apiId: 'FUZZKEYID1', apiSecret: 'fuzz-cb-secret-8e11c3' },
  options: { orgKey: 'ABCD1234', rows: 1000 },
  full: 1,
  required: ['create_time', 'description'],
  records: (random, n, at) => {
    const log = createCbLog(Math.floor(random() * 1e9), 'ABCD1234');
    return Array.from({ length: n }, () => (log.append(at, 1)[0]?.record ?? {}) as unknown as Record<string, unknown>);
  },
  page: (texts, _request, more = false) => cbPage(texts.length + (more ? 10 : 0), texts),
  empty: () => cbPage(0, []),
  wrong: (texts) => [
    `{"results":[${texts.join(',')}]}`,
    `{"num_found":"1","results":[]}`,
    `{"num_found":1,"results":{}}`,
    cbPage(texts.length + 5, []),
    `{"num_found":1,"results":"${TOKEN}"}`,
  ],
  // `{success: false, message}` bodies, with 401 and inside a 200 (functions/carbonblack/README.md).
  echoes: (echo) => [
    { status: 401, body: `{"success":false,"message":"Invalid API key FUZZKEYID1/${echo}"}` },
    { status: 200, body: `{"success":false,"message":"X-Auth-Token ${echo} is not authorized"}` },
    { status: 503, body: `{"success":false,"message":"backend busy for ${echo}"}` },
  ],
};

/** The vendors the fuzzer knows. */
export const FUZZ_VENDORS: readonly FuzzVendor[] = [veza, authentic8, retraced, nected, carbonblack];
