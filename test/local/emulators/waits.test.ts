/** The emulators' waits: end after their time, or at once at stop (hung requests included). */
import { describe, expect, it } from '@jest/globals';
import { Waits } from '../../../local/emulators/waits.ts';

describe('Waits', () => {
  it('ends a wait after its time', async () => {
    const waits = new Waits();
    const started = Date.now();
    await waits.wait(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('ends every pending wait at stop, with or without a time, and later ones at once', async () => {
    const waits = new Waits();
    const ended: string[] = [];
    const hung = waits.wait().then(() => ended.push('hung'));
    const long = waits.wait(60_000).then(() => ended.push('long'));
    await Promise.resolve();
    expect(ended).toEqual([]);
    waits.stop();
    await Promise.all([hung, long]);
    expect(ended.sort()).toEqual(['hung', 'long']);
    expect(waits.stopped).toBe(true);
    await waits.wait();
  });
});
