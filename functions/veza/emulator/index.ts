/**
 * Veza for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { vezaGenerated } from './arbitrary.ts';
import { vezaBench } from './bench.ts';
import { startVezaForCli } from './emulator.ts';
import { vezaFuzz } from './fuzz.ts';
import { vezaStands } from './stand.ts';

export const local: VendorLocal = {
  startEmulator: startVezaForCli,
  generated: vezaGenerated,
  stands: vezaStands,
  fuzz: vezaFuzz,
  bench: vezaBench,
};
