/**
 * Retraced for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { retracedGenerated } from './arbitrary.ts';
import { retracedBench } from './bench.ts';
import { startRetracedForCli } from './emulator.ts';
import { retracedFuzz } from './fuzz.ts';
import { retracedStands } from './stand.ts';

export const local: VendorLocal = {
  startEmulator: startRetracedForCli,
  generated: retracedGenerated,
  stands: retracedStands,
  fuzz: retracedFuzz,
  bench: retracedBench,
};
