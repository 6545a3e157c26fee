/**
 * The registered vendors' local tooling (local/vendor-local.ts), loaded through the registry: the
 * emulators, stands, fuzz pages and bench settings every local tool derives its vendor lists from.
 * A tool that needs every vendor's loads them all (`await loadVendorLocals()` at its top); one that
 * needs one vendor's loads just that one (`loadVendorLocal`), so a process serving one emulator
 * does not load the others. A vendor registered later (a test's sample vendor) is picked up by the
 * next `loadVendorLocals()`.
 */
import { vendorModule, vendorModules } from '../functions/registry.ts';
import type { Vendor } from '../shared/config.ts';
import type { StandDefinition } from './chaos/stand-kit.ts';
import type { VendorLocal } from './vendor-local.ts';

const LOCALS = new Map<Vendor, VendorLocal>();

/** Loads the local tooling of every registered vendor not loaded yet; resolves to all of them. */
export async function loadVendorLocals(): Promise<ReadonlyMap<Vendor, VendorLocal>> {
  for (const module of vendorModules()) {
    if (!LOCALS.has(module.connector.vendor)) LOCALS.set(module.connector.vendor, await module.local());
  }
  return LOCALS;
}

/** Loads (once) and returns the local tooling of `vendor`; an error names the registered vendors. */
export async function loadVendorLocal(vendor: string): Promise<VendorLocal> {
  const loaded = LOCALS.get(vendor) ?? (await vendorModule(vendor).local());
  LOCALS.set(vendor, loaded);
  return loaded;
}

/** The local tooling of `vendor`, or an error naming the vendors that have one. */
export function vendorLocal(vendor: string): VendorLocal {
  const local = LOCALS.get(vendor);
  if (!local) throw new Error(`no local tooling for vendor "${vendor}"; known: ${[...LOCALS.keys()].join(', ')}`);
  return local;
}

/** Every vendor's stands in the chaos campaign, by stand name. */
export function standDefinitions(): ReadonlyMap<string, StandDefinition> {
  return new Map([...LOCALS.values()].flatMap((local) => Object.entries(local.stands)));
}
