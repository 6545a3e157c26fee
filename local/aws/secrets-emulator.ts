/**
 * Secrets Manager on loopback, speaking AWS JSON 1.1 so an unchanged `SecretsManagerClient` with a
 * local `endpoint` reads credentials from it. Only GetSecretValue: the pump reads, it never writes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { awsJsonError, awsJsonOk, emulatedArn, epochSeconds, isResponse, parseAwsJsonCall } from './aws-json.ts';
import { listen, type EmulatorRequest, type EmulatorResponse } from '../emulators/http-server.ts';

/** Options of {@link startSecretsEmulator}: secret name → SecretString. */
export interface SecretsEmulatorOptions {
  secrets: Record<string, string>;
  port?: number;
}

/** A running Secrets Manager emulator. */
export interface SecretsEmulator {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Creates the secret or stores a new current version of it (rotation). */
  setSecret(name: string, value: string): void;
  /** GetSecretValue calls answered so far, failures included. */
  readonly calls: number;
}

interface StoredSecret {
  readonly arn: string;
  value: string;
  versionId: string;
  createdMs: number;
}

const NOT_FOUND = "Secrets Manager can't find the specified secret.";

/** Starts a Secrets Manager emulator on 127.0.0.1 holding `secrets`. */
export async function startSecretsEmulator(options: SecretsEmulatorOptions): Promise<SecretsEmulator> {
  const store = new Map<string, StoredSecret>();
  const setSecret = (name: string, value: string): void => {
    const existing = store.get(name);
    if (existing) Object.assign(existing, { value, versionId: randomUUID(), createdMs: Date.now() });
    else store.set(name, newSecret(name, value));
  };
  for (const [name, value] of Object.entries(options.secrets)) setSecret(name, value);
  let calls = 0;
  const server = await listen((req) => {
    const out = handle(store, req);
    if (out.counted) calls += 1;
    return out.response;
  }, options.port);
  return {
    endpoint: server.url,
    port: server.port,
    stop: () => server.close(),
    setSecret,
    get calls() {
      return calls;
    },
  };
}

function newSecret(name: string, value: string): StoredSecret {
  // Real secret ARNs end in a dash and six random characters.
  const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
  return {
    arn: emulatedArn('secretsmanager', `secret:${name}-${suffix}`),
    value,
    versionId: randomUUID(),
    createdMs: Date.now(),
  };
}

function handle(
  store: Map<string, StoredSecret>,
  req: EmulatorRequest,
): { response: EmulatorResponse; counted: boolean } {
  const call = parseAwsJsonCall(req, 'secretsmanager', ['GetSecretValue']);
  if (isResponse(call)) return { response: call, counted: false };
  return { response: getSecretValue(store, call.input), counted: true };
}

function getSecretValue(store: Map<string, StoredSecret>, input: Record<string, unknown>): EmulatorResponse {
  const id = input.SecretId;
  if (typeof id !== 'string' || id === '') return awsJsonError('InvalidParameterException', 'SecretId is required.');
  // SecretId may be the name or the full ARN, as in the real service.
  const entry = [...store.entries()].find(([name, secret]) => name === id || secret.arn === id);
  if (!entry) return awsJsonError('ResourceNotFoundException', NOT_FOUND);
  const [name, secret] = entry;
  // Only the current version is kept: asking for another one is asking for a value that is gone.
  const stage = input.VersionStage;
  const version = input.VersionId;
  if ((stage !== undefined && stage !== 'AWSCURRENT') || (version !== undefined && version !== secret.versionId)) {
    return awsJsonError(
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret value for the given version.",
    );
  }
  return awsJsonOk({
    ARN: secret.arn,
    Name: name,
    SecretString: secret.value,
    VersionId: secret.versionId,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: epochSeconds(secret.createdMs),
  });
}
