/**
 * Authentic8's web and file logs → OCSF 1.1: URL and BLOCKED URL (HTTP Activity 4002 or Web
 * Resources Activity 6001), DOWNLOAD and UPLOAD (File Hosting Activity 6006), EXPLOIT (Detection
 * Finding 2004). Mapping table: README.md.
 */
import { SeverityId, StatusId } from '../../shared/ocsf-classes.ts';
import { UNKNOWN, compact, int32, ipEndpoint, nonEmpty, requiredEndpoint } from '../../shared/ocsf-fields.ts';
import { severityOf } from '../../shared/ocsf.ts';
import type { NormalizeBase } from '../../shared/connector.ts';
import type { OtherRecord, UrlRecord } from './schemas.ts';
import { actorOf, head, rest, user, who, type Event } from './normalize-common.ts';

type Header = { name: string; value: string };

/** HTTP Activity 4002 activity ids by method (OCSF 1.1 has no PATCH: Other). */
const HTTP_ACTIVITY: Record<string, number> = {
  CONNECT: 1,
  DELETE: 2,
  GET: 3,
  HEAD: 4,
  OPTIONS: 5,
  POST: 6,
  PUT: 7,
  TRACE: 8,
};
/** Web Resources Activity 6001 activity ids by method: what the request would have done to the resource. */
const WEB_ACTIVITY: Record<string, number> = { GET: 2, HEAD: 2, PUT: 3, PATCH: 3, DELETE: 4 };

/** Raw headers (`Name: value\r\n` lines) as OCSF http_header objects. */
export function parseHeaders(raw: string | null | undefined): Header[] {
  return (raw ?? '').split(/\r?\n/).flatMap((line) => {
    const colon = line.indexOf(':');
    return colon > 0 ? [{ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() }] : [];
  });
}

const header = (headers: Header[], name: string): string | undefined =>
  headers.find((h) => h.name.toLowerCase() === name)?.value;

/** Where the port is not 80/443 the URL has it; the reference guide sends it null otherwise, sometimes as a string. */
function portOf(port: UrlRecord['port']): number | undefined {
  const n = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65_536 ? n : undefined;
}

/** The URL the log describes: its `url`, else one built from domain, port, path and query. */
function urlOf(r: UrlRecord, port: number | undefined): string | undefined {
  if (r.url) return r.url;
  return r.domain
    ? `${r.scheme || 'http'}://${r.domain}${port ? `:${port}` : ''}${r.path || '/'}${r.query ? `?${r.query}` : ''}`
    : undefined;
}

/**
 * URL → HTTP Activity 4002. A URL log is one HTTP exchange of the isolated browser (`method`,
 * `domain`/`path`/`port`, request `headers`, `response_code`, `response_headers`, `response_size`),
 * which is what HTTP Activity models; Web Resources Activity would drop the request and response.
 * The activity is the `method` (absent in the doc's own example: Unknown).
 * HTTP Activity requires the response (OCSF 1.1 `http_response`, with its `code`), so a request
 * without one is Web Resources Activity 6001 on its URL, with the same request: BLOCKED URL (the
 * same request refused by URL Category or Domain Filtering, never sent: action Denied, disposition
 * Blocked under the security_control profile, status Failure) and a URL log with no `response_code`.
 * `actor` of both classes belongs to the host profile, which `metadata.profiles` then declares.
 * A response code of 400 or more is status Failure without raising the severity: a browser's 404
 * is no finding.
 */
export function web(r: UrlRecord, base: NormalizeBase): Event {
  const blocked = r.type === 'BLOCKED URL';
  const method = r.method ? r.method.toUpperCase() : undefined;
  const port = portOf(r.port);
  const host = r.domain || undefined;
  const url = urlOf(r, port);
  const code = int32(r.response_code ?? undefined);
  const exchange = code !== undefined && !blocked;
  const status =
    blocked || (code !== undefined && code >= 400)
      ? StatusId.Failure
      : code === undefined
        ? StatusId.Unknown
        : StatusId.Success;
  const activity = !method ? 0 : ((exchange ? HTTP_ACTIVITY : WEB_ACTIVITY)[method] ?? 99);
  const message = blocked
    ? `Blocked ${url ?? 'a request'} for ${who(r)}`
    : `${method ?? 'HTTP'} ${url ?? ''} → ${code ?? 'no response'}`;
  const severityId = severityOf({ failed: blocked });
  const event = head(r, exchange ? 'HttpActivity' : 'WebResourcesActivity', activity, status, message, base, {
    severityId,
    ...(method ? { activityName: method } : {}),
  });
  const requestHeaders = parseHeaders(r.headers);
  const responseHeaders = parseHeaders(r.response_headers);
  const categories = [r.micro_category, r.macro_category].filter((c): c is string => Boolean(c));
  const location = compact({
    url_string: url,
    hostname: host,
    path: r.path || undefined,
    port,
    scheme: r.scheme || undefined,
    query_string: r.query || undefined,
    categories: categories.length ? categories : undefined,
  });
  event.http_request = compact({
    http_method: method,
    // OCSF's url needs a url_string or a path.
    url: location.url_string || location.path ? location : undefined,
    user_agent: header(requestHeaders, 'user-agent'),
    http_headers: requestHeaders.length ? requestHeaders : undefined,
  });
  const source = ipEndpoint(r.client_ip);
  const target = host ? compact({ hostname: host, port }) : undefined;
  if (exchange) {
    event.http_response = {
      code: code as number,
      ...compact({
        length: int32(r.response_size ?? undefined),
        content_type: header(responseHeaders, 'content-type'),
        http_headers: responseHeaders.length ? responseHeaders : undefined,
      }),
    };
    Object.assign(event, {
      src_endpoint: requiredEndpoint(source),
      dst_endpoint: requiredEndpoint(target ?? compact({ port })),
    });
  } else {
    event.web_resources = [compact({ name: url ?? host ?? (r.path || UNKNOWN), url_string: url })];
    Object.assign(event, compact({ src_endpoint: source, dst_endpoint: target }));
  }
  const actor = nonEmpty(compact({ user: user(r), session: r.session_id ? { uid: r.session_id } : undefined }));
  const profiles = [...(actor ? ['host'] : []), ...(blocked ? ['security_control'] : [])];
  if (actor) event.actor = actor;
  if (blocked) Object.assign(event, { action_id: 2, action: 'Denied', disposition_id: 2, disposition: 'Blocked' });
  if (profiles.length) event.metadata.profiles = profiles;
  const used = [
    'domain',
    'path',
    'scheme',
    'method',
    'query',
    'url',
    'port',
    'headers',
    'micro_category',
    'macro_category',
    'username',
    'user_id',
    'session_id',
    ...(source ? ['client_ip'] : []),
  ];
  event.unmapped = rest(r, exchange ? [...used, 'response_code', 'response_size', 'response_headers'] : used);
  return event;
}

