/**
 * Files that survive a crash of the process or of the machine whole or not at all: the bytes go to a
 * temporary name, are fsynced, renamed into place, and the directory is fsynced too, since a
 * rename (or a new file) is durable only once its directory entry is.
 */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes `bytes` to `temp`, fsyncs them, renames `temp` to `path` (same directory) and fsyncs that directory. */
export async function writeFileDurably(path: string, temp: string, bytes: Uint8Array): Promise<void> {
  const file = await open(temp, 'w');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  await syncDir(dirname(path));
}

/** fsync of a directory, so a file created or renamed in it survives a crash of the machine too. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
