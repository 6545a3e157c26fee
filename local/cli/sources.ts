/**
 * The sources a local command works on: read from the sources file, picked by id (a mistyped id
 * gets a "did you mean"), and checked to be runnable here: a source that names a secret
 * (`secretName`) reads it from AWS Secrets Manager, which only the deployed functions reach.
 */
import { optionSchemas } from '../../functions/registry.ts';
import { loadSourcesFile, type Source } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { didYouMean } from './args.ts';

/** The sources of `configFile` named in `wanted` (every enabled one when empty). */
export async function pickSources(configFile: string, wanted: readonly string[]): Promise<Source[]> {
  const file = await loadSourcesFile(configFile, optionSchemas());
  const ids = file.sources.map((s) => s.id);
  const unknown = wanted.filter((id) => !ids.includes(id));
  if (unknown.length) {
    const first = unknown[0] as string;
    throw new ConfigError(
      `no source ${unknown.map((u) => `"${u}"`).join(', ')} in ${configFile}${didYouMean(first, ids)}; its sources: ${ids.join(', ')}`,
    );
  }
  return file.sources.filter((s) => (wanted.length === 0 ? s.enabled : wanted.includes(s.id)));
}

/** The one source `id` of `configFile`. */
export async function pickSource(configFile: string, id: string): Promise<Source> {
  return (await pickSources(configFile, [id]))[0] as Source;
}

/** Refuses sources whose credentials live in Secrets Manager, naming them and what to do instead. */
export function requireLocalCredentials(sources: readonly Source[], configFile: string): void {
  const remote = sources.filter((s) => s.secretName !== undefined);
  if (remote.length === 0) return;
  const names = remote.map((s) => `${s.id} (secretName ${s.secretName})`).join(', ');
  throw new ConfigError(
    `${names} in ${configFile} read${remote.length === 1 ? 's its' : ' their'} credentials from AWS Secrets Manager, which local runs do not reach: ` +
      'for a local run give the source inline "credentials" instead of "secretName" (in a sources file of your own, never committed), ' +
      'or run the deployed function',
  );
}
