import { describe, it, expect } from '@jest/globals';
import { makeRedactor, redactUrl, REDACTED } from '../../shared/redact.ts';

describe('makeRedactor', () => {
  it('replaces every occurrence of every secret', () => {
    const redact = makeRedactor(['s3cr3t-one', 'another-key']);
    expect(redact('a s3cr3t-one b s3cr3t-one c another-key')).toBe(`a ${REDACTED} b ${REDACTED} c ${REDACTED}`);
  });

  it('ignores secrets shorter than 4 characters', () => {
    const redact = makeRedactor(['abc', '', 'abcd']);
    expect(redact('abc abcd')).toBe(`abc ${REDACTED}`);
  });

  it('redacts URL-encoded, form-encoded, JSON-escaped and base64 forms', () => {
    const secret = 'p@ss w/rd+"x"';
    const redact = makeRedactor([secret]);
    const b64 = Buffer.from(secret).toString('base64');
    const forms = [
      encodeURIComponent(secret),
      new URLSearchParams({ k: secret }).toString().slice(2),
      JSON.stringify(secret).slice(1, -1),
      b64,
      b64.replace(/=+$/, ''),
      Buffer.from(secret).toString('base64url'),
    ];
    for (const form of forms) expect(redact(`x=${form};`)).toBe(`x=${REDACTED};`);
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const redact = makeRedactor(['token', 'token-with-suffix']);
    expect(redact('token-with-suffix')).toBe(REDACTED);
  });

  it('leaves text without secrets unchanged', () => {
    expect(makeRedactor([])('nothing to hide')).toBe('nothing to hide');
  });
});

describe('redactUrl', () => {
  it('blanks credential-looking query parameters, case-insensitively', () => {
    const url =
      'https://api.example.com/v1/logs?api_key=k1&Token=t1&X-Amz-Signature=s1&password=p1&client_secret=c1&auth=a1&limit=10';
    expect(redactUrl(url)).toBe(
      `https://api.example.com/v1/logs?api_key=${REDACTED}&Token=${REDACTED}&X-Amz-Signature=${REDACTED}&password=${REDACTED}&client_secret=${REDACTED}&auth=${REDACTED}&limit=10`,
    );
  });

  it('keeps pagination tokens and ordinary parameters', () => {
    const url = 'https://h/x?page_token=p1&next_page_token=p2&pageToken=p3&nextPageToken=p4&author=me&cursor=c';
    expect(redactUrl(url)).toBe(url);
  });

  it('accepts URL objects and relative links, keeping the fragment', () => {
    expect(redactUrl(new URL('https://h/x?access_token=abc#frag'))).toBe(`https://h/x?access_token=${REDACTED}#frag`);
    expect(redactUrl('/next?apikey=abc&page=2')).toBe(`/next?apikey=${REDACTED}&page=2`);
  });

  it('blanks the password of userinfo', () => {
    expect(redactUrl('https://user:hunter22@h/x')).toBe(`https://user:${REDACTED}@h/x`);
  });

  it('handles percent-encoded names and malformed encodings', () => {
    expect(redactUrl('https://h/?api%5Fkey=abc')).toBe(`https://h/?api%5Fkey=${REDACTED}`);
    expect(redactUrl('https://h/?%E0%A4%A=1&key')).toBe('https://h/?%E0%A4%A=1&key');
  });
});
