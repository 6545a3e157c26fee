/**
 * The production invoker: the Lambda client is loaded on the first continuation (not at init), the
 * event goes out as an asynchronous Invoke of the function itself, and a client passed in is used.
 */
import { describe, expect, it } from '@jest/globals';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { lambdaInvoker } from '../../shared/continuation.ts';

describe('lambdaInvoker', () => {
  it('invokes the function asynchronously with the event as its payload', async () => {
    const sent: unknown[] = [];
    const client = new LambdaClient({ region: 'us-east-1' });
    client.send = (async (command: unknown) => void sent.push(command)) as unknown as LambdaClient['send'];
    const invoke = lambdaInvoker(client);
    await invoke('AuditPump-veza', { sourceId: 'veza-main', continuation: 2 });
    await invoke('AuditPump-veza', { sourceId: 'veza-other', continuation: 1 });

    expect(sent).toHaveLength(2);
    const first = sent[0] as InvokeCommand;
    expect(first).toBeInstanceOf(InvokeCommand);
    expect(first.input).toMatchObject({ FunctionName: 'AuditPump-veza', InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(first.input.Payload as Uint8Array).toString('utf8'))).toEqual({
      sourceId: 'veza-main',
      continuation: 2,
    });
  });

  it('reports a failed Invoke to the caller, which leaves the source to the schedule', async () => {
    const client = new LambdaClient({ region: 'us-east-1' });
    client.send = (async () => {
      throw new Error('AccessDeniedException: not allowed');
    }) as unknown as LambdaClient['send'];
    await expect(lambdaInvoker(client)('AuditPump-veza', { sourceId: 'veza-main' })).rejects.toThrow(
      'AccessDeniedException',
    );
  });
});
