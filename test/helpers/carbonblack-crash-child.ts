/**
 * A pump process for the queue-mode crash test: runs one Carbon Black source in queue mode on the
 * local stack under the given state dir, prints `spooled <key>` once the first batch is durable in
 * the spool, then stalls before delivering it, so the parent can kill it at exactly that point.
 *
 * argv: <baseUrl> <orgKey> <apiId> <apiSecret> <stateDir> <archiveDir> <leaseMs>
 */
import { carbonBlackConnector } from '../../functions/carbonblack/connector.ts';
import { cbOptions } from '../../functions/carbonblack/schemas.ts';
import { startLocalStack } from '../../local/aws/stack.ts';
import { parseSources } from '../../shared/config.ts';
import { createPump } from '../../shared/handler.ts';
import type { Spool } from '../../shared/spool.ts';

const [baseUrl, orgKey, apiId, apiSecret, stateDir, archiveDir, leaseMs] = process.argv.slice(2) as string[];
const { sources } = parseSources(
  {
    sources: [
      {
        id: 'cb-crash',
        vendor: 'carbonblack',
        baseUrl,
        credentials: { apiId, apiSecret },
        startFrom: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        options: { orgKey, mode: 'queue' },
      },
    ],
  },
  { carbonblack: cbOptions },
);
const stack = await startLocalStack({
  sources,
  stateDir: stateDir as string,
  archiveDir: archiveDir as string,
  leaseMs: Number(leaseMs),
});
const stalling: Spool = {
  put: async (key, bytes) => {
    await stack.spool.put(key, bytes);
    process.stdout.write(`spooled ${key}\n`);
    await new Promise(() => undefined); // never delivers: the parent kills this process here
  },
  list: (prefix) => stack.spool.list(prefix),
  get: (key) => stack.spool.get(key),
  delete: (key) => stack.spool.delete(key),
};
const pump = createPump(carbonBlackConnector, {
  config: stack.config,
  clients: stack.clients,
  spool: stalling,
});
await pump({ sourceId: 'cb-crash' }, 60_000);
process.stdout.write('finished without stalling\n');
await stack.stop();
