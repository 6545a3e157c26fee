/**
 * Credentials from Secrets Manager through Powertools' SecretsProvider: cached for `maxAgeSeconds`,
 * fetched again (once per run, by the runner) when the vendor refuses the credential with a 401.
 * Secret values never appear in errors: messages name the secret, never its content.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { PlaceholderSecretError, SecretError } from './errors.ts';
import type { CredentialsProvider } from './runner.ts';
import type { Source } from './config.ts';

export interface SecretsCredentialsOptions {
  /** Injected client (tests, local stack); a default client is built otherwise. */
  readonly client?: SecretsManagerClient;
  /** Cache lifetime. @default 300 */
  readonly maxAgeSeconds?: number;
}

/** Marks a secret that was created empty by the deploy and not filled in yet. */
export const PLACEHOLDER_KEY = 'placeholder';

/** Credentials provider for deployed sources (`secretName`), and inline credentials locally. */
export class SecretsCredentials implements CredentialsProvider {
  private readonly provider: SecretsProvider;
  private readonly maxAge: number;

  constructor(options: SecretsCredentialsOptions = {}) {
    this.provider = new SecretsProvider({ awsSdkV3Client: options.client ?? new SecretsManagerClient({}) });
    this.maxAge = options.maxAgeSeconds ?? 300;
  }

  async get(source: Source, options: { refresh?: boolean } = {}): Promise<Record<string, string>> {
    if (source.credentials) return source.credentials;
    const name = source.secretName as string;
    let text: string | undefined;
    try {
      const value = await this.provider.get(name, { maxAge: this.maxAge, forceFetch: options.refresh ?? false });
      text = typeof value === 'string' ? value : value === undefined ? undefined : Buffer.from(value).toString('utf8');
    } catch (error) {
      const reason =
        (error as Error).name === 'GetParameterError'
          ? (((error as Error).cause as Error | undefined)?.name ?? 'error')
          : (error as Error).name;
      throw new SecretError(`source ${source.id}: cannot read secret "${name}" (${reason})`, { cause: error });
    }
    return parseSecret(source, name, text);
  }
}

/** Parses a secret's JSON into a string map; errors say what is wrong, never what is inside. */
export function parseSecret(source: Source, name: string, text: string | undefined): Record<string, string> {
  if (!text) throw new SecretError(`source ${source.id}: secret "${name}" is empty`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SecretError(`source ${source.id}: secret "${name}" is not a JSON object`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SecretError(`source ${source.id}: secret "${name}" is not a JSON object`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([k]) => k === PLACEHOLDER_KEY)) {
    throw new PlaceholderSecretError(
      `source ${source.id}: secret "${name}" still holds the placeholder; put the vendor credentials in it`,
    );
  }
  const bad = entries.filter(([, v]) => typeof v !== 'string').map(([k]) => k);
  if (bad.length)
    throw new SecretError(`source ${source.id}: secret "${name}" fields must be strings (${bad.join(', ')})`);
  return Object.fromEntries(entries) as Record<string, string>;
}
