/**
 * The unit tests' stand-ins for a vendor: a source as the config loader parses it, and a connector
 * whose pages the test scripts (cursor `{ n }`, records `{ id, t }` unless the test says otherwise).
 */
import * as z from 'zod';
import { parseSources, type Source } from '../../shared/config.ts';
import { defineConnector, type Connector } from '../../shared/connector.ts';
import { eventHead, StatusId } from '../../shared/ocsf.ts';

export const testRecord = z.object({ id: z.string(), t: z.number() });
export type TestRecord = z.infer<typeof testRecord>;
export interface Counter {
  n: number;
}

/** One source parsed by the config loader (no vendor option schemas): a Veza source from 2026-01-01 by default. */
export function testSource(
  fields: { id: string; baseUrl: string; credentials: Record<string, string> } & Record<string, unknown>,
): Source {
  return parseSources({ sources: [{ vendor: 'veza', startFrom: '2026-01-01T00:00:00Z', ...fields }] })
    .sources[0] as Source;
}

/**
 * A connector over `{ n }` cursors whose `fetchPage` the test scripts; the other members default to a Veza-like
 * test connector named `name` that normalizes a `{ id, t }` record to an API activity at `t`. A connector of other
 * records gives its own `recordSchema` (and `normalize`, when they have no `t`).
 */
export function scriptedConnector<R extends { id: string } = TestRecord>(
  parts: Pick<Connector<Counter, R>, 'fetchPage'> & Partial<Connector<Counter, R>>,
  name = 'Scripted',
): Connector<Counter, R> {
  const product = { vendorName: 'Test', name };
  return defineConnector<Counter, R>({
    vendor: 'veza',
    product,
    ocsfClasses: ['ApiActivity'],
    cursorSchema: z.object({ n: z.number() }),
    recordSchema: testRecord as unknown as z.ZodType<R>,
    credentialsSchema: z.object({ token: z.string() }),
    optionsSchema: z.object({}),
    initialCursor: () => ({ n: 0 }),
    nativeId: (r) => r.id,
    normalize: (r, base) =>
      eventHead(
        {
          cls: 'ApiActivity',
          activityId: 1,
          time: (r as unknown as TestRecord).t,
          message: 'x',
          statusId: StatusId.Success,
        },
        base,
        product,
      ),
    ...parts,
  });
}
