import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { LOCAL_AWS } from '../../../local/aws/dynamo.ts';
import { startSecretsEmulator, type SecretsEmulator } from '../../../local/aws/secrets-emulator.ts';

const NAME = 'audit-pump/veza-main';
const VALUE = '{"token":"t-1"}';

let emulator: SecretsEmulator;
let client: SecretsManagerClient;

beforeEach(async () => {
  emulator = await startSecretsEmulator({ secrets: { [NAME]: VALUE } });
  client = new SecretsManagerClient({ ...LOCAL_AWS, endpoint: emulator.endpoint, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await emulator.stop();
});

describe('Secrets Manager emulator', () => {
  it('returns the current value with its ARN, version and creation date', async () => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: NAME }));

    expect(out).toMatchObject({ Name: NAME, SecretString: VALUE, VersionStages: ['AWSCURRENT'] });
    expect(out.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:audit-pump\/veza-main-[A-Za-z0-9]{6}$/,
    );
    expect(out.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.CreatedDate).toBeInstanceOf(Date);
    expect(emulator.calls).toBe(1);
  });

  it('finds a secret by its ARN', async () => {
    const { ARN } = await client.send(new GetSecretValueCommand({ SecretId: NAME }));

    const out = await client.send(new GetSecretValueCommand({ SecretId: ARN }));

    expect(out.SecretString).toBe(VALUE);
  });

  it('serves a new version after setSecret, as after a rotation', async () => {
    const before = await client.send(new GetSecretValueCommand({ SecretId: NAME }));

    emulator.setSecret(NAME, '{"token":"t-2"}');
    emulator.setSecret('audit-pump/nected-main', '{"apiKey":"k"}');
    const after = await client.send(new GetSecretValueCommand({ SecretId: NAME }));
    const added = await client.send(new GetSecretValueCommand({ SecretId: 'audit-pump/nected-main' }));

    expect(after.SecretString).toBe('{"token":"t-2"}');
    expect(after.VersionId).not.toBe(before.VersionId);
    expect(after.ARN).toBe(before.ARN);
    expect(added.SecretString).toBe('{"apiKey":"k"}');
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    const error = await client.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toBe("Secrets Manager can't find the specified secret.");
    expect(emulator.calls).toBe(1);
  });
});
