/**
 * The `audit-pump` command line (DESIGN.md 4.6): run, backfill, reconcile, cursor show|reset, emulate, start.
 * Local runs use the same code path as the Lambda handler, against the local AWS stack.
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { optionSchemas } from '../functions/registry.ts';
import { LOCAL_CURSOR_TABLE } from '../shared/archive-layout.ts';
import { loadSourcesFile } from '../shared/config.ts';
import { CursorStore, type CursorState } from '../shared/cursor-store.ts';
import { describeError } from '../shared/errors.ts';
import { ensureCursorTable, startDynamo } from './dynamo.ts';
import { startEmulator } from './emulators.ts';
import { drainSource, localPumps } from './local-run.ts';
import { ProgressView } from './progress.ts';
import { queryCommand } from './query.ts';
import { backfillCommand, reconcileCommand } from './range-commands.ts';
import { exportLocalLake, lakeSummary } from './security-lake.ts';
import { securityLakeCommand } from './security-lake-command.ts';
import { startLocalStack } from './stack.ts';
import { start } from './start.ts';
import { describeHolder } from './state-lock.ts';
import { validateCommand } from './validate.ts';

const USAGE = `usage: audit-pump <command>

  run --config <file> [--source <id>] [--state <dir>] [--archive <dir>] [--security-lake]
        run the sources (all by default) until caught up, with the Lambda's code path,
        cursors under --state (default .local/state), archive under --archive (default .local/archive);
        --security-lake also writes the archive in the Security Lake layout under <archive>/security-lake
  backfill --source <id> --from <t> --to <t> [--config <file>] [--state <dir>] [--archive <dir>] [--restart] [--margin S]
        re-read a past range [from, to) into the archive with its own cursor (<id>#backfill);
        the live cursor never moves; run it again to resume; times: 2026-11-20 or ISO with offset;
        --config defaults to sources.json
  reconcile --source <id> [--window yesterday|<t1>..<t2>] [--config <file>] [--archive <dir>] [--margin S] [--json]
        compare a past window at the vendor with the archive; exit 0 when nothing is missing,
        3 when events are missing (a backfill of the window fills them)
  query "<SQL>" | --named <name> [--archive <dir>] [--json]
        SQL (Athena's dialect works) over the local archive: tables events, events_dedup
  validate [--archive <dir>] [--max-problems N]   check every archived event against OCSF 1.1
  cursor show [<source>] [--state <dir>]     print stored cursors and leases
  cursor reset <source> [--state <dir>]      forget a cursor: the source restarts at startFrom
  cursor unlock <source> [--state <dir>]     release a lease left by a local run whose process is gone
  security-lake register --config <file> --account <id> --external-id <id> --crawler-role-arn <arn> --region <r>
        print the aws securitylake create-custom-log-source calls for the classes the sources produce
  security-lake export [--archive <dir>]     write the archive in the Security Lake layout (Parquet)
  emulate <vendor> [--port N] [--backlog N] [--rate R] [--seed S]
        serve a vendor emulator on 127.0.0.1 until interrupted
  start [--once] [--backlog N] [--rate R] [--interval S] [--security-lake]
        the whole pipeline offline (what npm start runs): every emulator, the local AWS stack, a live
        view; --once drains the backlogs, checks the archive and exits
`;

/** Entry point; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest);
      case 'cursor':
        return await cursorCommand(rest);
      case 'backfill':
        return await backfillCommand(rest);
      case 'reconcile':
        return await reconcileCommand(rest);
      case 'query':
        return await queryCommand(rest);
      case 'validate':
        return await validateCommand(rest);
      case 'emulate':
        return await emulateCommand(rest);
      case 'security-lake':
        return await securityLakeCommand(rest);
      case 'start':
        return await start(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`audit-pump: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(`audit-pump ${command}: ${error instanceof Error ? error.message : describeError(error)}\n`);
    return 1;
  }
}

async function runCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { config: { type: 'string' }, source: { type: 'string', multiple: true }, state: { type: 'string' }, archive: { type: 'string' }, 'security-lake': { type: 'boolean', default: false } },
    strict: true,
  });
  if (!values.config) throw new Error('--config <file> is required');
  const file = await loadSourcesFile(values.config, optionSchemas());
  const wanted = values.source ?? [];
  const unknown = wanted.filter((id) => !file.sources.some((s) => s.id === id));
  if (unknown.length) throw new Error(`no source ${unknown.map((u) => `"${u}"`).join(', ')} in ${values.config}`);
  const sources = file.sources.filter((s) => s.enabled && (wanted.length === 0 || wanted.includes(s.id)));
  const stateDir = values.state ?? '.local/state';
  const archiveDir = values.archive ?? '.local/archive';
  mkdirSync(archiveDir, { recursive: true });
  const stack = await startLocalStack({ sources, stateDir, archiveDir });
  const view = new ProgressView(process.stderr, false);
  const stop = stopOnInterrupt('run');
  let failed = 0;
  const where = new Map<string, string>();
  try {
    const pumps = localPumps(stack, { onResult: (r) => view.result(r), stop: stop.signal });
    const store = new CursorStore({ client: stack.clients.dynamodb, tableName: stack.config.cursorTable });
    for (const source of stack.config.sources) {
      if (stop.signal.aborted) break;
      const result = await drainSource(pumps, source, { stop: stop.signal });
      // Anything but caught up (failed, busy, stopped, skipped for a placeholder secret) is not done.
      if (result.status !== 'caught-up') failed++;
      if (result.status === 'busy' || result.status === 'stopped') where.set(source.id, positionOf(await store.get(source.id), source.id));
    }
  } finally {
    stop.dispose();
    await stack.stop();
  }
  for (const row of view.summary()) {
    const detail = where.get(row.sourceId) ?? row.error;
    process.stdout.write(`${row.sourceId}: ${row.status}, ${row.events} events, ${row.pages} pages, ${row.rejected} dead-lettered${detail ? ` — ${detail}` : ''}\n`);
  }
  if (stop.signal.aborted) {
    process.stdout.write(`stopped by request: every committed page is archived; run the same command again to go on\n`);
    return 130;
  }
  process.stdout.write(failed ? `${failed} source(s) did not finish; see above\n` : `all ${sources.length} source(s) caught up; archive under ${archiveDir}\n`);
  if (values['security-lake']) process.stdout.write(`${lakeSummary(await exportLocalLake(archiveDir))}\n`);
  return failed ? 1 : 0;
}

/**
 * Ctrl-C (or SIGTERM) once: every run stops at its next page boundary, commits what it delivered and
 * releases its lease. Twice: the process exits at once, which is safe too (the local Firehose has
 * every acknowledged record on disk, and a page not committed is read again), but leaves the lease
 * to expire or to `audit-pump cursor unlock`.
 */
