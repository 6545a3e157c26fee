/**
 * A pump process for the queue-mode crash test: runs one Carbon Black source in queue mode on the
 * local stack under the given state dir, prints `spooled <key>` once the first batch is durable in
 * the spool, then stalls before delivering it, so the parent can kill it at exactly that point.
 *
 * argv: <baseUrl> <orgKey> <apiId> <apiSecret> <stateDir> <archiveDir> <leaseMs>
 */
import { carbonBlackConnector } from '../../functions/carbonblack/connector.ts';
import { startLocalStack } from '../../local/aws/stack.ts';
import { createPump } from '../../shared/handler.ts';
import { hookedSpool, worldSources } from './world.ts';

const [baseUrl, orgKey, apiId, apiSecret, stateDir, archiveDir, leaseMs] = process.argv.slice(2) as string[];
const sources = worldSources(carbonBlackConnector, {
  id: 'cb-crash',
  baseUrl: baseUrl as string,
  credentials: { apiId: apiId as string, apiSecret: apiSecret as string },
  options: { orgKey, mode: 'queue' },
});
const stack = await startLocalStack({
  sources,
  stateDir: stateDir as string,
  archiveDir: archiveDir as string,
  leaseMs: Number(leaseMs),
});
const stalling = hookedSpool(stack.spool, async (key) => {
  process.stdout.write(`spooled ${key}\n`);
  await new Promise(() => undefined); // never delivers: the parent kills this process here
});
const pump = createPump(carbonBlackConnector, {
  config: stack.config,
  clients: stack.clients,
  spool: stalling,
});
await pump({ sourceId: 'cb-crash' }, 60_000);
process.stdout.write('finished without stalling\n');
await stack.stop();
