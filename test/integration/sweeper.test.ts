import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { timerItem } from '../../functions/adapters/dynamodb/timer-items.ts';
import { DynamoDbTimerStore } from '../../functions/adapters/dynamodb/timer-store.ts';
import { makeSqsTimerQueue } from '../../functions/adapters/sqs/timer-queue.ts';
import type { Clock } from '../../functions/core/ports.ts';
import { CLAIM_LEASE_MS, type DueTimerMessage, type Timer, timerSlot } from '../../functions/core/timers.ts';
import { makeSweepTimers } from '../../functions/core/use-cases/sweep-timers.ts';
import { queues, tables } from '../../functions/topology.ts';
import { localCredentials } from '../../local/aws-env.ts';
import { ensureTables } from '../../local/dynamodb.ts';
import { lambdaContext } from '../../local/lambda-invoke.ts';
import { ensureQueues } from '../../local/queues.ts';
import { startTicker, tickIntervalMs } from '../../local/ticker.ts';

/**
 * The sweeper against DynamoDB Local and fauxqs. It sweeps every shard of a whole table, so it gets a main
 * table and a timer queue of its own: timers other tests arm cannot show up here, nor these there.
 */
const { endpoints, region } = inject('deskless');
const PREFIX = 'sweeper-it';
const MINUTE = 60_000;
const T0 = Date.parse('2025-06-02T08:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

const raw = new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials: localCredentials });
const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const sqs = new SQSClient({
  endpoint: endpoints.sqs,
  region,
  credentials: localCredentials,
  useQueueUrlAsEndpoint: false,
});
const timersQueue = queues.find((queue) => queue.name === 'timers')!;

let table: string;
let queueUrl: string;

beforeAll(async () => {
  table = (await ensureTables(raw, PREFIX, { main: tables.main })).main!;
  const [queue] = await ensureQueues(sqs, PREFIX, [timersQueue]);
  queueUrl = queue!.url;
});

function timer(
  tenantId: string,
  ticketNumber: number,
  dueAt: string,
  kind: Timer['kind'] = 'sla_breach',
): Timer {
  const metric = kind.startsWith('sla_') ? 'first_reply' : null;
  const slot = timerSlot(kind, metric);
  return { tenantId, ticketNumber, slot, kind, metric, dueAt, effect: `${slot}@${dueAt}` };
}

async function arm(timers: readonly Timer[]): Promise<void> {
  for (let start = 0; start < timers.length; start += 25) {
    const chunk = timers.slice(start, start + 25);
    await client.send(
      new BatchWriteCommand({
        RequestItems: { [table]: chunk.map((t) => ({ PutRequest: { Item: timerItem(t) } })) },
      }),
    );
  }
}

async function storedItem(t: Timer) {
  const { Item } = await client.send(
    new GetCommand({ TableName: table, Key: keys.timer(t.tenantId, t.ticketNumber, t.slot) }),
  );
  return Item;
}

