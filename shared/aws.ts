/**
 * The AWS clients, built in one place. Endpoints come from the SDK's own settings
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_FIREHOSE`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`),
 * which is how the local stack points the unchanged clients at its emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

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
