/**
 * Small builders of OCSF attribute values that every normalizer uses (DESIGN.md 4.4): the value of a
 * required attribute the record does not fill, endpoints, e-mail addresses and integers in OCSF's
 * formats, and objects without their empty keys.
 */
import { isIP } from 'node:net';
import type { OcsfEndpoint } from './ocsf.ts';

/**
 * The value an event carries where OCSF requires an attribute the vendor's record does not fill
 * (API Activity's `src_endpoint` without a client address, an actor the record does not name).
 */
export const UNKNOWN = 'unknown';

/** `{ip}` for a valid IP address, else undefined. */
export function ipEndpoint(ip: string | null | undefined): { ip: string } | undefined {
  return ip && isIP(ip) ? { ip } : undefined;
}

/** The endpoint, or `{name: "unknown"}` where the class requires one and the record names none. */
export function requiredEndpoint(endpoint: OcsfEndpoint | undefined): OcsfEndpoint {
  const known = endpoint && (endpoint.ip || endpoint.hostname || endpoint.name || endpoint.svc_name);
  return known ? endpoint : { ...endpoint, name: UNKNOWN };
}

/** OCSF 1.1's email_t format (dictionary.json). */
const EMAIL = /^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;

/** `text` when it is an e-mail address in OCSF's email_t format, else undefined. */
export function emailOf(text: string | null | undefined): string | undefined {
  return text && EMAIL.test(text) ? text : undefined;
}

/** An OCSF integer_t: `value` when it is an integer that fits 32 bits, else undefined. */
export function int32(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31
    ? value
    : undefined;
}

/** Drops keys whose value is undefined or "", so optional OCSF objects stay clean in the archive. */
export function compact<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  // A plain loop, not Object.fromEntries(entries.filter): ten times faster, called several times an event.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || v === '') continue;
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** `value` when it has at least one key, else undefined. */
export function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length ? value : undefined;
}
