/**
 * Crashes as real process kills: `audit-pump run` (the Lambda handler's code path on the local
 * stack) in a child process, SIGKILLed at a random moment of its drain, one to three times; after
 * each kill the lease it left is released as an operator would (`cursor unlock`), and a last run
 * drains the source. The archive must then hold every event the vendor holds, each with its bytes:
 * the local Firehose acknowledges only what is on disk, and the cursor moves only after that.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_CURSOR_TABLE } from '../../shared/archive-layout.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { startDynamo } from '../aws/dynamo.ts';
import { JOURNAL_DIR } from '../aws/firehose-writer.ts';
import { randomInt, seededRandom } from '../emulators/random.ts';
import { describeHolder } from '../aws/state-lock.ts';
import { nonDestructiveStands, startStand, type StandName } from './stands.ts';
import { archivedByUid, deadLettersIn } from './invoke.ts';
import { compare } from './run.ts';

/**
 * The stands a kill can hit; a destructive read (Carbon Black's queue mode) has a documented loss window for a kill
 * mid-read (functions/carbonblack/queue.ts).
 */
export const KILL_STANDS: readonly StandName[] = nonDestructiveStands();

const BIN = fileURLToPath(new URL('../../bin/audit-pump.js', import.meta.url));
/** Longest a drain may take before the kill campaign calls it hung. */
const RUN_TIMEOUT_MS = 60_000;

/** The findings of one kill scenario. */
export interface KillReport {
  readonly seed: number;
  readonly stand: StandName;
  readonly kills: number;
  readonly lost: number;
  readonly strangers: number;
  readonly uidConflicts: number;
  readonly rawMismatches: number;
  readonly events: number;
  readonly duplicates: number;
  readonly caughtUp: boolean;
  readonly details: readonly string[];
  readonly ms: number;
}

/**
 * `audit-pump <args>` in a child process; `kill` SIGKILLs it once the local Firehose has acknowledged a batch and
 * `afterMs` more have passed.
 */
async function runCli(
  args: readonly string[],
  kill?: { archiveDir: string; afterMs: number },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, CI: 'true', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => void (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => void (output += c.toString('utf8')));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const hung = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  if (kill) {
    // Mid-drain: once a first batch is acknowledged (its journal exists), then a random while more.
    while (child.exitCode === null && (await readdir(join(kill.archiveDir, JOURNAL_DIR)).catch(() => [])).length === 0)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, kill.afterMs));
    child.kill('SIGKILL');
  }
  const end = await closed;
  clearTimeout(hung);
  return { ...end, output };
}

/** `audit-pump cursor unlock`, in this process: the killed run's lease is released when its process is gone. */
async function unlock(stateDir: string, sourceId: string): Promise<void> {
  const dynamo = await startDynamo({ path: stateDir, command: 'cursor' });
  try {
    const store = new CursorStore({ client: dynamo.client, tableName: LOCAL_CURSOR_TABLE });
    const owner = (await store.get(sourceId).catch(() => undefined))?.leaseOwner;
    if (owner && describeHolder(owner).dead) await store.releaseLease(sourceId, owner);
  } finally {
    await dynamo.stop();
  }
}

/** Plays the kill scenario with this seed. */
export async function killRun(seed: number): Promise<KillReport> {
  const started = Date.now();
  const random = seededRandom(seed ^ 0x6b111);
  const stand = await startStand(KILL_STANDS[randomInt(random, 0, KILL_STANDS.length - 1)] as StandName, {
    sourceId: `kill-${(seed >>> 0).toString(36)}`,
    seed,
    now: Date.now,
    backlog: randomInt(random, 300, 900),
  });
  const dir = await mkdtemp(join(tmpdir(), 'audit-pump-kills-'));
  const [config, stateDir, archiveDir] = [join(dir, 'sources.json'), join(dir, 'state'), join(dir, 'archive')];
  const details: string[] = [];
  let kills = 0;
  try {
    await writeFile(config, JSON.stringify({ sources: [stand.source] }));
    const args = ['run', '--config', config, '--state', stateDir, '--archive', archiveDir];
    for (let i = randomInt(random, 1, 3); i > 0; i--) {
      const killed = await runCli(args, { archiveDir, afterMs: randomInt(random, 0, 700) });
      if (killed.signal === 'SIGKILL') kills++;
      await unlock(stateDir, stand.source.id);
    }
    const last = await runCli(args);
    if (last.code !== 0)
      details.push(`the run after the kills ended with ${last.code ?? last.signal}: ${last.output.slice(-300)}`);
    const found = await compare(
      { byUid: () => archivedByUid(archiveDir), deadLetters: () => deadLettersIn(archiveDir) },
      stand,
      Date.now(),
      details,
    );
    return { seed, stand: stand.name, kills, ...found, caughtUp: last.code === 0, details, ms: Date.now() - started };
  } finally {
    await stand.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
