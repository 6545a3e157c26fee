/** A ThrottleStore on its own dynalite with the cursor table, for the throttle tests. */
import { ensureCursorTable, startDynamo, type LocalDynamo } from '../../local/aws/dynamo.ts';
import { ThrottleStore } from '../../shared/throttle.ts';

export interface LocalThrottleStore {
  readonly dynamo: LocalDynamo;
  readonly store: ThrottleStore;
  stop(): Promise<void>;
}

export async function startThrottleStore(table: string): Promise<LocalThrottleStore> {
  const dynamo = await startDynamo();
  await ensureCursorTable(dynamo.client, table);
  return {
    dynamo,
    store: new ThrottleStore({ client: dynamo.client, tableName: table, vendor: 'veza' }),
    stop: () => dynamo.stop(),
  };
}
