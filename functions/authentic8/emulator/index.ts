/**
 * Authentic8 for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { authentic8Generated } from './arbitrary.ts';
import { authentic8Bench } from './bench.ts';
import { startAuthentic8ForCli } from './emulator.ts';
import { authentic8Fuzz } from './fuzz.ts';
import { authentic8Stands } from './stand.ts';

export const local: VendorLocal = {
  startEmulator: startAuthentic8ForCli,
  generated: authentic8Generated,
  stands: authentic8Stands,
  fuzz: authentic8Fuzz,
  bench: authentic8Bench,
};
