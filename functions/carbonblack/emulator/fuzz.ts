/** Carbon Black as the fuzzer fakes it (local/chaos/fuzz.ts): search pages and `{success: false}` errors. */
import { FUZZ_TOKEN, type FuzzVendor } from '../../../local/chaos/fuzz-pages.ts';
import { carbonBlackConnector } from '../connector.ts';
import { createCbLog } from './data.ts';

const cbPage = (found: number, texts: readonly string[]): string =>
  `{"num_found":${found},"num_available":${found},"results":[${texts.join(',')}]}`;

export const carbonblackFuzz: FuzzVendor = {
  connector: carbonBlackConnector,
  credentials: { apiId: 'FUZZKEYID1', apiSecret: 'fuzz-cb-secret-8e11c3' },
  options: { orgKey: 'ABCD1234', rows: 1000 },
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
    `{"num_found":1,"results":"${FUZZ_TOKEN}"}`,
  ],
  // `{success: false, message}` bodies, with 401 and inside a 200 (functions/carbonblack/README.md).
  echoes: (echo) => [
    { status: 401, body: `{"success":false,"message":"Invalid API key FUZZKEYID1/${echo}"}` },
    { status: 200, body: `{"success":false,"message":"X-Auth-Token ${echo} is not authorized"}` },
    { status: 503, body: `{"success":false,"message":"backend busy for ${echo}"}` },
  ],
};
