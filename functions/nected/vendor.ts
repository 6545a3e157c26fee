/** The vendor as the registry holds it (functions/vendor-module.ts). */
import { defineVendor } from '../vendor-module.ts';
import { nectedConnector } from './connector.ts';

export const nectedVendor = defineVendor({
  connector: nectedConnector,
  // 10 records a page, fetched concurrently; small pages, many requests.
  lambda: { timeoutSeconds: 900, memoryMb: 512 },
  local: async () => (await import('./emulator/index.ts')).local,
});
