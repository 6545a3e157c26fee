/**
 * Where a deployed function finds its sources: in a file bundled with its code (the deploy writes
 * `sources.json` next to `index.mjs`, infra/bundling.ts), named by AUDIT_PUMP_SOURCES_FILE relative
 * to the function's code directory. Lambda's environment holds 4 KiB in all, about a dozen sources;
 * a file holds hundreds. Without the variable the environment is used as it is (AUDIT_PUMP_SOURCES).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './errors.ts';

/** `env` with AUDIT_PUMP_SOURCES read from the file AUDIT_PUMP_SOURCES_FILE names, when it names one. */
export function withSourcesFile(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): NodeJS.ProcessEnv {
  const file = env.AUDIT_PUMP_SOURCES_FILE;
  if (file === undefined) return env;
  if (env.AUDIT_PUMP_SOURCES !== undefined)
    throw new ConfigError('set AUDIT_PUMP_SOURCES or AUDIT_PUMP_SOURCES_FILE, not both');
  // Lambda sets LAMBDA_TASK_ROOT to the code directory (its working directory too).
  const path = resolve(env.LAMBDA_TASK_ROOT ?? cwd, file);
  try {
    return { ...env, AUDIT_PUMP_SOURCES: readFileSync(path, 'utf8') };
  } catch (error) {
    throw new ConfigError(
      `cannot read the sources file AUDIT_PUMP_SOURCES_FILE names (${path}): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
