/** The chaos campaign's world (local/chaos/world.ts) for one test file. */
import { afterAll, beforeAll } from '@jest/globals';
import { startWorld, type ChaosWorld } from '../../local/chaos/world.ts';

/** Starts the world before the file's tests and stops it after them; the returned function hands it out. */
export function chaosWorldForFile(): () => ChaosWorld {
  let world: ChaosWorld | undefined;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });
  return () => {
    if (!world) throw new Error('the chaos world starts in beforeAll: ask for it inside a test');
    return world;
  };
}
