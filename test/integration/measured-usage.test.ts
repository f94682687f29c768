import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbUsageStore } from '../../functions/adapters/dynamodb/usage-store.ts';
import { DEPLOYMENT_TENANT, UsageBuffer, usageBuffer } from '../../functions/adapters/metering/buffer.ts';
import { metered, tenantsOfRecords } from '../../functions/adapters/metering/invocation.ts';

const tables = tableNamesFromEnv();
const store = new DynamoDbUsageStore(documentClient, tables);
const silent = { warn: () => {} };

/** What the shared buffer holds for a tenant today (flushed into a throw-away store to read it). */
async function measured(tenantId: string) {
  const seen: Record<string, number> = {};
  await usageBuffer.flush(
    {
      add: async (usage) => {
        for (const counts of usage.get(tenantId)?.values() ?? []) {
          for (const [counter, quantity] of Object.entries(counts))
            seen[counter] = (seen[counter] ?? 0) + (quantity ?? 0);
        }
      },
      read: async () => new Map(),
    },
    { force: true },
  );
  return seen;
}

/** Everything the shared buffer holds, per tenant. */
async function measuredAll() {
  const seen = new Map<string, Record<string, number>>();
  await usageBuffer.flush(
    {
      add: async (usage) => {
        for (const [tenant, days] of usage) {
          const counts = seen.get(tenant) ?? {};
          for (const day of days.values()) {
            for (const [counter, quantity] of Object.entries(day))
              counts[counter] = (counts[counter] ?? 0) + (quantity ?? 0);
          }
          seen.set(tenant, counts);
        }
      },
      read: async () => new Map(),
    },
    { force: true },
  );
  return seen;
}

describe('measured usage', () => {
  it('counts DynamoDB capacity as consumed, for the tenant whose keys the request touched', async () => {
    await measured('_drain');
    const tenant = `mu-${Math.random().toString(36).slice(2, 8)}`;
    const key = { pk: `T#${tenant}#TKT#1`, sk: 'META' };
    await documentClient.send(
      new PutCommand({ TableName: tables.main, Item: { ...key, note: 'x'.repeat(1500) } }),
    );
    await documentClient.send(new GetCommand({ TableName: tables.main, Key: key, ConsistentRead: true }));
    await documentClient.send(
      new GetCommand({ TableName: tables.main, Key: { pk: 'APIKEY#nothing', sk: 'META' } }),
    );
    const usage = await measured(tenant);
    // A 1.5 KB item: 2 write units to put, 1 read unit to read strongly consistent.
    expect(usage).toEqual({ 'dynamodb.wru': 2, 'dynamodb.rru': 1 });
  });

  it('counts invocations and GB-seconds for the tenants of a batch, and flushes once a minute', async () => {
    await measured('_drain');
    const body = (tenantId: string) => JSON.stringify({ detail: { tenantId } });
    const handler = metered(
      { name: 'test', memoryMb: 1024 },
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return 'done';
      },
      { tenantsOf: tenantsOfRecords, store, logger: silent },
    );
    const event = { Records: [{ body: body('mu-a') }, { body: body('mu-b') }, { body: '{}' }] };
    expect(await handler(event)).toBe('done');
    const all = await measuredAll();
    const a = all.get('mu-a') ?? {};
    expect(a['lambda.requests']).toBeCloseTo(1 / 3);
    expect(a['lambda.gb_seconds']).toBeGreaterThan(0.02 / 3 - 0.001);
    expect(all.get('mu-b')?.['lambda.requests']).toBeCloseTo(1 / 3);
    expect(all.get(DEPLOYMENT_TENANT)?.['lambda.requests']).toBeCloseTo(1 / 3);
  });

  it('writes its counters at most once a minute, and says what that cost', async () => {
    const buffer = new UsageBuffer();
    const writes: number[] = [];
    const fake = {
      add: async (usage: Map<string, Map<string, Record<string, number | undefined>>>) => {
        let n = 0;
        for (const days of usage.values())
          for (const counts of days.values()) n += Object.keys(counts).length;
        writes.push(n);
      },
      read: async () => new Map(),
    };
    const start = Date.now();
    buffer.record('t1', 'api.requests', 1);
    expect(await buffer.flush(fake, { now: start + 1000 })).toBe(0);
    expect(await buffer.flush(fake, { now: start + 61_000 })).toBe(1);
    buffer.record('t1', 'api.requests', 1);
    await buffer.flush(fake, { force: true, now: start + 62_000 });
    // The second flush also reports the first one's write as the metering's own overhead.
    expect(writes).toEqual([1, 2]);
  });
});
