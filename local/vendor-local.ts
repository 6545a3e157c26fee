/**
 * What a vendor brings to the local tools, beside its connector: its emulator (for `audit-pump
 * emulate`, `npm start` and the tests), generators of its records in every documented shape, its
 * stands in the chaos campaign, its fake pages for the fuzzer, and how the benchmark drains it.
 * Each vendor's `functions/<vendor>/emulator/index.ts` exports one; local/vendors.ts loads them
 * through the registry, so nothing here names a vendor.
 */
import type { StandDefinition } from './chaos/stand-kit.ts';
import type { FuzzVendor } from './chaos/fuzz-pages.ts';
import type { EmulatorSettings, RunningEmulator } from './emulators/emulators.ts';
import type { Wire } from './emulators/generated-records.ts';

/** How the drain benchmark reads the vendor (bench/drain-section.ts). */
export interface VendorBench {
  /** The vendor's largest page (records a request). */
  readonly maxPage: number;
  /** Requests the API lets one reader have in flight: one unless it says more. */
  readonly concurrency?: number;
  /** Source options that read at `maxPage` and `concurrency`. */
  readonly options: Record<string, unknown>;
  /** Why these numbers (for the report). */
  readonly note: string;
  /** Events drained: by `npm run bench`, and by the smoke run in `npm test`. */
  readonly backlog: { readonly full: number; readonly smoke: number };
  /**
   * Requests a reader needs at `maxPage` over the vendor's independent streams of these sizes, with
   * what its protocol needs to know it is done (an empty last page, a type list, ...).
   */
  requestsNeeded(streams: readonly number[], maxPage: number): number;
}

/** Wire records of every documented shape (fast-check), and the options a source needs to read them. */
export interface Generated {
  readonly wire: Wire;
  readonly options: Record<string, unknown>;
}

export interface VendorLocal {
  /** Serves the emulator with the local credentials and returns the source settings that read it. */
  startEmulator(settings: EmulatorSettings): Promise<RunningEmulator>;
  readonly generated: Generated;
  /** The vendor's stands in the chaos campaign, by stand name (one per read mode). */
  readonly stands: Readonly<Record<string, StandDefinition>>;
  /** The vendor as the fuzzer fakes it. */
  readonly fuzz: FuzzVendor;
  readonly bench: VendorBench;
}
