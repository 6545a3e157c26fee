/**
 * `audit-pump emulate <vendor>`: one vendor emulator on 127.0.0.1 until interrupted, and a sources file that reads it.
 */
import { parseCommand, UsageError } from './args.ts';
import { startEmulator } from '../emulators/emulators.ts';

/** A non-negative number option, or undefined when not given. */
function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError('emulate', `--${name} must be a non-negative number, got "${value}"`);
  return n;
}

export async function emulateCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('emulate', args);
  const vendor = positionals[0] as string;
  const port = number(values.port, 'port');
  const backlog = number(values.backlog, 'backlog');
  const rate = number(values.rate, 'rate');
  const seed = number(values.seed, 'seed');
  const emulator = await startEmulator(vendor, {
    ...(port !== undefined ? { port } : {}),
    ...(backlog !== undefined ? { backlog } : {}),
    ...(rate !== undefined ? { arrivalsPerSecond: rate } : {}),
    ...(seed !== undefined ? { seed } : {}),
  });
  const example = {
    sources: [
      {
        id: `${vendor}-local`,
        vendor,
        baseUrl: emulator.baseUrl,
        credentials: emulator.credentials,
        startFrom: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        options: emulator.options,
      },
    ],
  };
  process.stdout.write(
    `${vendor} emulator listening on ${emulator.baseUrl}\nexample sources file:\n${JSON.stringify(example, null, 2)}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.stop();
  return 0;
}
