/**
 * The SDK floor of module init (bench/bundle.ts): a handler that only creates the clients every
 * function creates at init (DynamoDB, Firehose, Secrets Manager, as shared/aws.ts does), bundled
 * as the functions are. What a function's init takes beyond this one's is the pump's own.
 */
import { awsClients } from '../shared/aws.ts';

const clients = awsClients();

/** Answers with the clients' names, so nothing of them is tree-shaken away. */
export const handler = async (): Promise<string[]> => Object.keys(clients);
