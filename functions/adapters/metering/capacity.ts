import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEPLOYMENT_TENANT, type UsageBuffer } from './buffer.ts';

const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/** Every tenant item's key starts `T#{tenant}#`: the tenant a request works for, read off the request itself. */
const TENANT_KEY = /"T#([^#"]+)#/;
/** Usage counter items (`T#{t}#USAGE#…`): their writes are metering's own, counted as `metering.counter_writes`. */
const USAGE_KEY = /"T#[^#"]+#USAGE#/;

/** Requests whose capacity is not metered (the usage counters' own writes, reported as overhead instead). */
let unmetered = 0;
export async function withoutMetering<T>(work: () => Promise<T>): Promise<T> {
  unmetered++;
  try {
    return await work();
  } finally {
    unmetered--;
  }
}

interface Capacity {
  readonly CapacityUnits?: number;
}

/**
 * Measures DynamoDB capacity as AWS bills it: every request asks for `ReturnConsumedCapacity: TOTAL` and the
 * units it consumed are counted for the tenant whose keys it touched (read units for reads, write units for
 * writes; transactions report their doubled units themselves). Requests on global items (API key and mailbox
 * lookups) are the deployment's. Writes of usage counters are left out: the usage store reports them as
 * `metering.counter_writes`, metering's own line.
 */
export function meterCapacity(client: DynamoDBClient, buffer: UsageBuffer): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName ?? '';
      const kind = READS.has(command) ? 'dynamodb.rru' : WRITES.has(command) ? 'dynamodb.wru' : null;
      const input = args.input as Record<string, unknown>;
      if (kind === null || unmetered > 0) return next(args);
      const request = JSON.stringify(input);
      // The usage store counts its own writes (with the tenant they are for): not billed twice.
      if (kind === 'dynamodb.wru' && USAGE_KEY.test(request)) return next(args);
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: Capacity | Capacity[] };
      const consumed = [output.ConsumedCapacity ?? []].flat();
      const units = consumed.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      const tenant = TENANT_KEY.exec(request)?.[1] ?? DEPLOYMENT_TENANT;
      buffer.record(tenant, kind, units);
      return result;
    },
    { step: 'initialize', name: 'desklessCapacityMeter' },
  );
}
