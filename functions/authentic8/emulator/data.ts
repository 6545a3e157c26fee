/**
 * The Authentic8 emulator's data (../README.md): an org tree, seeded logs of the 25 types
 * with one `seq_id` sequence per org (so each type's ids have gaps), `create_ts` as float epoch
 * seconds, and ENC envelopes encrypted as Authentic8's "Standard" scheme for orgs with encrypted
 * logs. Record texts are written as Python's json.dumps writes them (the API is Python, ../README.md
 * KeyError): `", "` and `": "`, non-ASCII as `\uXXXX`, `1404245973.0` for a whole float.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type ECDH,
} from 'node:crypto';
import { randomHex, randomInt, seededRandom, type Random } from '../../../local/emulators/random.ts';
import { makeRecord, pickType, type Json, type Person } from './records.ts';

export type { Json } from './records.ts';

/** The 25 type names of TA-authentic8 `config.py` (../README.md), spaces included. */
export const AUTHENTIC8_LOG_TYPES = [
  'A8SS',
  'ADMIN_AUDIT',
  'APP_LAUNCH',
  'AUTH',
  'BLOCKED URL',
  'CASE MANAGER',
  'CLIPBOARD',
  'COOKIES',
  'DOWNLOAD',
  'ENC',
  'EVENT',
  'EXPLOIT',
  'EXTENSION',
  'HARVEST',
  'ISOLATE_BYPASS',
  'LAUNCHER',
  'LOCATION CHANGE',
  'POST DATA',
  'PRINT',
  'SESSION',
  'SMS',
  'TRAFFICMAN',
  'TRANSLATION',
  'UPLOAD',
  'URL',
] as const;

/** An org of the emulated tree; `path` runs from the top org down to this one. */
export interface OrgSpec {
  readonly path: readonly string[];
  /** The Encrypted Logs policy: every log is served as an ENC envelope (../README.md). */
  readonly encrypted?: boolean;
}

/**
 * The emulated tree: two orgs named "Analysts" (only a path tells them apart), one name with a slash, one org of
 * another customer.
 */
export const AUTHENTIC8_ORGS: readonly OrgSpec[] = [
  { path: ['Acme Corp'] },
  { path: ['Acme Corp', 'US'] },
  { path: ['Acme Corp', 'US', 'Analysts'] },
  { path: ['Acme Corp', 'EU'] },
  { path: ['Acme Corp', 'EU', 'Analysts'], encrypted: true },
  { path: ['Acme Corp', 'OSINT/HUMINT'] },
  { path: ['Globex'] },
];

/** An org path as the API reads it: `/` between names, `\/` for a slash inside a name (../README.md). */
export function orgPath(path: readonly string[]): string {
  return path.map((name) => name.replace(/\\/g, '\\\\').replace(/\//g, '\\/')).join('/');
}

/** One stored log: the extraction `type` (ENC for encrypted orgs), its record and exact wire text. */
export interface Authentic8Event {
  readonly org: string;
  readonly seq: number;
  readonly type: string;
  /** The log's own type; for ENC, the type inside the envelope. */
  readonly innerType: string;
  readonly createTs: number;
  readonly record: Record<string, Json>;
  readonly text: string;
  /** The plaintext inside an ENC envelope. */
  readonly plaintext?: string;
}

/** An org and its log, in `seq_id` order. */
export interface Authentic8Org {
  readonly path: readonly string[];
  readonly name: string;
  readonly id: string;
  readonly encrypted: boolean;
  readonly keyName?: string;
  /** PEM (PKCS#8) of the customer's private key, for orgs with encrypted logs. */
  readonly privateKeyPem?: string;
  readonly events: Authentic8Event[];
  readonly byType: Map<string, Authentic8Event[]>;
  /** The `seq_id` the next log of this org gets. */
  nextSeq: number;
}

/** Python json.dumps (default separators, ensure_ascii); `create_ts` always written as a float. */
export function pyJson(value: Json, key?: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => pyJson(v)).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyJson(k)}: ${pyJson(v, k)}`)
      .join(', ')}}`;
  if (typeof value === 'number' && key === 'create_ts' && Number.isInteger(value)) return `${value}.0`;
  const text = JSON.stringify(value) ?? 'null';
  return typeof value === 'string'
    ? text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : text;
}

const bytes = (random: Random, n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, () => randomInt(random, 0, 255)));
/** SubjectPublicKeyInfo header of an uncompressed P-256 point: with the 65-byte point, 91 bytes. */
const SPKI_P256 = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

function seededEcdh(random: Random): ECDH {
  for (;;) {
    const ecdh = createECDH('prime256v1');
    try {
      ecdh.setPrivateKey(bytes(random, 32));
      return ecdh;
    } catch {
      // Not a valid scalar for the curve (about 1 in 2^32): draw again.
    }
  }
}

/** Authentic8's "Standard" envelope, as TA-authentic8 `decrypt_log` reads it (../README.md). */
export function encryptStandard(plaintext: string, customerPublicKey: Buffer, random: Random): string {
  const ephemeral = seededEcdh(random);
  const key = Buffer.from(
    hkdfSync('sha384', ephemeral.computeSecret(customerPublicKey), Buffer.alloc(0), Buffer.alloc(0), 32),
  );
  const nonce = bytes(random, 12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, SPKI_P256, ephemeral.getPublicKey(), cipher.getAuthTag(), sealed]).toString('base64');
}

