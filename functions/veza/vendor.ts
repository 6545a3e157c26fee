/** The vendor as the registry holds it (functions/vendor-module.ts). */
import { defineVendor } from '../vendor-module.ts';
import { vezaConnector } from './connector.ts';

export const vezaVendor = defineVendor({
  connector: vezaConnector,
  // Export pages can hold 10,000 records: memory for parsing, a long timeout for backlogs.
  lambda: { timeoutSeconds: 900, memoryMb: 1024 },
  local: async () => (await import('./emulator/index.ts')).local,
});
