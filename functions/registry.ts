/**
 * The connectors by vendor: what the CLI, the local stack and the infrastructure iterate over.
 * Adding a vendor = a folder under functions/ and one line here.
 */
import { parseOptions, type Connector } from '../shared/connector.ts';
import type { OptionSchemas, Source, Vendor } from '../shared/config.ts';
import { authentic8Connector } from './authentic8/connector.ts';
import { carbonBlackConnector } from './carbonblack/connector.ts';
import { nectedConnector } from './nected/connector.ts';
import { retracedConnector } from './retraced/connector.ts';
import { vezaConnector } from './veza/connector.ts';

export const CONNECTORS: Readonly<Record<Vendor, Connector>> = {
  authentic8: authentic8Connector,
  carbonblack: carbonBlackConnector,
  nected: nectedConnector,
  retraced: retracedConnector,
  veza: vezaConnector,
};

/** Whether `source` reads destructively and needs the spool bucket (its connector's `needsSpool`). */
export function needsSpool(source: Source): boolean {
  const connector = CONNECTORS[source.vendor];
  return connector.needsSpool?.(parseOptions(connector, source)) ?? false;
}

/** Each implemented vendor's options schema, for config validation. */
export function optionSchemas(): OptionSchemas {
  return Object.fromEntries(Object.entries(CONNECTORS).map(([v, c]) => [v, c.optionsSchema]));
}
