import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tables } from '../../topology.ts';
import { DEPLOYMENT_TENANT, type UsageBuffer } from './buffer.ts';

const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/** Every tenant item's key starts `T#{tenant}#`: the tenant a request works for, read off its keys. */
const TENANT_KEY = /^T#([^#]+)#/;
/** Usage counter items (`T#{t}#USAGE#…`): their writes are metering's own, counted as `metering.counter_writes`. */
const USAGE_KEY = /^T#[^#]+#USAGE#/;

/** The partition key attributes of the tables and their indexes (`pk`, `viewGroup`, `dueShard`…). */
const PARTITION_ATTRIBUTES = new Set<string>(
  Object.values(tables).flatMap((table) => [
    table.partitionKey,
    ...('indexes' in table ? table.indexes.map((index) => index.partitionKey) : []),
  ]),
);

type Input = Record<string, unknown>;

const record = (value: unknown): Input | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Input) : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A string attribute, marshalled (`{ S: '…' }`, as the document client has made it by now) or not. */
function stringValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const s = record(value)?.S;
  return typeof s === 'string' ? s : undefined;
}

/** The partition key of a Key or an Item (the single table's `pk`; the idempotency table's too). */
const pkOf = (keyOrItem: unknown): string | undefined => stringValue(record(keyOrItem)?.pk);

/** A Query's partition: the value its key condition sets the (table's or index's) partition key equal to. */
function queryPartition(input: Input): string | undefined {
  const condition = input.KeyConditionExpression;
  if (typeof condition !== 'string') return undefined;
  const names = record(input.ExpressionAttributeNames) ?? {};
  const values = record(input.ExpressionAttributeValues) ?? {};
  for (const [, operand, placeholder] of condition.matchAll(/([#\w.-]+)\s*=\s*(:[\w-]+)/g)) {
    const attribute = operand?.startsWith('#') ? names[operand] : operand;
    if (typeof attribute === 'string' && PARTITION_ATTRIBUTES.has(attribute))
      return stringValue(values[placeholder ?? '']);
  }
  return undefined;
}

/**
 * The partition keys a request touches, read from where DynamoDB reads them (its keys and items, never
 * attribute values, which carry customers' text).
 */
export function partitionKeysOf(command: string, input: Input): string[] {
  const keys: unknown[] = [];
  switch (command) {
    case 'GetItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      keys.push(pkOf(input.Key));
      break;
    case 'PutItemCommand':
      keys.push(pkOf(input.Item));
      break;
    case 'TransactWriteItemsCommand':
    case 'TransactGetItemsCommand':
      for (const entry of list(input.TransactItems)) {
        const item = record(entry) ?? {};
        keys.push(
          pkOf(record(item.Put)?.Item),
          pkOf(record(item.Update)?.Key),
          pkOf(record(item.Delete)?.Key),
          pkOf(record(item.ConditionCheck)?.Key),
          pkOf(record(item.Get)?.Key),
        );
      }
      break;
    case 'BatchGetItemCommand':
      for (const request of Object.values(record(input.RequestItems) ?? {}))
        keys.push(...list(record(request)?.Keys).map(pkOf));
      break;
    case 'BatchWriteItemCommand':
      for (const requests of Object.values(record(input.RequestItems) ?? {})) {
        for (const request of list(requests)) {
          const entry = record(request) ?? {};
          keys.push(pkOf(record(entry.PutRequest)?.Item), pkOf(record(entry.DeleteRequest)?.Key));
        }
      }
      break;
    case 'QueryCommand':
      keys.push(queryPartition(input));
      break;
  }
  return keys.filter((key): key is string => typeof key === 'string');
}

/** The tenant a request works for: that of its first tenant key; the deployment's when none is. */
export function tenantOfKeys(keys: readonly string[]): string {
  for (const key of keys) {
    const tenant = TENANT_KEY.exec(key)?.[1];
    if (tenant) return tenant;
  }
  return DEPLOYMENT_TENANT;
}

/** A write of usage counters only: metering's own, reported as `metering.counter_writes` instead. */
export const writesUsageCounters = (keys: readonly string[]): boolean =>
  keys.length > 0 && keys.every((key) => USAGE_KEY.test(key));

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
 * units it consumed are counted for the tenant whose keys it touched (read from its keys and key condition, never
 * from attribute values, which carry customers' text) (read units for reads, write units for
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
      const keys = partitionKeysOf(command, input);
      // The usage store counts its own writes (with the tenant they are for): not billed twice.
      if (kind === 'dynamodb.wru' && writesUsageCounters(keys)) return next(args);
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: Capacity | Capacity[] };
      const consumed = [output.ConsumedCapacity ?? []].flat();
      const units = consumed.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      buffer.record(tenantOfKeys(keys), kind, units);
      return result;
    },
    { step: 'initialize', name: 'desklessCapacityMeter' },
  );
}
