import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DayUsage, UsageByTenantDay, UsageCounter } from '../../core/metering.ts';
import type { UsageStore } from '../../core/ports.ts';
import type { TableNames } from './client.ts';
import { keys } from './keys.ts';
import { type TransactItem, transact } from './transactions.ts';

/** TransactWriteItems takes at most 100 items. */
const MAX_ITEMS = 100;

/** Months (YYYY-MM) from one day to another, inclusive. */
function monthsBetween(fromDay: string, toDay: string): string[] {
  const months: string[] = [];
  let [year, month] = fromDay.slice(0, 7).split('-').map(Number) as [number, number];
  const last = toDay.slice(0, 7);
  for (;;) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    months.push(current);
    if (current >= last || months.length > 120) return months;
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
}

/** Metering's own overhead: the counter items a write of usage counters puts, itself included. */
const OVERHEAD: UsageCounter = 'metering.counter_writes';

/**
 * Usage counters (`T#{t}#USAGE#{yyyy-mm}` / `{day}#{counter}`): a metered batch is a set of `ADD`s, written
 * together so a failed batch counts nothing and comes back whole. Every tenant and day of a batch also gets
 * `metering.counter_writes` added: the counter items written for it, that one included, so the report shows
 * what metering itself costs each tenant (the capacity meter leaves these writes out of `dynamodb.wru`).
 * Reading a month is one Query.
 */
export class DynamoDbUsageStore implements UsageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async add(usage: UsageByTenantDay): Promise<void> {
    const items: TransactItem[] = [];
    for (const [tenantId, days] of usage) {
      for (const [day, dayCounts] of days) {
        const counters = Object.entries(dayCounts).filter(
          ([counter, quantity]) => counter !== OVERHEAD && quantity,
        );
        if (counters.length === 0) continue;
        const overhead = (dayCounts[OVERHEAD] ?? 0) + counters.length + 1;
        for (const [counter, quantity] of [...counters, [OVERHEAD, overhead] as const]) {
          items.push({
            Update: {
              TableName: this.tables.main,
              Key: keys.usage(tenantId, day, counter),
              UpdateExpression:
                'ADD quantity :q SET entity = :entity, tenantId = :tenant, #day = :day, #counter = :counter',
              ExpressionAttributeNames: { '#day': 'day', '#counter': 'counter' },
              ExpressionAttributeValues: {
                ':q': quantity,
                ':entity': 'usage',
                ':tenant': tenantId,
                ':day': day,
                ':counter': counter,
              },
            },
          });
        }
      }
    }
    // Batches are small (one SQS batch of events touches a few tenants, days and counters); a rare larger one
    // is written in chunks, each all or nothing.
    for (let i = 0; i < items.length; i += MAX_ITEMS) {
      await transact(this.client, items.slice(i, i + MAX_ITEMS), 'usage counters');
    }
  }

  async read(tenantId: string, fromDay: string, toDay: string): Promise<Map<string, DayUsage>> {
    const result = new Map<string, DayUsage>();
    for (const month of monthsBetween(fromDay, toDay)) {
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tables.main,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': keys.usagePk(tenantId, month),
              ':from': `${fromDay}#`,
              ':to': `${toDay}#~`,
            },
            ExclusiveStartKey: cursor,
          }),
        );
        for (const item of page.Items ?? []) {
          const day = String(item.day);
          const counts = result.get(day) ?? {};
          counts[item.counter as UsageCounter] = Number(item.quantity);
          result.set(day, counts);
        }
        cursor = page.LastEvaluatedKey;
      } while (cursor);
    }
    return result;
  }
}
