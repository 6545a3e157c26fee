/** The vendor as the registry holds it (functions/vendor-module.ts). */
import { defineVendor } from '../vendor-module.ts';
import { retracedConnector } from './connector.ts';

export const retracedVendor = defineVendor({
  connector: retracedConnector,
  // GraphQL pages of up to 1,000 nodes within settle-lagged windows.
  lambda: { timeoutSeconds: 900, memoryMb: 512 },
  local: async () => (await import('./emulator/index.ts')).local,
});
