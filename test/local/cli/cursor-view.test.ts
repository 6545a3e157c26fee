/**
 * Stored cursors in words (`cursor show`, `status`): each vendor's own description, a backfill's
 * range around its inner cursor, and who holds the lease until when.
 */
import { describe, expect, it } from '@jest/globals';
import { hostname } from 'node:os';
import { cursorRow, describePosition, leaseText } from '../../../local/cli/cursor-view.ts';

describe('describePosition', () => {
  it.each([
    [
      { bootstrap: '2026-11-01T00:00:00.000Z', token: 't', watermark: '2026-11-20T10:00:00.000Z' },
      'export stream opened at 2026-11-01T00:00:00.000Z, delivered up to 2026-11-20T10:00:00.000Z',
    ],
    [
      { from: '2026-11-20T10:00:00.000Z', to: '2026-11-20T11:00:00.000Z', after: 'YWJj' },
      'window 2026-11-20T10:00:00.000Z .. 2026-11-20T11:00:00.000Z, part read',
    ],
    [{ from: '2026-11-20T10:00:00.000Z', spanMs: 3_600_000 }, 'next window from 2026-11-20T10:00:00.000Z'],
    [{ types: { URL: 41, ENC: 7 } }, 'URL at seq 41, ENC at seq 7'],
    [
      { types: { URL: 41, ENC: 7, AUTH: 12, PRINT: 9 }, pending: ['AUTH', 'PRINT'] },
      '4 log types at seq 7..41; round in progress (2 type(s) left)',
    ],
    [
      { mode: 'search', from: '2026-11-20T10:00:00.000Z', to: '2026-11-20T11:00:00.000Z', start: 500 },
      'window 2026-11-20T10:00:00.000Z .. 2026-11-20T11:00:00.000Z, offset 500',
    ],
    [{ mode: 'queue', acked: 'spool/0001' }, 'queue mode, last batch spool/0001'],
  ])('describes %j', (cursor, words) => {
    expect(describePosition({ cursor })).toBe(words);
  });

  it('describes a backfill as its range around the inner cursor, and says when it is done', () => {
    const range = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' };
    expect(describePosition({ cursor: { range, inner: { from: '2026-11-03T00:00:00.000Z' } } })).toBe(
      'range 2026-11-01T00:00:00.000Z .. 2026-11-08T00:00:00.000Z: next window from 2026-11-03T00:00:00.000Z',
    );
    expect(describePosition({ cursor: { range, inner: {}, done: true } })).toBe(
      'range 2026-11-01T00:00:00.000Z .. 2026-11-08T00:00:00.000Z done',
    );
  });

  it('says when nothing was committed yet, and when the stored cursor is unreadable', () => {
    expect(describePosition({})).toBe('at startFrom (no page committed yet)');
    expect(describePosition({ cursorError: 'not JSON' })).toBe('unreadable cursor (not JSON)');
  });
});

describe('leaseText and cursorRow', () => {
  const now = Date.parse('2026-11-20T12:00:00.000Z');

  it('names a live local holder and when its lease expires, without offering to release it', () => {
    const state = {
      sourceId: 'veza-main',
      version: 3,
      leaseOwner: `local:${hostname()}:${process.pid}:ab12`,
      leaseExpiresAt: now + 60_000,
    };
    expect(leaseText(state, 'veza-main', now)).toBe(
      `lease held by process ${process.pid} on this machine (still running) until 2026-11-20T12:01:00.000Z`,
    );
  });

  it('offers `cursor unlock` for a local holder whose process is gone', () => {
    const state = {
      sourceId: 'veza-main',
      version: 3,
      leaseOwner: `local:${hostname()}:999999999:ab12`,
      leaseExpiresAt: now + 60_000,
    };
    expect(leaseText(state, 'veza-main', now)).toMatch(
      /process 999999999 on this machine \(gone\) until .*; release it with: audit-pump cursor unlock veza-main$/,
    );
  });

  it('turns a state into a row: ISO times, lag from the newest event, the lease', () => {
    const row = cursorRow(
      {
        sourceId: 's',
        version: 2,
        cursor: { types: {} },
        lastSuccessAt: now - 1000,
        lastEventTime: now - 90_000,
        leaseOwner: 'lambda-request-1',
        leaseExpiresAt: now - 1,
      },
      now,
    );
    expect(row).toEqual({
      sourceId: 's',
      position: 'no log type read yet',
      version: 2,
      cursor: { types: {} },
      lagSeconds: 90,
      lastSuccessAt: '2026-11-20T11:59:59.000Z',
      lastEventAt: '2026-11-20T11:58:30.000Z',
      lease: {
        holder: 'a run elsewhere (lambda-request-1)',
        owner: 'lambda-request-1',
        until: '2026-11-20T11:59:59.999Z',
        expired: true,
        releasable: false,
      },
    });
  });
});
