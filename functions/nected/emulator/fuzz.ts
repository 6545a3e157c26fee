/** Nected as the fuzzer fakes it (local/chaos/fuzz.ts): offset pages in the success envelope, its error codes. */
import { type FuzzVendor } from '../../../local/chaos/fuzz-pages.ts';
import { nectedConnector } from '../connector.ts';
import { createNectedLog } from './data.ts';

const nectedPage = (total: number, texts: readonly string[], pageNo = 1): string =>
  `{"totalCount": ${total}, "totalPages": ${Math.ceil(total / 10)}, "pageNo": ${pageNo}, "pageSize": 10, "data": ${texts.length ? `[${texts.join(', ')}]` : 'null'}, "code": "success", "message": "success."}`;

export const nectedFuzz: FuzzVendor = {
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
