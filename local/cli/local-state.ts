/**
 * The local state (cursors and leases in dynalite under a folder) as the read-only commands find
 * it: `--state` when given, else `.local/state`, else the state of `npm start` (`.local/start/state`),
 * the same fallback `query` has for the archive. Reading never creates a folder or a table.
 */
import { existsSync } from 'node:fs';
import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { LOCAL_CURSOR_TABLE } from '../../shared/archive-layout.ts';
import { CursorStore, type CursorState } from '../../shared/cursor-store.ts';
import { ensureCursorTable, startDynamo } from '../aws/dynamo.ts';

export const DEFAULT_STATE = '.local/state';
export const START_STATE = '.local/start/state';

/** Where the state is: `dir`, whether it exists, and a note when the fallback was taken. */
export function findState(given: string | undefined): { dir: string; exists: boolean; note?: string } {
  if (given !== undefined) return { dir: given, exists: existsSync(given) };
  if (existsSync(DEFAULT_STATE) || !existsSync(START_STATE))
    return { dir: DEFAULT_STATE, exists: existsSync(DEFAULT_STATE) };
  return {
    dir: START_STATE,
    exists: true,
    note: `no state under ${DEFAULT_STATE}; reading ${START_STATE} (the state of npm start)`,
  };
}

/** Every stored cursor under `dir` (backfill items included); none when nothing ran there. */
export async function readCursors(dir: string, command: string): Promise<CursorState[]> {
  if (!existsSync(dir)) return [];
  const dynamo = await startDynamo({ path: dir, command });
  try {
    return await new CursorStore({ client: dynamo.client, tableName: LOCAL_CURSOR_TABLE }).list();
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return [];
    throw error;
  } finally {
    await dynamo.stop();
  }
}

/** Runs `fn` with the cursor store under `dir`, which must exist (a write to a state nothing ran in is a mistake). */
export async function withStore<T>(dir: string, command: string, fn: (store: CursorStore) => Promise<T>): Promise<T> {
  if (!existsSync(dir)) throw new Error(`no state under ${dir}: nothing has run there (pass --state <dir>)`);
  const dynamo = await startDynamo({ path: dir, command });
  try {
    await ensureCursorTable(dynamo.client, LOCAL_CURSOR_TABLE);
    return await fn(new CursorStore({ client: dynamo.client, tableName: LOCAL_CURSOR_TABLE }));
  } finally {
    await dynamo.stop();
  }
}