function stopOnInterrupt(command: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`audit-pump ${command}: quitting now; nothing acknowledged is lost, the page in flight is read again next time (its lease: audit-pump cursor unlock <source>)\n`);
      process.exit(130);
    }
    controller.abort();
    process.stderr.write(`audit-pump ${command}: stopping at the next page boundary (Ctrl-C again to quit at once)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Where a source's cursor stands, in a line: its version and position, and the lease if one is held. */
function positionOf(state: CursorState | undefined, sourceId: string): string {
  if (!state) return 'no cursor stored yet';
  const cursor = state.cursor === undefined ? 'at startFrom' : `at ${JSON.stringify(state.cursor).slice(0, 160)}`;
  return `cursor version ${state.version} ${cursor}${state.leaseOwner ? `; ${leaseText(state, sourceId)}` : ''}`;
}

/** Who holds a source's lease and until when, and what to do about a dead holder. */
function leaseText(state: CursorState, sourceId: string): string {
  const holder = describeHolder(state.leaseOwner ?? '');
  const until = state.leaseExpiresAt === undefined ? '' : ` until ${new Date(state.leaseExpiresAt).toISOString()}`;
  return `lease held by ${holder.text}${until}${holder.dead ? `; release it with: audit-pump cursor unlock ${sourceId}` : ''}`;
}

async function withStore<T>(stateDir: string, fn: (store: CursorStore) => Promise<T>): Promise<T> {
  const dynamo = await startDynamo({ path: stateDir, command: 'cursor' });
  try {
    await ensureCursorTable(dynamo.client, LOCAL_CURSOR_TABLE);
    return await fn(new CursorStore({ client: dynamo.client, tableName: LOCAL_CURSOR_TABLE }));
  } finally {
    await dynamo.stop();
  }
}

async function cursorCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: { state: { type: 'string' } }, allowPositionals: true });
  const [action, sourceId] = positionals;
  const stateDir = values.state ?? '.local/state';
  if (action === 'show') {
    const states = await withStore(stateDir, async (store) => (sourceId ? [await store.get(sourceId)] : store.list()));
    const found = states.filter((s) => s !== undefined);
    if (sourceId && found.length === 0) throw new Error(`no cursor stored for source "${sourceId}" under ${stateDir}`);
    process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
    return 0;
  }
  if (action === 'reset') {
    if (!sourceId) throw new Error('usage: audit-pump cursor reset <source>');
    await withStore(stateDir, async (store) => {
      const state = await store.get(sourceId);
      if (!state) throw new Error(`no cursor stored for source "${sourceId}" under ${stateDir}`);
      if (state.leaseOwner && (state.leaseExpiresAt ?? 0) > Date.now()) throw new Error(`cannot reset ${sourceId}: ${leaseText(state, sourceId)}`);
      await store.reset(sourceId);
    });
    process.stdout.write(`cursor of ${sourceId} reset; its next run starts at startFrom\n`);
    return 0;
  }
  if (action === 'unlock') {
    if (!sourceId) throw new Error('usage: audit-pump cursor unlock <source>');
    const text = await withStore(stateDir, async (store) => {
      const state = await store.get(sourceId);
      if (!state?.leaseOwner) return `${sourceId} holds no lease; nothing to release`;
      const holder = describeHolder(state.leaseOwner);
      // Only a lease whose process is known to be gone: a live or remote run would go on writing.
      if (!holder.dead) throw new Error(`refusing to unlock ${sourceId}: its lease is held by ${holder.text}; it ends by itself when that run finishes`);
      await store.releaseLease(sourceId, state.leaseOwner);
      return `released the lease of ${sourceId} left by ${holder.text}; its cursor stays at version ${state.version}`;
    });
    process.stdout.write(`${text}\n`);
    return 0;
  }
  throw new Error('usage: audit-pump cursor show [<source>] | cursor reset <source> | cursor unlock <source>');
}

async function emulateCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { port: { type: 'string' }, backlog: { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' } },
    allowPositionals: true,
  });
  const vendor = positionals[0];
  if (!vendor) throw new Error('usage: audit-pump emulate <vendor> [--port N]');
  const num = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got "${v}"`);
    return n;
  };
  const emulator = await startEmulator(vendor, {
    ...(values.port !== undefined ? { port: num(values.port, 'port') as number } : {}),
    ...(values.backlog !== undefined ? { backlog: num(values.backlog, 'backlog') as number } : {}),
    ...(values.rate !== undefined ? { arrivalsPerSecond: num(values.rate, 'rate') as number } : {}),
    ...(values.seed !== undefined ? { seed: num(values.seed, 'seed') as number } : {}),
  });
  const example = {
    sources: [
      { id: `${vendor}-local`, vendor, baseUrl: emulator.baseUrl, credentials: emulator.credentials, startFrom: new Date(Date.now() - 7 * 86_400_000).toISOString(), options: emulator.options },
    ],
  };
  process.stdout.write(`${vendor} emulator listening on ${emulator.baseUrl}\nexample sources file:\n${JSON.stringify(example, null, 2)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.stop();
  return 0;
}