/** Everything on the queue now, deleted as it is read. */
async function drain(): Promise<DueTimerMessage[]> {
  const received: DueTimerMessage[] = [];
  let empty = 0;
  while (empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    received.push(...Messages.map((m: Message) => JSON.parse(m.Body!) as DueTimerMessage));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return received;
}

/** All armed timers of the table go away, so each test sees only its own. */
async function disarmAll(timers: readonly Timer[]) {
  await Promise.all(
    timers.map((t) =>
      client.send(
        new DeleteCommand({ TableName: table, Key: keys.timer(t.tenantId, t.ticketNumber, t.slot) }),
      ),
    ),
  );
}

function sweeperAt(start: number, pageSize?: number) {
  let now = start;
  const clock: Clock = { now: () => new Date(now).toISOString() };
  const sweep = makeSweepTimers({
    timers: new DynamoDbTimerStore(client, { main: table }),
    queue: makeSqsTimerQueue(sqs, queueUrl),
    clock,
    ...(pageSize !== undefined && { pageSize }),
  });
  return {
    sweep,
    advance(ms: number) {
      now += ms;
    },
  };
}

function setOrDelete(name: string, value: string | undefined) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

const byEffect = (messages: readonly { tenantId: string; ticketNumber: number; effect: string }[]) =>
  messages.map((m) => `${m.tenantId}#${m.ticketNumber}#${m.effect}`).sort();

describe('the sweeper on DynamoDB Local and fauxqs', () => {
  const armed: Timer[] = [];

  beforeEach(async () => {
    await disarmAll(armed.splice(0));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
  });

  it('sends the due timers once, leaves the others, and sweeps an expired claim again', async () => {
    const due = Array.from({ length: 23 }, (_, i) =>
      timer(`sw-${i % 3}`, i + 1, at(-(i + 1) * 7_000), i % 4 === 0 ? 'auto_close' : 'sla_breach'),
    );
    const notDue = Array.from({ length: 9 }, (_, i) =>
      timer(`sw-${i % 3}`, 100 + i, at((i + 1) * 10 * MINUTE)),
    );
    armed.push(...due, ...notDue);
    await arm(armed);
    const { sweep, advance } = sweeperAt(T0, 4);

    const first = await sweep();
    expect(first).toMatchObject({ due: 23, claimed: 23, sent: 23, skipped: 0 });
    expect(first.readUnits).toBeGreaterThan(0);
    const sent = await drain();
    expect(byEffect(sent)).toEqual(byEffect(due));
    for (const message of sent) {
      expect(message.claimedAt).toBe(at(0));
      expect(Date.parse(message.claimedAt) - Date.parse(message.dueAt)).toBeGreaterThan(0);
    }
    for (const t of due) expect((await storedItem(t))?.claimedAt).toBe(at(0));
    for (const t of notDue) expect((await storedItem(t))?.claimedAt).toBeUndefined();

    // A minute later the claims hold: nothing new (the not-due ones are still hours away).
    advance(MINUTE);
    expect(await sweep()).toMatchObject({ due: 0, claimed: 0, sent: 0 });
    expect(await drain()).toEqual([]);

    // Nobody applied them (a worker would have cleared the items): once the lease is over they go again, once.
    advance(CLAIM_LEASE_MS);
    expect(await sweep()).toMatchObject({ due: 23, sent: 23 });
    const again = await drain();
    expect(byEffect(again)).toEqual(byEffect(due));
    for (const message of again) expect(message.claimedAt).toBe(at(MINUTE + CLAIM_LEASE_MS));
  });

  it('claims conditionally: one winner among concurrent claims, none for a moved or cleared timer', async () => {
    const store = new DynamoDbTimerStore(client, { main: table });
    const contested = timer('sw-claim', 1, at(-MINUTE));
    const moved = timer('sw-claim', 2, at(-MINUTE));
    const cleared = timer('sw-claim', 3, at(-MINUTE));
    armed.push(contested, moved, cleared);
    await arm(armed);

    const wins = await Promise.all(Array.from({ length: 6 }, () => store.claim(contested, at(0))));
    expect(wins.filter(Boolean)).toHaveLength(1);
    // Still held a lease later, then free again.
    expect(await store.claim(contested, at(CLAIM_LEASE_MS))).toBe(false);
    expect(await store.claim(contested, at(CLAIM_LEASE_MS + 1))).toBe(true);

    await arm([{ ...moved, dueAt: at(30 * MINUTE), effect: 'moved' }]);
    expect(await store.claim(moved, at(0))).toBe(false);
    await disarmAll([cleared]);
    expect(await store.claim(cleared, at(0))).toBe(false);
    expect(await storedItem(cleared)).toBeUndefined();
  });

  it('reads only up to now, and not what a sweep still holds', async () => {
    const store = new DynamoDbTimerStore(client, { main: table });
    const a = timer('sw-due', 1, at(-2 * MINUTE));
    const b = timer('sw-due', 1, at(-MINUTE), 'auto_close');
    const later = timer('sw-due', 1, at(MINUTE), 'pending_reminder');
    armed.push(a, b, later);
    await arm(armed);
    const shard = Number(timerItem(a).dueShard.slice('DUE#'.length));

    const page = await store.due(shard, at(0), 10);
    expect(page.timers.map((t) => t.slot)).toEqual([a.slot, b.slot]);
    expect(page.timers[0]).toEqual({ ...a, claimedAt: null });
    expect(await store.claim(a, at(0))).toBe(true);
    expect((await store.due(shard, at(0), 10)).timers.map((t) => t.slot)).toEqual([b.slot]);

    // Two minutes on, `later` is due too; page by page with the cursor, one item evaluated per page.
    const slots: string[] = [];
    let pages = 0;
    let cursor: string | undefined;
    do {
      const page = await store.due(shard, at(2 * MINUTE), 1, cursor);
      slots.push(...page.timers.map((t) => t.slot));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(slots).toEqual([b.slot, later.slot]);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('runs as the Lambda handler: the environment names the table and the queue', async () => {
    const due = timer('sw-handler', 7, new Date(Date.now() - MINUTE).toISOString());
    armed.push(due);
    await arm(armed);
    const restore = { TABLE_NAME: process.env.TABLE_NAME, queue: process.env[timersQueue.envVar!] };
    process.env.TABLE_NAME = table;
    process.env[timersQueue.envVar!] = queueUrl;
    try {
      const { handler } = await import('../../functions/handlers/sweeper.ts');
      const context = lambdaContext(
        { name: 'sweeper', memoryMb: 256, timeoutSeconds: 50 },
        Date.now() + 50_000,
      );
      const result = await handler({ schedule: 'sweeper' }, context);
      expect(result).toMatchObject({ due: 1, claimed: 1, sent: 1 });
    } finally {
      setOrDelete('TABLE_NAME', restore.TABLE_NAME);
      setOrDelete(timersQueue.envVar!, restore.queue);
    }
    expect(byEffect(await drain())).toEqual(byEffect([due]));
  });
});

describe('the local ticker (EventBridge Scheduler locally)', () => {
  const fn = { name: 'sweeper', memoryMb: 256, timeoutSeconds: 5 };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('ticks once per simulated minute: 60 s / DESKLESS_CLOCK_SPEED, never faster than every 50 ms', () => {
    expect(tickIntervalMs(1, 1)).toBe(60_000);
    expect(tickIntervalMs(1, 60)).toBe(1_000);
    expect(tickIntervalMs(1, 600)).toBe(100);
    expect(tickIntervalMs(1, 100_000)).toBe(50);
    expect(() => tickIntervalMs(1, 0)).toThrow(/positive/);
  });

  it('calls the handler with the schedule input, never two runs at once, and stops cleanly', async () => {
    const runs: { start: number; end: number }[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const events: unknown[] = [];
    const ticker = startTicker({
      schedule: { name: 'sweeper', rateMinutes: 1 },
      fn,
      speed: 600, // a tick every 100 ms
      handler: async (event) => {
        events.push(event);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const start = Date.now();
        // Every other run outlasts the interval.
        await sleep(runs.length % 2 === 0 ? 150 : 10);
        runs.push({ start, end: Date.now() });
        inFlight--;
        return null;
      },
    });
    expect(ticker.intervalMs).toBe(100);
    await sleep(900);
    await ticker.stop();
    const counted = runs.length;
    expect(counted).toBeGreaterThanOrEqual(4);
    expect(ticker.runs).toBe(counted);
    expect(maxInFlight).toBe(1);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
      // The next tick starts an interval after the previous one started, or right after a slow one ended.
      expect(runs[i]!.start - runs[i - 1]!.start).toBeGreaterThanOrEqual(95);
    }
    expect(events[0]).toEqual({ schedule: 'sweeper' });
    await sleep(250);
    expect(runs).toHaveLength(counted);
  });

  it('keeps ticking after a failed run', async () => {
    let calls = 0;
    const ticker = startTicker({
      schedule: { name: 'sweeper', rateMinutes: 1 },
      fn,
      speed: 60_000,
      handler: async () => {
        calls++;
        throw new Error('sweep failed');
      },
    });
    await sleep(300);
    await ticker.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
  });
});
