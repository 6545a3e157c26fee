/**
 * `rawRecordsAt` cuts records out of an array nested in objects, such as GraphQL's
 * `data.search.edges[].node`, with their exact bytes (DESIGN.md 4.4).
 */
import { describe, expect, it } from '@jest/globals';
import { MalformedPageError } from '../../shared/errors.ts';
import { rawRecordsAt } from '../../shared/raw-json.ts';

const NODES = [
  String.raw`{ "id" : "a1", "n": 1.0, "s": "}]\" {[", "nested": {"node": "not this one"} }`,
  String.raw`{"id":"b2","list":[{"key":"k","value":null}],"u":"caf\u00e9"}`,
];
/** A GraphQL response in which the nodes sit at data.search.edges[].node, keys in varied order. */
const BODY =
  `{\n  "data": { "search" : { "totalCount": 2, "edges" : [\n` +
  `    { "cursor": "MSxh", "node" : ${NODES[0] ?? ''} },\n` +
  `    {"node":${NODES[1] ?? ''},"cursor":"Mixi"}\n  ], "pageInfo": {"edges": []} } }\n}`;

describe('rawRecordsAt', () => {
  it("cuts each element's field out of a nested array byte for byte, paired with its parsed value", () => {
    // Act
    const records = rawRecordsAt(BODY, JSON.parse(BODY), ['data', 'search', 'edges'], 'node');

    // Assess
    expect(records.map((r) => r.raw)).toEqual(NODES);
    expect(records.map((r) => r.value)).toEqual(NODES.map((n) => JSON.parse(n) as unknown));
  });

  it('returns whole elements without a field, and a null field value as the text null', () => {
    // Prepare
    const text = '{"a":{"b":[ {"x":1} , {"node":null} ]}}';

    // Act
    const whole = rawRecordsAt(text, JSON.parse(text), ['a', 'b']);
    const nodes = rawRecordsAt('{"a":{"b":[{"node":null}]}}', { a: { b: [{ node: null }] } }, ['a', 'b'], 'node');

    // Assess
    expect(whole.map((r) => r.raw)).toEqual(['{"x":1}', '{"node":null}']);
    expect(nodes).toEqual([{ raw: 'null', value: null }]);
  });

  it('follows the last of a repeated key, as JSON.parse does', () => {
    // Prepare
    const text = '{"data":{"edges":[{"node":1}]},"data":{"edges":[{"node":2},{"node":3}]}}';

    // Act
    const records = rawRecordsAt(text, JSON.parse(text), ['data', 'edges'], 'node');

    // Assess
    expect(records.map((r) => r.raw)).toEqual(['2', '3']);
  });

  it.each([
    ['a missing key on the path', '{"data":{"search":null}}', ['data', 'search', 'edges'], undefined],
    ['a path that ends on an object', '{"data":{"search":{}}}', ['data', 'search'], undefined],
    ['an element without the field', '{"data":[{"cursor":"x"}]}', ['data'], 'node'],
  ])('throws MalformedPageError for %s', (_name, text, path, field) => {
    // Act
    const act = () => rawRecordsAt(text, JSON.parse(text), path, field);

    // Assess
    expect(act).toThrow(MalformedPageError);
  });
});
