/**
 * Field sets of the Authentic8 emulator's records, per log type. URL follows the vendor doc example
 * (same keys, same order) plus the reference guide's `method`, `client_ip` and `port`; ENC is built
 * in authentic8-data.ts. The other types' fields are UNCONFIRMED (../README.md): plausible
 * names, with the ones TA-authentic8's CIM map expects (`username`, `action`, `audit_type`,
 * `exploit_name`, `destination_path`, `url`, `bytes`).
 */
import { randomHex, randomInt, type Random } from '../../../local/emulators/random.ts';

/** Any JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A Silo user of an org. */
export interface Person {
  readonly username: string;
  readonly userId: string;
  readonly ip: string;
}
interface Common {
  readonly seq: number;
  readonly createTs: number;
  readonly orgId: string;
}

/**
 * Plaintext types and their share of the traffic; POST DATA and COOKIES are only logged with encryption
 * (../README.md).
 */
const WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['URL', 40],
  ['BLOCKED URL', 5],
  ['DOWNLOAD', 6],
  ['UPLOAD', 3],
  ['SESSION', 8],
  ['AUTH', 8],
  ['ADMIN_AUDIT', 4],
  ['LOCATION CHANGE', 2],
  ['TRANSLATION', 2],
  ['A8SS', 1],
  ['ISOLATE_BYPASS', 1],
  ['SMS', 1],
  ['PRINT', 2],
  ['EXPLOIT', 1],
  ['HARVEST', 1],
  ['APP_LAUNCH', 2],
  ['CASE MANAGER', 1],
  ['CLIPBOARD', 3],
  ['EVENT', 2],
  ['EXTENSION', 1],
  ['LAUNCHER', 2],
  ['TRAFFICMAN', 1],
];
const ENCRYPTED_ONLY: ReadonlyArray<readonly [string, number]> = [
  ['POST DATA', 5],
  ['COOKIES', 5],
];

const pick = <T>(random: Random, items: readonly T[]): T => items[randomInt(random, 0, items.length - 1)] as T;

/** A weighted draw of a log type; `encrypted` orgs also log POST DATA and COOKIES. */
export function pickType(random: Random, encrypted: boolean): string {
  const table = encrypted ? [...WEIGHTS, ...ENCRYPTED_ONLY] : WEIGHTS;
  let n = random() * table.reduce((sum, [, w]) => sum + w, 0);
  for (const [type, weight] of table) if ((n -= weight) < 0) return type;
  return 'URL';
}

const SITES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['www.java.com', ['/en/download/installed.jsp', '/en/download/']],
  ['news.ycombinator.com', ['/', '/item', '/newest']],
  ['en.wikipedia.org', ['/wiki/Browser_isolation', '/wiki/OSINT']],
  ['www.google.com', ['/search', '/']],
  ['login.example.com', ['/path', '/oauth/authorize']],
  ['www.reddit.com', ['/r/netsec/', '/r/osint/']],
];
const CATEGORIES: ReadonlyArray<readonly [string, string]> = [
  ['News', 'Information'],
  ['Social Networking', 'Communication'],
  ['Search Engines', 'Information'],
  ['Malware', 'Security'],
  ['Gambling', 'Adult'],
];
const FILES = ['report-q3.pdf', 'Résumé_2026.docx', 'setup.exe', '年度報告.xlsx', 'capture.pcap', 'notes.txt'];
const GROUPS = ['Équipe Paris', 'Threat Intel', 'Research'];
const LOCATIONS = ['US-West', 'US-East', 'DE-Frankfurt', 'JP-Tokyo', 'BR-São Paulo'];
const AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0 Authentic8/1.0';

function requestHeaders(host: string): string {
  return (
    `Host: ${host}\r\nUser-Agent: ${AGENT}\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n` +
    'Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\nDNT: 1\r\nConnection: keep-alive\r\n'
  );
}

function responseHeaders(size: number, seconds: number): string {
  return (
    `Server: nginx\r\nContent-Type: text/html;charset=UTF-8\r\nContent-Encoding: gzip\r\nVary: accept-encoding\r\nContent-Length: ${size}\r\n` +
    `Date: ${new Date(Math.floor(seconds) * 1000).toUTCString()}\r\nConnection: keep-alive\r\n`
  );
}

