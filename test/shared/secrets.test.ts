/**
 * Credentials from Secrets Manager (DESIGN.md 4.1, invariant 7 of 4.3) with the real client against
 * the local Secrets Manager emulator: read, parsed, cached, refreshed on demand, and never echoed
 * in an error.
 */
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LOCAL_AWS } from '../../local/aws/dynamo.ts';
import { startSecretsEmulator, type SecretsEmulator } from '../../local/aws/secrets-emulator.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import { PlaceholderSecretError, SecretError } from '../../shared/errors.ts';
import { SecretsCredentials } from '../../shared/secrets.ts';
import { rejectionOf } from '../helpers/core-errors.ts';
import { testSource } from '../helpers/scripted.ts';

const TOKEN = 'vz-tok-7f3a9c1e55d04b2b';
const SECRETS = {
  'audit-pump/veza-main': JSON.stringify({ token: TOKEN }),
  'audit-pump/not-json': `token=${TOKEN}`,
  'audit-pump/array': JSON.stringify([TOKEN]),
  'audit-pump/number-field': JSON.stringify({ token: TOKEN, port: 8443 }),
  'audit-pump/placeholder': JSON.stringify({ placeholder: true }),
};

let emulator: SecretsEmulator;
let client: SecretsManagerClient;
let credentials: SecretsCredentials;

beforeEach(async () => {
  emulator = await startSecretsEmulator({ secrets: SECRETS });
  client = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: emulator.endpoint, maxAttempts: 1 });
  credentials = new SecretsCredentials({ client });
});

afterEach(async () => {
  client.destroy();
  await emulator.stop();
});

/** A veza source reading its credentials from `secretName`. */
function sourceWithSecret(secretName: string): Source {
  const { sources } = parseSources({
    sources: [
      {
        id: 'veza-main',
        vendor: 'veza',
        baseUrl: 'https://acme.vezacloud.com',
        secretName,
        startFrom: '2026-11-01T00:00:00Z',
      },
    ],
  });
  return sources[0] as Source;
}

/** The SecretError `promise` rejects with. */
const secretError = (promise: Promise<unknown>): Promise<SecretError> => rejectionOf(SecretError, promise);

/** Everything an error could show in a log: name, message and stack, of it and of every cause. */
function everythingSaid(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) parts.push(e.name, e.message, e.stack ?? '');
  return parts.join('\n');
}

describe('SecretsCredentials', () => {
  it('reads the secret and returns its fields', async () => {
    // Act
    const creds = await credentials.get(sourceWithSecret('audit-pump/veza-main'));

    // Assess
    expect(creds).toEqual({ token: TOKEN });
    expect(emulator.calls).toBe(1);
  });

  it('answers a second read from its cache without calling Secrets Manager', async () => {
    // Prepare
    const source = sourceWithSecret('audit-pump/veza-main');
    await credentials.get(source);

    // Act
    const again = await credentials.get(source);

    // Assess
    expect(again).toEqual({ token: TOKEN });
    expect(emulator.calls).toBe(1);
  });

  it('fetches again on refresh and sees a rotated value', async () => {
    // Prepare
    const source = sourceWithSecret('audit-pump/veza-main');
    await credentials.get(source);
    emulator.setSecret('audit-pump/veza-main', JSON.stringify({ token: 'vz-tok-rotated' }));

    // Act
    const cached = await credentials.get(source);
    const refreshed = await credentials.get(source, { refresh: true });

    // Assess
    expect(cached).toEqual({ token: TOKEN });
    expect(refreshed).toEqual({ token: 'vz-tok-rotated' });
    expect(emulator.calls).toBe(2);
  });

  it('returns inline credentials as they are without calling Secrets Manager', async () => {
    // Prepare
    const source = testSource({
      id: 'veza-local',
      baseUrl: 'http://127.0.0.1:1',
      credentials: { token: 'local' },
      startFrom: '2026-11-01T00:00:00Z',
    });

    // Act
    const creds = await credentials.get(source);

    // Assess
    expect(creds).toEqual({ token: 'local' });
    expect(emulator.calls).toBe(0);
  });

  it('raises SecretError naming the source and the missing secret, and nothing of any secret value', async () => {
    // Act
    const error = await secretError(credentials.get(sourceWithSecret('audit-pump/missing')));

    // Assess
    expect(error.message).toBe('source veza-main: cannot read secret "audit-pump/missing" (ResourceNotFoundException)');
    expect(everythingSaid(error)).not.toContain(TOKEN);
  });

  it.each([
    ['is not JSON', 'audit-pump/not-json', 'is not a JSON object'],
    ['is a JSON array', 'audit-pump/array', 'is not a JSON object'],
    ['has a field that is not a string', 'audit-pump/number-field', 'fields must be strings (port)'],
  ])('raises SecretError when the secret %s, never showing its value', async (_case, secretName, reason) => {
    // Act
    const error = await secretError(credentials.get(sourceWithSecret(secretName)));

    // Assess
    expect(error).not.toBeInstanceOf(PlaceholderSecretError);
    expect(error.message).toBe(`source veza-main: secret "${secretName}" ${reason}`);
    expect(everythingSaid(error)).not.toContain(TOKEN);
    expect(everythingSaid(error)).not.toContain('8443');
  });

  it('raises SecretError when the secret is empty', async () => {
    // Prepare
    emulator.setSecret('audit-pump/empty', '');

    // Act
    const error = await secretError(credentials.get(sourceWithSecret('audit-pump/empty')));

    // Assess
    expect(error.message).toContain('secret "audit-pump/empty" is empty');
  });

  it('raises PlaceholderSecretError for a secret the deploy created and nobody filled in', async () => {
    // Act
    const error = await secretError(credentials.get(sourceWithSecret('audit-pump/placeholder')));

    // Assess
    expect(error).toBeInstanceOf(PlaceholderSecretError);
    expect(error.code).toBe('SECRET_PLACEHOLDER');
    expect(error.message).toContain('secret "audit-pump/placeholder" still holds the placeholder');
  });
});
