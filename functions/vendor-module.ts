/**
 * A vendor as the registry holds it: its connector (the only part a Lambda bundle carries), its
 * function's settings, and a loader of what the local tools need (emulator, stands, fuzz pages,
 * bench settings), loaded only when a local tool asks, so infrastructure and runs never import it.
 */
import type { Connector } from '../shared/connector.ts';
import type { VendorLocal } from '../local/vendor-local.ts';

/** Lambda settings of the vendor's function (infra/constructs/pump-function.ts). */
export interface VendorFunctionSettings {
  /** Lambda timeout in seconds: one invocation, not a backlog (the continuation picks up at once). */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export interface VendorModule {
  readonly connector: Connector;
  readonly lambda: VendorFunctionSettings;
  /** The vendor's local tooling (functions/<vendor>/emulator/index.ts). */
  local(): Promise<VendorLocal>;
}

/** Checks a vendor module against the contract (a typed connector is a `Connector`: its typed members are methods). */
export function defineVendor(vendor: VendorModule): VendorModule {
  return vendor;
}
