/**
 * Local processes and the state they share: a `--state` folder is used by one process at a time
 * (dynalite keeps it open), and a lease left by a local run names its host and process, so a lease
 * whose process is gone (killed, or stopped twice with Ctrl-C) can be told from a live one.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const LOCK_FILE = 'audit-pump.lock';

/** The state folder is open in another live process. */
export class StateBusyError extends Error {
  override name = 'StateBusyError';
}

/** What the lock file says of the process holding the state. */
interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

/** True when process `pid` on this host exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the state folder for this process, or throws StateBusyError naming the live process that
 * holds it. A lock left by a dead process (or another host's, which cannot be checked) is taken
 * over only in the first case. Returns the release.
 */
export async function lockState(dir: string, command: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, JSON.stringify(mine), { flag: 'wx' });
      return async () => {
        const held = await readLock(path);
        if (held?.pid === mine.pid && held.host === mine.host) await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await readLock(path);
    if (held && (held.host !== mine.host || processAlive(held.pid))) {
      const where = held.host === mine.host ? `process ${held.pid}` : `process ${held.pid} on host ${held.host}`;
      throw new StateBusyError(
        `the state folder ${dir} is in use by ${where} (audit-pump ${held.command}, since ${held.since}); wait for it to finish or stop it`,
      );
    }
    await rm(path, { force: true });
  }
  throw new StateBusyError(`the state folder ${dir} is being taken by another process; try again`);
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** The lease owner id of a local run: `local:<host>:<pid>:<run>`. */
export function localOwner(): string {
  return `local:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Who holds a lease, as far as this machine can tell. */
export interface Holder {
  /** A run of this machine whose process is gone: its lease may be released. */
  readonly dead: boolean;
  /** In words: `process 1234 on this machine (gone)`, `a run elsewhere (<owner>)`. */
  readonly text: string;
}

/** Describes a lease owner id; only a local run of this host can be known to be dead. */
export function describeHolder(owner: string): Holder {
  const match = /^local:(.+):(\d+):[^:]+$/.exec(owner);
  if (!match || match[1] !== hostname()) return { dead: false, text: `a run elsewhere (${owner})` };
  const pid = Number(match[2]);
  const alive = processAlive(pid);
  return { dead: !alive, text: `process ${pid} on this machine (${alive ? 'still running' : 'gone'})` };
}
