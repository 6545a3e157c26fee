/**
 * Redaction for everything the HTTP client puts in an error: known secrets (in the encodings they
 * travel in) and credential-looking query parameters, so logs and summaries never carry a key.
 */

/** What a redacted secret or parameter value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Shorter values would redact ordinary words and numbers all over a message. */
const MIN_SECRET_LENGTH = 4;

/** Query parameter names that carry credentials (`api_key`, `X-Amz-Signature`, `sig`, ...). */
const CREDENTIAL_PARAM = /token|key|secret|passw|auth(?!or)|signature|credential|^sig$/i;
/** Pagination tokens are opaque positions, not credentials, and are needed to debug a cursor. */
const PAGINATION_PARAM = /^(next[_-]?page|page|next)[_-]?token$/i;
/** `scheme://user:password@` — the password part of a URL's userinfo. */
const USERINFO_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i;

/** Returns a function that replaces every known secret (raw, URL-encoded, base64) with [REDACTED]. */
export function makeRedactor(secrets: readonly string[]): (text: string) => string {
  const needles = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(encodings))]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    // Longest first, so a secret that contains another one is not left half-replaced.
    .sort((a, b) => b.length - a.length);
  return (text) => needles.reduce((out, needle) => out.split(needle).join(REDACTED), text);
}

/** The forms a secret takes in URLs, bodies and headers echoed back by a vendor. */
function encodings(secret: string): string[] {
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2), // form encoding: spaces as '+'
    JSON.stringify(secret).slice(1, -1), // inside a JSON string: quotes and backslashes escaped
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
  ];
}

/** True for a query parameter name that looks like a credential (pagination tokens excepted). */
export function isCredentialParam(name: string): boolean {
  return CREDENTIAL_PARAM.test(name) && !PAGINATION_PARAM.test(name);
}

/** The URL (absolute or relative) with credential query values and any userinfo password blanked. */
export function redactUrl(url: string | URL): string {
  // String surgery rather than URL parsing: works on relative links and keeps the URL as written.
  const text = String(url).replace(USERINFO_PASSWORD, `$1:${REDACTED}@`);
  const q = text.indexOf('?');
  if (q < 0) return text;
  const hash = text.indexOf('#', q);
  const end = hash < 0 ? text.length : hash;
  const query = text
    .slice(q + 1, end)
    .split('&')
    .map(blankCredential)
    .join('&');
  return `${text.slice(0, q + 1)}${query}${text.slice(end)}`;
}

/** `name=value` with the value blanked when the name looks like a credential. */
function blankCredential(pair: string): string {
  const eq = pair.indexOf('=');
  if (eq < 0) return pair;
  const rawName = pair.slice(0, eq);
  return isCredentialParam(safeDecode(rawName)) ? `${rawName}=${REDACTED}` : pair;
}

/** Decodes a query component, keeping it as is when it is not valid percent-encoding. */
export function safeDecode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return component;
  }
}
