/** The vendor as the registry holds it (functions/vendor-module.ts). */
import { defineVendor } from '../vendor-module.ts';
import { authentic8Connector } from './connector.ts';

export const authentic8Vendor = defineVendor({
  connector: authentic8Connector,
  // 1,000 records per command, several log types per source.
  lambda: { timeoutSeconds: 900, memoryMb: 512 },
  local: async () => (await import('./emulator/index.ts')).local,
});
