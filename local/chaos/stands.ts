/**
 * The test stands: one vendor under test each (the campaign's `--stand`), its emulator on the
 * campaign's fake clock, the source that reads it, the vendor faults it can take, arrivals (late ones
 * dated inside the settle lag), and what the archive must hold. Every registered vendor brings its
 * own (functions/<vendor>/emulator/stand.ts; the contract is stand-kit.ts): nothing here names one.
 * Backlogs are small and pages short, so a run crosses many page boundaries in little time.
 * ("Bench" is the performance benchmark's word only.)
 */
import { loadVendorLocals, standDefinitions } from '../vendors.ts';
import type { Stand, StandContext, StandDefinition, VendorFault } from './stand-kit.ts';

export { VENDOR_FAULTS, type Stand, type StandContext, type VendorFault } from './stand-kit.ts';

await loadVendorLocals();

/** A stand's name: its vendor's, or the vendor's and its read mode's (`carbonblack-queue`). */
export type StandName = string;

/** The stands of the registered vendors, as loaded. */
export const STANDS: readonly StandName[] = [...standDefinitions().keys()];

/** The stands of every vendor registered so far (a sample vendor registered later included). */
export function standNames(): StandName[] {
  return [...standDefinitions().keys()];
}

/** The definition of stand `name`, or an error naming the known stands. */
export function standDefinition(name: StandName): StandDefinition {
  const found = standDefinitions().get(name);
  if (!found) throw new Error(`unknown stand "${name}"; known: ${standNames().join(', ')}`);
  return found;
}

/** The stands a kill or a lease race can hit: all but those that read destructively (see `destructive`). */
export function nonDestructiveStands(): StandName[] {
  return [...standDefinitions()].filter(([, d]) => !d.destructive).map(([name]) => name);
}

/** The vendor faults a stand takes. */
export function standFaults(name: StandName): VendorFault[] {
  return Object.keys(standDefinition(name).knobs) as VendorFault[];
}

/** Starts the stand's emulator and returns the stand. */
export function startStand(name: StandName, ctx: StandContext): Promise<Stand> {
  return standDefinition(name).start(ctx);
}
