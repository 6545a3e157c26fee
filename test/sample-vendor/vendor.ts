/** The sample vendor as the registry holds it (functions/vendor-module.ts); `registerVendor` adds it. */
import { defineVendor } from '../../functions/vendor-module.ts';
import { sampleConnector } from './connector.ts';

export const sampleVendor = defineVendor({
  connector: sampleConnector,
  lambda: { timeoutSeconds: 300, memoryMb: 256 },
  local: async () => (await import('./local.ts')).sampleLocal,
});