/** Fields of DOWNLOAD, UPLOAD and EXPLOIT logs beyond the shared ones (UNCONFIRMED names, TA-authentic8's CIM map). */
type FileRecord = OtherRecord & {
  bytes?: unknown;
  sha256?: unknown;
  destination_path?: unknown;
  exploit_name?: unknown;
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** The last path segment of a URL, for a file the log does not name. */
function fileNameOf(url: string | null | undefined): string | undefined {
  try {
    return url ? decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || undefined : undefined;
  } catch {
    return undefined;
  }
}

function hostOf(url: string | null | undefined): string | undefined {
  try {
    return url ? new URL(url).hostname || undefined : undefined;
  } catch {
    return undefined;
  }
}

/**
 * DOWNLOAD / UPLOAD → File Hosting Activity 6006, Download / Upload: Silo's isolated browser moved a
 * file for the user. The file is `filename` (else the URL's last segment), with `bytes` and `sha256`;
 * the site is the destination. The log states no outcome: status Unknown.
 */
export function fileHosting(r: FileRecord, base: NormalizeBase): Event {
  const upload = r.type === 'UPLOAD';
  const name = r.filename || fileNameOf(r.url) || UNKNOWN;
  const event = head(
    r,
    'FileHostingActivity',
    upload ? 1 : 2,
    StatusId.Unknown,
    `Silo ${upload ? 'upload' : 'download'} of ${name} by ${who(r)}`,
    base,
  );
  const sha256 = text(r.sha256);
  const file = compact({
    name,
    type_id: 1,
    type: 'Regular File',
    path: text(r.destination_path),
    size: typeof r.bytes === 'number' && Number.isSafeInteger(r.bytes) ? r.bytes : undefined,
    hashes: sha256 ? [{ algorithm_id: 3, algorithm: 'SHA-256', value: sha256 }] : undefined,
  });
  event.file = file;
  const source = ipEndpoint(r.client_ip);
  const host = hostOf(r.url);
  Object.assign(
    event,
    compact({
      actor: actorOf(r),
      src_endpoint: requiredEndpoint(source),
      dst_endpoint: host ? { hostname: host } : undefined,
    }),
  );
  const used = ['username', 'user_id', 'session_id', 'filename', 'destination_path', ...(source ? ['client_ip'] : [])];
  event.unmapped = rest(r, [...used, ...(file.size !== undefined ? ['bytes'] : []), ...(sha256 ? ['sha256'] : [])]);
  return event;
}

/**
 * EXPLOIT → Detection Finding 2004, Create, severity High: Silo found a malware exploit in a file
 * being downloaded to the local machine (vendor-notes §2.3). The exploit is the finding's title,
 * the file and URL its affected resources; the user is the actor (host profile).
 */
export function exploit(r: FileRecord, base: NormalizeBase): Event {
  const name = text(r.exploit_name);
  const where = r.filename || r.url || 'a download';
  const event = head(
    r,
    'DetectionFinding',
    1,
    1,
    `Silo detected ${name ?? 'an exploit'} in ${where} for ${who(r)}`,
    base,
    { severityId: SeverityId.High },
  );
  event.finding_info = compact({
    uid: String(r.seq_id),
    title: name ?? 'Exploit detected by Silo',
    types: ['Exploit'],
  });
  const resources = [
    r.filename ? { name: r.filename, type: 'file' } : undefined,
    r.url ? { name: r.url, type: 'url' } : undefined,
  ].filter((x) => x !== undefined);
  if (resources.length) event.resources = resources;
  const actor = nonEmpty(compact({ user: user(r), session: r.session_id ? { uid: r.session_id } : undefined }));
  if (actor) Object.assign(event, { actor }, { metadata: { ...event.metadata, profiles: ['host'] } });
  event.unmapped = rest(r, ['exploit_name', 'filename', 'url', 'username', 'user_id', 'session_id']);
  return event;
}