/** A URL log in the doc example's key order (the vendor's documentation), plus method, client_ip, port and username. */
function urlRecord(random: Random, p: Person, c: Common): Record<string, Json> {
  const [domain, paths] = pick(random, SITES);
  const size = randomInt(random, 200, 90_000);
  const code = pick(random, [200, 200, 200, 200, 200, 200, 301, 302, 304, 404, 500]);
  const odd = random() < 0.05;
  const record: Record<string, Json> = {
    domain,
    user_id: p.userId,
    response_headers: responseHeaders(size, c.createTs),
    seq_id: c.seq,
    response_code: code,
    org_id: c.orgId,
    session_id: randomHex(random, 32),
    headers: requestHeaders(domain),
    create_ts: c.createTs,
    response_size: size,
    path: pick(random, paths),
    scheme: odd ? 'http' : pick(random, ['https', 'https', 'https', 'http']),
    type: 'URL',
    client_ip: p.ip,
    method: pick(random, ['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'HEAD', 'OPTIONS']),
    // "null for 80 and 443"; the reference guide's example has "81", a string.
    port: odd ? pick(random, ['81', '8080', '8443']) : null,
    username: p.username,
  };
  if (record.path === '/search') record.query = `q=${pick(random, ['silo', 'osint+tools', 'caf%C3%A9'])}`;
  if (random() < 0.3) [record.micro_category, record.macro_category] = pick(random, CATEGORIES);
  return record;
}

const ADMIN_CHANGES: ReadonlyArray<readonly [string, string, Json, Json]> = [
  ['USER_CREATE', 'user', null, { role: 'user', enabled: true }],
  ['USER_DISABLE', 'user', { enabled: true }, { enabled: false }],
  ['USER_ENABLE', 'user', { enabled: false }, { enabled: true }],
  ['USER_PASSWORD_RESET', 'user', null, null],
  ['USER_DELETE', 'user', { role: 'user', enabled: false }, null],
  ['POLICY_UPDATE', 'policy', { download: 'allow' }, { download: 'block' }],
  ['GROUP_UPDATE', 'group', { members: 4 }, { members: 5 }],
  ['ORG_SETTINGS_UPDATE', 'org', { session_timeout_min: 30 }, { session_timeout_min: 60 }],
  ['API_TOKEN_CREATE', 'token', null, { role: 'log' }],
];

/** The type-specific fields of a non-URL plaintext log. */
function fields(random: Random, type: string): Record<string, Json> {
  const site = pick(random, SITES);
  const url = `https://${site[0]}${pick(random, site[1])}`;
  switch (type) {
    case 'BLOCKED URL': {
      const [micro, macro] = pick(random, CATEGORIES);
      return {
        domain: site[0],
        path: pick(random, site[1]),
        scheme: 'https',
        method: 'GET',
        micro_category: micro,
        macro_category: macro,
        policy: pick(random, ['URL Category Filtering', 'Domain Filtering']),
      };
    }
    case 'AUTH': {
      const ok = random() < 0.85;
      return {
        auth_type: pick(random, ['SAML', 'PIN', 'SAML']),
        action: ok ? 'success' : 'failure',
        ...(ok ? {} : { reason: pick(random, ['invalid PIN', 'SAML assertion expired']) }),
      };
    }
    case 'ADMIN_AUDIT': {
      const [auditType, targetType, before, after] = pick(random, ADMIN_CHANGES);
      const target =
        targetType === 'user'
          ? `new.hire${randomInt(random, 1, 99)}@acmecorp.example`
          : targetType === 'group'
            ? pick(random, GROUPS)
            : `${targetType}-${randomInt(random, 1, 9)}`;
      return { audit_type: auditType, target, target_type: targetType, before, after };
    }
    case 'DOWNLOAD':
    case 'UPLOAD':
      return {
        url,
        filename: pick(random, FILES),
        bytes: randomInt(random, 1_000, 9_000_000),
        ...(type === 'UPLOAD'
          ? { destination_path: `/uploads/${randomHex(random, 8)}` }
          : { sha256: randomHex(random, 64) }),
      };
    case 'SESSION':
      return {
        event: pick(random, ['start', 'end']),
        egress_location: pick(random, LOCATIONS),
        browser_version: '128.0.3',
      };
    case 'LOCATION CHANGE':
      return { old_location: pick(random, LOCATIONS), new_location: pick(random, LOCATIONS) };
    case 'EXPLOIT':
      return {
        exploit_name: pick(random, ['CVE-2026-0001 PDF JS', 'Macro dropper']),
        url,
        filename: pick(random, FILES),
      };
    case 'POST DATA':
      return { url, post_data: `q=${randomHex(random, 6)}&lang=fr` };
    case 'COOKIES':
      return { domain: site[0], cookies: `sid=${randomHex(random, 16)}; theme=dark` };
    default:
      return { detail: `${type.toLowerCase()} activity`, ...(random() < 0.5 ? { url } : {}) };
  }
}

/**
 * One plaintext log of `type`; URL in the doc example's shape, the others as `seq_id, type, create_ts, org_id, who,
 * fields`.
 */
export function makeRecord(random: Random, type: string, p: Person, c: Common): Record<string, Json> {
  if (type === 'URL') return urlRecord(random, p, c);
  return {
    seq_id: c.seq,
    type,
    create_ts: c.createTs,
    org_id: c.orgId,
    client_ip: p.ip,
    user_id: p.userId,
    username: p.username,
    session_id: randomHex(random, 32),
    ...fields(random, type),
  };
}
