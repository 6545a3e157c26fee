/**
 * A Veza emulator and a local AWS stack with one Veza source on it, for the tests that run the
 * deployed pieces (the bundled function, the SIEM stream) against both.
 */
import { vezaConnector } from '../../functions/veza/connector.ts';
import { startVezaEmulator, type VezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { startLocalStack, type LocalStack } from '../../local/aws/stack.ts';
import { worldSources } from './world.ts';

/** The local stack and its Veza emulator; `stop` stops both. */
export type VezaStack = LocalStack & { readonly veza: VezaEmulator };

export interface VezaStackSettings {
  /** The emulator's valid key, which the source carries inline. */
  readonly token: string;
  /** The events the emulator holds. */
  readonly backlog: number;
  readonly sourceId: string;
  /** The source's `options.pageSize`. */
  readonly pageSize: number;
  /** Where the stack's Firehose writes the archive. */
  readonly archiveDir: string;
  /** The Firehose buffering interval. @default the local stack's */
  readonly bufferIntervalMs?: number;
}

export async function startVezaStack(settings: VezaStackSettings): Promise<VezaStack> {
  const { token, bufferIntervalMs } = settings;
  const veza = await startVezaEmulator({ token, backlog: settings.backlog });
  const sources = worldSources(vezaConnector, {
    id: settings.sourceId,
    baseUrl: veza.baseUrl,
    credentials: { token },
    options: { pageSize: settings.pageSize },
  });
  const stack = await startLocalStack({
    sources,
    archiveDir: settings.archiveDir,
    ...(bufferIntervalMs === undefined ? {} : { bufferIntervalMs }),
  });
  const stop = async (): Promise<void> => {
    await veza.stop();
    await stack.stop();
  };
  return { ...stack, veza, stop };
}
