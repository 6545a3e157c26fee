/**
 * The AWS clients, built in one place. Endpoints come from the SDK's own settings
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_FIREHOSE`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`),
 * which is how the local stack points the unchanged clients at its emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as LambdaModule from '@aws-sdk/client-lambda';
import type * as S3Module from '@aws-sdk/client-s3';

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly firehose: FirehoseClient;
  readonly secrets: SecretsManagerClient;
}

/** Default clients; `overrides` replace any of them (tests, local stack). */
export function awsClients(overrides: Partial<AwsClients> = {}): AwsClients {
  return {
    dynamodb: overrides.dynamodb ?? new DynamoDBClient({}),
    // The sink owns Firehose retries (failed entries only, inside the deadline).
    firehose: overrides.firehose ?? new FirehoseClient({ maxAttempts: 1 }),
    secrets: overrides.secrets ?? new SecretsManagerClient({}),
  };
}

type S3Sdk = typeof S3Module;
type LambdaSdk = typeof LambdaModule;
let s3: Promise<S3Sdk> | undefined;
let lambda: Promise<LambdaSdk> | undefined;

/**
 * The S3 and Lambda clients are loaded on first use, not at init: only the spool (Carbon Black
 * queue mode), reconciliation and continuations need them, and compiling them costs every cold
 * start ~30 ms (docs/performance.md). The functions are bundled with code splitting, so each is its
 * own chunk that the first use loads. A failed load is forgotten, so the next use tries again.
 */
export function s3Sdk(): Promise<S3Sdk> {
  return (s3 ??= import('@aws-sdk/client-s3').catch((error: unknown) => {
    s3 = undefined;
    throw error;
  }));
}

/** See {@link s3Sdk}. */
export function lambdaSdk(): Promise<LambdaSdk> {
  return (lambda ??= import('@aws-sdk/client-lambda').catch((error: unknown) => {
    lambda = undefined;
    throw error;
  }));
}
