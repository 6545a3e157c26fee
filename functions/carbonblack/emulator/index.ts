/**
 * Carbon Black for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { carbonBlackGenerated } from './arbitrary.ts';
import { carbonBlackBench } from './bench.ts';
import { startCarbonBlackForCli } from './emulator.ts';
import { carbonblackFuzz } from './fuzz.ts';
import { carbonBlackStands } from './stand.ts';

export const local: VendorLocal = {
  startEmulator: startCarbonBlackForCli,
  generated: carbonBlackGenerated,
  stands: carbonBlackStands,
  fuzz: carbonblackFuzz,
  bench: carbonBlackBench,
};