/** Opens a "Standard" envelope: nonce [0:12], ephemeral key DER [12:103], tag [103:119], ciphertext [119:]. */
export function decryptStandard(enc: string, privateKeyPem: string): string {
  const data = Buffer.from(enc, 'base64');
  const ephemeral = createPublicKey({ key: data.subarray(12, 103), format: 'der', type: 'spki' });
  const shared = diffieHellman({ privateKey: createPrivateKey(privateKeyPem), publicKey: ephemeral });
  const key = Buffer.from(hkdfSync('sha384', shared, Buffer.alloc(0), Buffer.alloc(0), 32));
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12)).setAuthTag(data.subarray(103, 119));
  return Buffer.concat([decipher.update(data.subarray(119)), decipher.final()]).toString('utf8');
}

function customerKey(random: Random): { publicKey: Buffer; privateKeyPem: string } {
  const ecdh = seededEcdh(random);
  const point = ecdh.getPublicKey();
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    d: ecdh.getPrivateKey().toString('base64url'),
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33).toString('base64url'),
  };
  return {
    publicKey: point,
    privateKeyPem: createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const PEOPLE = [
  'ana.silva',
  'bjorn.lund',
  'chloe.martin',
  'dev.patel',
  'emeka.obi',
  'fatima.zahra',
  'goran.ilic',
  'hana.sato',
];

/** The org store: every org of {@link AUTHENTIC8_ORGS}, each with its people and its own sequence. */
export interface Authentic8Log {
  readonly orgs: readonly Authentic8Org[];
  /** Appends one log to `org` at `ms`; `type` forces the (inner) type, otherwise a weighted draw. */
  append(org: Authentic8Org, ms: number, type?: string): Authentic8Event;
}

/**
 * Doc-shaped logs mixed into the tidy ones (functions/authentic8/emulator/arbitrary.ts): `share` of them, drawn by
 * `draw`.
 */
export interface Authentic8Variety {
  readonly share: number;
  readonly draw: (random: Random, type: string) => Record<string, Json>;
}

export function createAuthentic8Log(seed: number, variety?: Authentic8Variety): Authentic8Log {
  const random = seededRandom(seed);
  const keys = new Map<Authentic8Org, Buffer>();
  const people = new Map<Authentic8Org, Person[]>();
  const orgs = AUTHENTIC8_ORGS.map((spec, i): Authentic8Org => {
    const key = spec.encrypted ? customerKey(random) : undefined;
    const org: Authentic8Org = {
      path: spec.path,
      name: spec.path.at(-1) as string,
      id: randomHex(random, 32),
      encrypted: Boolean(spec.encrypted),
      ...(key ? { keyName: `${spec.path.join('-').replace(/\W+/g, '')}-2026`, privateKeyPem: key.privateKeyPem } : {}),
      events: [],
      byType: new Map(),
      nextSeq: 3_200_000 + i * 1_000_000 + randomInt(random, 0, 99_999),
    };
    if (key) keys.set(org, key.publicKey);
    people.set(
      org,
      PEOPLE.map((name) => ({
        username: `${name}@${spec.path[0]?.toLowerCase().replace(/\W+/g, '') ?? 'org'}.example`,
        userId: randomHex(random, 32),
        ip: `${randomInt(random, 20, 220)}.${randomInt(random, 0, 255)}.${randomInt(random, 0, 255)}.${randomInt(random, 1, 254)}`,
      })),
    );
    return org;
  });
  return {
    orgs,
    append(org, ms, forced) {
      const seq = org.nextSeq;
      // Other activity of the org takes sequence numbers too: ids are never contiguous (UNCONFIRMED,
      // ../README.md).
      org.nextSeq += randomInt(random, 1, 3);
      // About 1 in 100 logs falls on a whole second, which Python writes as 1404245973.0.
      const createTs =
        random() < 0.01 ? Math.floor(ms / 1000) : (Math.floor(ms) * 1000 + randomInt(random, 0, 999)) / 1e6;
      const innerType = forced ?? pickType(random, org.encrypted);
      const person = people.get(org)?.[randomInt(random, 0, PEOPLE.length - 1)] as Person;
      const plain =
        variety && random() < variety.share
          ? {
              seq_id: seq,
              ...variety.draw(random, innerType),
              create_ts: createTs,
              ...(innerType === 'ENC' ? {} : { org_id: org.id }),
            }
          : makeRecord(random, innerType, person, { seq, createTs, orgId: org.id });
      const publicKey = keys.get(org);
      let event: Authentic8Event;
      if (publicKey && org.keyName) {
        // The envelope holds the log without seq_id and create_ts, which TA-authentic8 adds back after decrypting.
        const { seq_id: _s, create_ts: _c, ...inner } = plain;
        const plaintext = pyJson(inner);
        const record = {
          key_name: org.keyName,
          enc: encryptStandard(plaintext, publicKey, random),
          encryption_type: 'Standard',
          type: 'ENC',
          create_ts: createTs,
          seq_id: seq,
        };
        event = {
          org: orgPath(org.path),
          seq,
          type: 'ENC',
          innerType,
          createTs,
          record,
          text: pyJson(record),
          plaintext,
        };
      } else {
        event = {
          org: orgPath(org.path),
          seq,
          type: innerType,
          innerType,
          createTs,
          record: plain,
          text: pyJson(plain),
        };
      }
      org.events.push(event);
      const ofType = org.byType.get(event.type) ?? [];
      ofType.push(event);
      org.byType.set(event.type, ofType);
      return event;
    },
  };
}
