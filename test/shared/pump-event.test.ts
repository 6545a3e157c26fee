/** The pump's event parsed at the edge (shared/pump-event.ts): the kind by the key present, bad fields named. */
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../shared/errors.ts';
import { parsePumpEvent } from '../../shared/pump-event.ts';

describe('parsePumpEvent', () => {
  it('reads no event as a run of every source', () => {
    expect(parsePumpEvent(undefined)).toEqual({ kind: 'run' });
    expect(parsePumpEvent(null)).toEqual({ kind: 'run' });
  });

  it("reads a schedule's event as a run of its source, ignoring fields it does not know", () => {
    expect(parsePumpEvent({ sourceId: 'veza-a', continuation: 2, 'detail-type': 'Scheduled Event' })).toEqual({
      kind: 'run',
      sourceId: 'veza-a',
      continuation: 2,
    });
  });

  it('reads a backfill key as a backfill, before a reconcile key', () => {
    // Act
    const command = parsePumpEvent({
      backfill: { sourceId: 'veza-a', from: '2026-11-01', to: '2026-11-02' },
      reconcile: { sourceId: 'veza-a' },
    });

    // Assess
    expect(command).toMatchObject({ kind: 'backfill', backfill: { sourceId: 'veza-a', from: '2026-11-01' } });
  });

  it('reads a reconcile key as a reconciliation', () => {
    expect(parsePumpEvent({ reconcile: { sourceId: 'veza-a', window: 'yesterday' } })).toEqual({
      kind: 'reconcile',
      reconcile: { sourceId: 'veza-a', window: 'yesterday' },
    });
  });

  it('refuses a request with a bad field, naming the kind and the field', () => {
    // Act
    const error = catching(() => parsePumpEvent({ backfill: { sourceId: 'veza-a', from: '2026-11-01', extra: 1 } }));

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^invalid backfill event:\n/);
    expect(error.message).toMatch(/^backfill to: /m);
    expect(error.message).toMatch(/^backfill: Unrecognized key: "extra"$/m);
  });

  it('refuses a run whose sourceId is not a non-empty string', () => {
    expect(() => parsePumpEvent({ sourceId: 7 })).toThrow(/^invalid run event:\nevent sourceId: /);
    expect(() => parsePumpEvent({ sourceId: '' })).toThrow(/^invalid run event:\nevent sourceId: /);
  });

  it('refuses an event that is not an object', () => {
    expect(() => parsePumpEvent('veza-a')).toThrow('invalid event: expected a JSON object, got string');
    expect(() => parsePumpEvent([])).toThrow('invalid event: expected a JSON object, got an array');
  });
});

function catching(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
