/**
 * Nected for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { nectedGenerated } from './arbitrary.ts';
import { nectedBench } from './bench.ts';
import { startNectedForCli } from './emulator.ts';
import { nectedFuzz } from './fuzz.ts';
import { nectedStands } from './stand.ts';

export const local: VendorLocal = {
  startEmulator: startNectedForCli,
  generated: nectedGenerated,
  stands: nectedStands,
  fuzz: nectedFuzz,
  bench: nectedBench,
};
