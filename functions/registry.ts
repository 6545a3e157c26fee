/**
 * The vendors: what config, the CLI, the local stack, the infrastructure, the benchmark and the
 * chaos campaign iterate over. Adding a vendor = a folder under functions/ and one line here
 * (docs/adding-a-vendor.md). shared/ never imports this: a Lambda bundle carries its own connector.
 */
import { parseOptions, type Connector } from '../shared/connector.ts';
import { VENDOR_NAME, type OptionSchemas, type Source, type Vendor } from '../shared/config.ts';
import type { VendorModule } from './vendor-module.ts';
import { authentic8Vendor } from './authentic8/vendor.ts';
import { carbonblackVendor } from './carbonblack/vendor.ts';
import { nectedVendor } from './nected/vendor.ts';
import { retracedVendor } from './retraced/vendor.ts';
import { vezaVendor } from './veza/vendor.ts';

const MODULES = new Map<Vendor, VendorModule>();

/** Every vendor's connector by name; a live view of the registry. */
export const CONNECTORS: Readonly<Record<Vendor, Connector>> = {};

/**
 * Adds a vendor. The built-in ones are registered below; a vendor kept out of this tree (or a test's
 * sample vendor) registers itself the same way before the tools that need it run.
 */
export function registerVendor(module: VendorModule): void {
  const name = module.connector.vendor;
  if (!VENDOR_NAME.test(name)) throw new Error(`vendor name "${name}" must match ${VENDOR_NAME}`);
  if (MODULES.has(name)) throw new Error(`vendor "${name}" is registered already`);
  MODULES.set(name, module);
  (CONNECTORS as Record<Vendor, Connector>)[name] = module.connector;
}

// In the order the chaos campaign has always drawn its stands from (a seed picks the same stand as before).
[vezaVendor, authentic8Vendor, retracedVendor, nectedVendor, carbonblackVendor].forEach(registerVendor);

/** The registered vendors' names, in registration order. */
export function vendorNames(): Vendor[] {
  return [...MODULES.keys()];
}

/** The registered vendors. */
export function vendorModules(): VendorModule[] {
  return [...MODULES.values()];
}

/** The module of `vendor`, or an error naming the registered ones. */
export function vendorModule(vendor: string): VendorModule {
  const module = MODULES.get(vendor);
  if (!module) throw new Error(`unknown vendor "${vendor}"; registered: ${vendorNames().join(', ')}`);
  return module;
}

/** The connector of `vendor`, or an error naming the registered vendors. */
export function connectorOf(vendor: string): Connector {
  return vendorModule(vendor).connector;
}

/** Whether `source` reads destructively and needs the spool bucket (its connector's `needsSpool`). */
export function needsSpool(source: Source): boolean {
  const connector = connectorOf(source.vendor);
  return connector.needsSpool?.(parseOptions(connector, source)) ?? false;
}

/** Each registered vendor's options schema: config validation refuses a vendor not among them. */
export function optionSchemas(): OptionSchemas {
  return Object.fromEntries(vendorModules().map((m) => [m.connector.vendor, m.connector.optionsSchema]));
}
