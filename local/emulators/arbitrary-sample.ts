/**
 * Draws one value of a fast-check arbitrary from an emulator's seeded Random, so an emulator that
 * mixes doc-shaped generated records into its data stays reproducible: same seed, same records.
 * fast-check is a devDependency: emulators import the generator modules (and so this one) lazily,
 * only when a run asks for generated records.
 */
import * as fc from 'fast-check';
import type { Random } from './random.ts';

/**
 * One value of `arbitrary`, seeded from `random`. Unbiased: fast-check biases its first runs towards
 * the smallest values, and every draw here is a first run (the same id, the emptiest shape again and again).
 */
export function sampleOne<T>(arbitrary: fc.Arbitrary<T>, random: Random): T {
  const [value] = fc.sample(fc.noBias(arbitrary), { seed: Math.floor(random() * 0x7fffffff), numRuns: 1 });
  return value as T;
}

/** A value absent (undefined) or drawn from `arbitrary`; with `full`, always drawn. */
export function maybe<T>(arbitrary: fc.Arbitrary<T>, full: boolean | undefined): fc.Arbitrary<T | undefined> {
  return full ? arbitrary : fc.option(arbitrary, { nil: undefined, freq: 3 });
}

/** Text as vendors send it: short words, names with accents and CJK, markup-looking strings. */
export const TEXT: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('Jane Smith', 'José Álvarez', '李伟', 'Q3 plan "final" <draft>', 'a&b', 'ok'),
  fc.string({ minLength: 1, maxLength: 24 }),
);

/** Non-empty text, or "" where the docs allow an empty string. */
export function textOrEmpty(full: boolean | undefined): fc.Arbitrary<string> {
  return full ? TEXT : fc.oneof(fc.constant(''), TEXT);
}

/** An IPv4 or IPv6 address. */
export const IP: fc.Arbitrary<string> = fc.oneof(fc.ipV4(), fc.ipV6());

/** Drops the keys whose value is undefined: an optional field the vendor leaves out. */
export function present<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** 32 lower-case hex characters: the ids Retraced and Veza give their records. */
export const HEX32: fc.Arbitrary<string> = fc.stringMatching(/^[0-9a-f]{32}$/);
