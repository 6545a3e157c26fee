/** The vendor as the registry holds it (functions/vendor-module.ts). */
import { defineVendor } from '../vendor-module.ts';
import { carbonBlackConnector } from './connector.ts';

export const carbonblackVendor = defineVendor({
  connector: carbonBlackConnector,
  // Search pages and queue batches of a few thousand records.
  lambda: { timeoutSeconds: 900, memoryMb: 1024 },
  local: async () => (await import('./emulator/index.ts')).local,
});
