/**
 * `audit-pump cursor show|reset|unlock`: the stored cursors and leases under a state folder.
 * `show` only reads (it creates nothing); `reset` and `unlock` refuse while a live run holds the lease.
 */
import { didYouMean, parseCommand } from './args.ts';
import { cursorRow, formatCursorTable, leaseText } from './cursor-view.ts';
import { findState, readCursors, withStore } from './local-state.ts';
import { describeHolder } from '../aws/state-lock.ts';
import type { CursorState, CursorStore } from '../../shared/cursor-store.ts';

/** `cursor show [<source>] [--state <dir>] [--json]` */
export async function cursorShow(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('cursor show', args);
  const [sourceId] = positionals;
  const state = findState(values.state);
  if (state.note) process.stderr.write(`audit-pump cursor show: ${state.note}\n`);
  const all = await readCursors(state.dir, 'cursor show');
  const found = sourceId === undefined ? all : all.filter((s) => s.sourceId === sourceId);
  if (sourceId !== undefined && found.length === 0) {
    throw noCursor(
      sourceId,
      state.dir,
      all.map((s) => s.sourceId),
    );
  }
  const rows = found.map((s) => cursorRow(s));
  if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length === 0)
    process.stdout.write(`no cursors under ${state.dir}${state.exists ? '' : ' (nothing has run there yet)'}\n`);
  else process.stdout.write(formatCursorTable(rows));
  return 0;
}

/** `cursor reset <source> [--state <dir>]` */
export async function cursorReset(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('cursor reset', args);
  const sourceId = positionals[0] as string;
  await withStore(values.state, 'cursor reset', async (store) => {
    const state = await storedCursor(store, sourceId, values.state);
    if (state.leaseOwner && (state.leaseExpiresAt ?? 0) > Date.now())
      throw new Error(`cannot reset ${sourceId}: ${leaseText(state, sourceId)}`);
    await store.reset(sourceId);
  });
  process.stdout.write(`cursor of ${sourceId} reset; its next run starts at startFrom\n`);
  return 0;
}

/** `cursor unlock <source> [--state <dir>]` */
export async function cursorUnlock(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('cursor unlock', args);
  const sourceId = positionals[0] as string;
  const text = await withStore(values.state, 'cursor unlock', async (store) => {
    const state = await storedCursor(store, sourceId, values.state);
    if (!state.leaseOwner) return `${sourceId} holds no lease; nothing to release`;
    const holder = describeHolder(state.leaseOwner);
    // Only a lease whose process is known to be gone: a live or remote run would go on writing.
    if (!holder.dead)
      throw new Error(
        `refusing to unlock ${sourceId}: its lease is held by ${holder.text}; it ends by itself when that run finishes`,
      );
    await store.releaseLease(sourceId, state.leaseOwner);
    return `released the lease of ${sourceId} left by ${holder.text}; its cursor stays at version ${state.version}`;
  });
  process.stdout.write(`${text}\n`);
  return 0;
}

/** The stored cursor of `sourceId`; a source with none is an error that names the stored ones. */
async function storedCursor(store: CursorStore, sourceId: string, dir: string): Promise<CursorState> {
  const state = await store.get(sourceId);
  if (state) return state;
  throw noCursor(
    sourceId,
    dir,
    (await store.list()).map((s) => s.sourceId),
  );
}

/** `no cursor stored for source "x" under dir; stored: a, b (did you mean "a"?)`. */
function noCursor(sourceId: string, dir: string, known: readonly string[]): Error {
  const stored = known.length === 0 ? '' : `; stored: ${known.join(', ')}${didYouMean(sourceId, known)}`;
  return new Error(`no cursor stored for source "${sourceId}" under ${dir}${stored}`);
}
