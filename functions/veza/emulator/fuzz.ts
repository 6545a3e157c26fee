/** Veza as the fuzzer fakes it (local/chaos/fuzz.ts): export-stream pages and google.rpc.Status errors. */
import { FUZZ_TOKEN, type FuzzVendor } from '../../../local/chaos/fuzz-pages.ts';
import { vezaConnector } from '../connector.ts';
import { createVezaLog } from './data.ts';

export const vezaFuzz: FuzzVendor = {
  connector: vezaConnector,
  credentials: { token: 'fuzz-veza-secret-91c2e0' },
  options: { pageSize: 10 },
  required: ['id', 'timestamp', 'request_id', 'ended_at'],
  records: (random, n, at) => {
    const log = createVezaLog(Math.floor(random() * 1e9), 'mixed');
    return Array.from({ length: n }, () => log.append(at).record as unknown as Record<string, unknown>);
  },
  page: (texts, request) =>
    `{"values": [${texts.join(', ')}], "next_page_token": ${JSON.stringify(`${request.url.searchParams.get('next_page_token') ?? ''}${FUZZ_TOKEN}`)}}`,
  empty: (request) =>
    `{"values": [], "next_page_token": ${JSON.stringify(request.url.searchParams.get('next_page_token') ?? FUZZ_TOKEN)}}`,
  wrong: (texts) => [
    `{"values": {}}`,
    `{"next_page_token": "${FUZZ_TOKEN}"}`,
    `{"values": [${texts.join(',')}]}`,
    `{"values": [${texts.join(',')}], "next_page_token": 7}`,
    `{"values": "${FUZZ_TOKEN}"}`,
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
