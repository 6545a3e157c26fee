/** Retraced as the fuzzer fakes it (local/chaos/fuzz.ts): GraphQL search pages and errors. */
import { type FuzzVendor } from '../../../local/chaos/fuzz-pages.ts';
import { retracedConnector } from '../connector.ts';
import { RetracedLog, makePublished, toNode } from './data.ts';

const cursorOf = (node: Record<string, unknown>): string =>
  Buffer.from(`${Date.parse(String(node.canonical_time))},${String(node.id)}`).toString('base64');

export const retracedFuzz: FuzzVendor = {
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
