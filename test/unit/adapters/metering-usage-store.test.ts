import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbUsageStore } from '../../../functions/adapters/dynamodb/usage-store.ts';
import { UsageBuffer, UsageNotWrittenError } from '../../../functions/adapters/metering/buffer.ts';
import type { UsageCounter } from '../../../functions/core/metering.ts';

const DAY = '2026-03-02';
const at = new Date(`${DAY}T10:00:00Z`);
/** 19 counters a tenant-day: with its overhead item 20, so 14 busy tenants are 280 items, three transactions. */
const COUNTERS: UsageCounter[] = [
  'api.requests',
  'lambda.requests',
  'lambda.gb_seconds',
  'logs.bytes',
  'dynamodb.rru',
  'dynamodb.wru',
  's3.puts',
  's3.bytes_written',
  's3.gets',
  'sqs.requests',
  'events.published',
  'bedrock.calls',
  'bedrock.input_tokens',
  'bedrock.output_tokens',
  'ses.mails_in',
  'ses.chunks_in',
  'ses.mails_out',
  'scheduler.invocations',
  'triage.builtin_calls',
];
const TENANTS = Array.from({ length: 14 }, (_, i) => `t${i}`);

interface Call {
  readonly items: number;
  readonly token: string | undefined;
  readonly outcome: 'written' | 'failed';
}

/**
 * A document client that applies TransactWriteItems of `ADD quantity :q` to an in-memory table (per key), all
 * or nothing, and answers each call with what `fail` says (nothing: written). Like DynamoDB, a token seen
 * before with a written transaction is not applied again.
 */
function fakeTable(fail: (call: number, input: TransactWriteCommandInput) => Error | undefined) {
  const table = new Map<string, number>();
  const calls: Call[] = [];
  const applied = new Set<string>();
  const client = {
    send: async (command: { input: TransactWriteCommandInput }) => {
      const { input } = command;
      const items = input.TransactItems ?? [];
      const error = fail(calls.length + 1, input);
      calls.push({
        items: items.length,
        token: input.ClientRequestToken,
        outcome: error ? 'failed' : 'written',
      });
      if (error) throw error;
      if (input.ClientRequestToken && applied.has(input.ClientRequestToken)) return {};
      if (input.ClientRequestToken) applied.add(input.ClientRequestToken);
      for (const item of items) {
        const update = item.Update!;
        const key = `${update.Key!.pk}|${update.Key!.sk}`;
        table.set(key, (table.get(key) ?? 0) + Number(update.ExpressionAttributeValues![':q']));
      }
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  const quantity = (tenant: string, counter: string) =>
    table.get(`T#${tenant}#USAGE#2026-03|${DAY}#${counter}`);
  return { client, calls, quantity };
}

const conflict = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
  });

/** Every busy tenant used 1 of each counter in the minute. */
function busyMinute(buffer: UsageBuffer) {
  for (const tenant of TENANTS) for (const counter of COUNTERS) buffer.record(tenant, counter, 1, at);
}

const noPause = async () => {};

describe('usage counters written in several transactions', () => {
  it('keeps only the unwritten transactions’ counts when a later one fails: nothing is counted twice', async () => {
    const fake = fakeTable((call) => (call === 2 ? new Error('throttled for good') : undefined));
    const store = new DynamoDbUsageStore(fake.client, { main: 'main' }, noPause);
    const buffer = new UsageBuffer();
    busyMinute(buffer);

    const failed = await buffer.flush(store, { force: true }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(UsageNotWrittenError);
    expect((failed as UsageNotWrittenError).partly).toBe(true);
    // 5 tenant-days (100 items) written by the first transaction; the second failed, the third never ran.
    expect(fake.calls.map((call) => [call.items, call.outcome])).toEqual([
      [100, 'written'],
      [100, 'failed'],
    ]);
    expect(await buffer.flush(store, { force: true })).toBe(9 * COUNTERS.length);

    for (const tenant of TENANTS) {
      for (const counter of COUNTERS) expect(fake.quantity(tenant, counter), `${tenant} ${counter}`).toBe(1);
      // Metering's own writes: the tenant-day's 20 items, written once.
      expect(fake.quantity(tenant, 'metering.counter_writes'), tenant).toBe(COUNTERS.length + 1);
    }
  });

  it('never splits a tenant-day across two transactions', async () => {
    const fake = fakeTable(() => undefined);
    const store = new DynamoDbUsageStore(fake.client, { main: 'main' }, noPause);
    const buffer = new UsageBuffer();
    // 7 counters (8 items) a tenant: 12 tenants fill 96 items, the 13th would straddle the 100 limit.
    for (let i = 0; i < 13; i++)
      for (const counter of COUNTERS.slice(0, 7)) buffer.record(`s${i}`, counter, 2, at);
    await buffer.flush(store, { force: true });
    expect(fake.calls.map((call) => call.items)).toEqual([96, 8]);
  });

  it('retries a transaction that a concurrent one cancelled, with the same token', async () => {
    const fake = fakeTable((call) => (call === 2 || call === 3 ? conflict() : undefined));
    const store = new DynamoDbUsageStore(fake.client, { main: 'main' }, noPause);
    const buffer = new UsageBuffer();
    busyMinute(buffer);
    expect(await buffer.flush(store, { force: true })).toBe(TENANTS.length * COUNTERS.length);
    expect(fake.calls.map((call) => call.outcome)).toEqual([
      'written',
      'failed',
      'failed',
      'written',
      'written',
    ]);
    const tokens = fake.calls.map((call) => call.token);
    expect(new Set(tokens.slice(1, 4)).size).toBe(1);
    expect(new Set(tokens).size).toBe(3);
    for (const tenant of TENANTS) {
      expect(fake.quantity(tenant, 'api.requests')).toBe(1);
      expect(fake.quantity(tenant, 'metering.counter_writes')).toBe(COUNTERS.length + 1);
    }
  });

  it('gives up on a lasting conflict and keeps that transaction’s counts for the next flush', async () => {
    const fake = fakeTable((call) => (call >= 2 && call <= 5 ? conflict() : undefined));
    const store = new DynamoDbUsageStore(fake.client, { main: 'main' }, noPause);
    const buffer = new UsageBuffer();
    busyMinute(buffer);
    await expect(buffer.flush(store, { force: true })).rejects.toBeInstanceOf(UsageNotWrittenError);
    // 1 written, 4 attempts of the second
    expect(fake.calls).toHaveLength(5);
    await buffer.flush(store, { force: true });
    for (const tenant of TENANTS) {
      expect(fake.quantity(tenant, 'logs.bytes')).toBe(1);
      expect(fake.quantity(tenant, 'metering.counter_writes')).toBe(COUNTERS.length + 1);
    }
  });

  it('puts the whole batch back when the first transaction fails, overhead carried from before included', async () => {
    const fake = fakeTable((call) => (call === 1 ? new Error('no network') : undefined));
    const store = new DynamoDbUsageStore(fake.client, { main: 'main' }, noPause);
    const buffer = new UsageBuffer();
    buffer.record('solo', 'api.requests', 3, at);
    buffer.record('solo', 'metering.counter_writes', 4, at);
    const failed = await buffer.flush(store, { force: true }).catch((error: unknown) => error);
    expect((failed as UsageNotWrittenError).partly).toBe(false);
    await buffer.flush(store, { force: true });
    expect(fake.quantity('solo', 'api.requests')).toBe(3);
    // 4 carried and this write's 2 items
    expect(fake.quantity('solo', 'metering.counter_writes')).toBe(6);
  });
});
