import { randomUUID } from 'node:crypto';
import { TransactionCanceledException, TransactionInProgressException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { monthsBetween } from '../../core/calendar-months.ts';
import type { DayUsage, UsageByTenantDay, UsageCounter } from '../../core/metering.ts';
import type { UsageStore } from '../../core/ports.ts';
import { UsageNotWrittenError } from '../metering/buffer.ts';
import type { TableNames } from './client.ts';
import { keys } from './keys.ts';
import type { TransactItem } from './transactions.ts';

/** TransactWriteItems takes at most 100 items. */
const MAX_ITEMS = 100;

/** Metering's own overhead: the counter items a write of usage counters puts, itself included. */
const OVERHEAD: UsageCounter = 'metering.counter_writes';

/** Attempts of one chunk that a concurrent transaction on the same counters cancelled (hot tenant-day items). */
const CONFLICT_ATTEMPTS = 4;
const CONFLICT_BACKOFF_MS = 25;

/** One tenant and day's counters and its overhead counter: always written in the same transaction. */
interface DayGroup {
  readonly tenantId: string;
  readonly day: string;
  /** What the batch asked for (the overhead carried from an earlier failed write included). */
  readonly counts: DayUsage;
  readonly items: TransactItem[];
}

/**
 * Usage counters (`T#{t}#USAGE#{yyyy-mm}` / `{day}#{counter}`): a metered batch is a set of `ADD`s. Every
 * tenant and day of a batch also gets `metering.counter_writes` added: the counter items written for it, that
 * one included, so the report shows what metering itself costs each tenant (the capacity meter leaves these
 * writes out of `dynamodb.wru`). Reading a month is one Query.
 *
 * A batch of more than 100 items is written in several transactions, each all or nothing, and a tenant-day's
 * counters (and its overhead) never straddle two. A transaction cancelled by a concurrent one on the same
 * counters is retried a few times with the same ClientRequestToken (DynamoDB applies a token once in 10
 * minutes, so a retry cannot add twice). When a transaction still fails, `add` throws UsageNotWrittenError with
 * the counts of that one and of those after it: the ones before it are written and must not be added again.
 */
export class DynamoDbUsageStore implements UsageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
    private readonly pause: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async add(usage: UsageByTenantDay): Promise<void> {
    const chunks = this.chunks(usage);
    for (const [i, chunk] of chunks.entries()) {
      try {
        await this.write(chunk.flatMap((group) => group.items));
      } catch (error) {
        throw new UsageNotWrittenError(unwritten(chunks.slice(i).flat()), i > 0, error);
      }
    }
  }

  /** The batch's tenant-days, packed whole into transactions of at most MAX_ITEMS items. */
  private chunks(usage: UsageByTenantDay): DayGroup[][] {
    const chunks: DayGroup[][] = [];
    let current: DayGroup[] = [];
    let size = 0;
    for (const [tenantId, days] of usage) {
      for (const [day, dayCounts] of days) {
        for (const group of this.groups(tenantId, day, dayCounts)) {
          if (size + group.items.length > MAX_ITEMS) {
            chunks.push(current);
            [current, size] = [[], 0];
          }
          current.push(group);
          size += group.items.length;
        }
      }
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  /**
   * One group per tenant-day (a day has one item per counter, far fewer than MAX_ITEMS); were it ever larger,
   * several, each with its own overhead item, so every group still fits one transaction.
   */
  private groups(tenantId: string, day: string, dayCounts: DayUsage): DayGroup[] {
    const counters = Object.entries(dayCounts).filter(
      ([counter, quantity]) => counter !== OVERHEAD && quantity,
    );
    const groups: DayGroup[] = [];
    for (let i = 0; i < counters.length; i += MAX_ITEMS - 1) {
      const part = counters.slice(i, i + MAX_ITEMS - 1);
      const carried = i === 0 ? (dayCounts[OVERHEAD] ?? 0) : 0;
      const counts: DayUsage = Object.fromEntries(part);
      if (carried) counts[OVERHEAD] = carried;
      const overhead = carried + part.length + 1;
      const items = [...part, [OVERHEAD, overhead] as const].map(([counter, quantity]) =>
        this.item(tenantId, day, counter, quantity ?? 0),
      );
      groups.push({ tenantId, day, counts, items });
    }
    return groups;
  }

  private item(tenantId: string, day: string, counter: string, quantity: number): TransactItem {
    return {
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
    };
  }

  /** One transaction, retried under the same token while concurrent transactions on its counters cancel it. */
  private async write(items: TransactItem[]): Promise<void> {
    const token = randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
        return;
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS || !isConflict(error)) throw error;
        await this.pause(CONFLICT_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
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

/**
 * Cancelled only because another transaction was changing the same counters (nothing written), or the same
 * token's earlier attempt is still running: worth another attempt with that token.
 */
function isConflict(error: unknown): boolean {
  if (error instanceof TransactionInProgressException) return true;
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
  return (
    codes.includes('TransactionConflict') &&
    codes.every((code) => code === 'None' || code === 'TransactionConflict')
  );
}

/** The counts of groups not written, as a batch to add again. */
function unwritten(groups: readonly DayGroup[]): UsageByTenantDay {
  const usage: UsageByTenantDay = new Map();
  for (const { tenantId, day, counts } of groups) {
    const days = usage.get(tenantId) ?? new Map<string, DayUsage>();
    usage.set(tenantId, days);
    const merged = days.get(day) ?? {};
    for (const [counter, quantity] of Object.entries(counts) as [UsageCounter, number][])
      merged[counter] = (merged[counter] ?? 0) + quantity;
    days.set(day, merged);
  }
  return usage;
}
