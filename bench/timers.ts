/**
 * Timers on the local stack (DynamoDB Local and fauxqs are real; the clock is simulated):
 *
 * (a) Lateness. 10,000 timers due at random instants over one simulated hour are armed as items; the sweeper
 *     runs once per simulated minute (its EventBridge schedule), and every message it puts on the timer queue
 *     is read back. Lateness is claimedAt − dueAt, in simulated seconds. Beside it, the lateness an hourly batch
 *     job evaluating the same deadlines would have (the next full hour − due).
 * (b) Read cost per sweep with 1,000 and with 100,000 timers armed but not yet due (SLA deadlines of open
 *     tickets, auto-closes days away): the sweep queries only what is due, so its read units should not move.
 */
import {
  DeleteMessageBatchCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../functions/adapters/dynamodb/keys.ts';
import { timerItem } from '../functions/adapters/dynamodb/timer-items.ts';
import { DynamoDbTimerStore } from '../functions/adapters/dynamodb/timer-store.ts';
import { makeSqsTimerQueue } from '../functions/adapters/sqs/timer-queue.ts';
import type { Clock } from '../functions/core/ports.ts';
import { type DueTimerMessage, type Timer, timerSlot } from '../functions/core/timers.ts';
import { makeSweepTimers } from '../functions/core/use-cases/sweep-timers.ts';
import { queues } from '../functions/topology.ts';
import { localCredentials, localRegion } from '../local/aws-env.ts';
import { startLocalQueues } from '../local/queues.ts';
import { benchDynamoDb } from './local-dynamodb.ts';
import { median, percentile, round } from './stats.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A simulated hour starting on the hour (what an hourly batch job runs on). */
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const LATENESS_TIMERS = 10_000;
const SCALE_SIZES = [1_000, 100_000] as const;
/** Timers due at the measured sweep, at both sizes. */
const DUE_AT_SCALE = 100;
const WRITE_CONCURRENCY = 32;

export interface LatenessFigures {
  readonly timers: number;
  readonly sweeps: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly sweeperP50S: number;
  readonly sweeperP99S: number;
  readonly sweeperMaxS: number;
  readonly hourlyP50S: number;
  readonly hourlyP99S: number;
  readonly hourlyMaxS: number;
  /** Real time per sweep on the local stack (claims and sends included). */
  readonly sweepMsMedian: number;
  readonly sweepMsMax: number;
}

export interface ScaleFigures {
  readonly armedNotDue: number;
  /** Read units of a sweep with DUE_AT_SCALE timers due. */
  readonly readUnitsWithDue: number;
  /** Read units of a sweep with nothing due. */
  readonly readUnitsIdle: number;
  readonly sweepMsWithDue: number;
  readonly sweepMsIdle: number;
  readonly loadSeconds: number;
}

export interface TimerFigures {
  readonly lateness: LatenessFigures;
  readonly scale: readonly ScaleFigures[];
  readonly dueAtScale: number;
}

/** A deterministic pseudo-random sequence (mulberry32), so runs compare. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function benchTimer(index: number, dueAt: number, tenants = 50): Timer {
  const kind = index % 5 === 0 ? 'auto_close' : 'sla_breach';
  const metric = kind === 'sla_breach' ? 'first_reply' : null;
  const slot = timerSlot(kind, metric);
  const due = new Date(dueAt).toISOString();
  return {
    tenantId: `bench-${index % tenants}`,
    ticketNumber: index + 1,
    slot,
    kind,
    metric,
    dueAt: due,
    effect: `${slot}@${due}`,
  };
}

/** BatchWrite in 25s, WRITE_CONCURRENCY batches in flight, unprocessed items retried. */
async function writeAll(
  client: DynamoDBDocumentClient,
  table: string,
  requests: Record<string, unknown>[],
): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending = batches[next++]!;
      while (pending.length > 0) {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (result.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined) ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
}

const arm = (client: DynamoDBDocumentClient, table: string, timers: readonly Timer[]) =>
  writeAll(
    client,
    table,
    timers.map((timer) => ({ PutRequest: { Item: timerItem(timer) } })),
  );

/** What a worker does once it applied a timer: the item goes. */
const disarm = (client: DynamoDBDocumentClient, table: string, timers: readonly Timer[]) =>
  writeAll(
    client,
    table,
    timers.map((t) => ({ DeleteRequest: { Key: keys.timer(t.tenantId, t.ticketNumber, t.slot) } })),
  );

/** Reads (and deletes) `count` messages off the queue. */
async function receive(sqs: SQSClient, queueUrl: string, count: number): Promise<DueTimerMessage[]> {
  const messages: DueTimerMessage[] = [];
  let idle = 0;
  while (messages.length < count && idle < 20) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) {
      idle++;
      continue;
    }
    idle = 0;
    messages.push(...Messages.map((m) => JSON.parse(m.Body!) as DueTimerMessage));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return messages;
}

function simulatedClock(start: number) {
  let now = start;
  const clock: Clock = { now: () => new Date(now).toISOString() };
  return {
    clock,
    set(at: number) {
      now = at;
    },
  };
}

export async function measureTimers(): Promise<TimerFigures> {
  const dynamodb = await benchDynamoDb();
  const fauxqs = await startLocalQueues({
    prefix: 'bench',
    definitions: queues.filter((queue) => queue.name === 'timers'),
    buckets: {},
  });
  const sqs = new SQSClient({
    endpoint: fauxqs.endpoint,
    region: localRegion,
    credentials: localCredentials,
    useQueueUrlAsEndpoint: false,
  });
  const table = dynamodb.tables.main;
  try {
    const queueUrl = fauxqs.queues[0]!.url;
    const queue = makeSqsTimerQueue(sqs, queueUrl);

    // (a) lateness over one simulated hour
    const latenessTable = table;
    const next = random(42);
    const armed = Array.from({ length: LATENESS_TIMERS }, (_, i) =>
      benchTimer(i, T0 + 1 + next() * (HOUR - 1)),
    );
    await arm(dynamodb.client, latenessTable, armed);
    const sim = simulatedClock(T0);
    const sweep = makeSweepTimers({
      timers: new DynamoDbTimerStore(dynamodb.client, { main: latenessTable }),
      queue,
      clock: sim.clock,
    });
    const delivered: DueTimerMessage[] = [];
    const sweepMs: number[] = [];
    let sweeps = 0;
    for (let at = T0; at <= T0 + HOUR; at += MINUTE) {
      sim.set(at);
      const started = performance.now();
      const result = await sweep();
      sweepMs.push(performance.now() - started);
      sweeps++;
      const messages = await receive(sqs, queueUrl, result.sent);
      delivered.push(...messages);
      // The worker's part: applied timers are cleared.
      await disarm(
        dynamodb.client,
        latenessTable,
        messages.map((m) => armed[m.ticketNumber - 1]!),
      );
    }
    const unique = new Set(delivered.map((m) => `${m.tenantId}#${m.ticketNumber}#${m.slot}`));
    const sweeperLateS = delivered.map((m) => (Date.parse(m.claimedAt) - Date.parse(m.dueAt)) / 1000);
    const hourlyLateS = armed.map((t) => {
      const due = Date.parse(t.dueAt);
      return (Math.ceil(due / HOUR) * HOUR - due) / 1000;
    });
    const lateness: LatenessFigures = {
      timers: LATENESS_TIMERS,
      sweeps,
      delivered: unique.size,
      duplicates: delivered.length - unique.size,
      sweeperP50S: round(percentile(sweeperLateS, 50), 1),
      sweeperP99S: round(percentile(sweeperLateS, 99), 1),
      sweeperMaxS: round(Math.max(...sweeperLateS), 1),
      hourlyP50S: round(percentile(hourlyLateS, 50), 1),
      hourlyP99S: round(percentile(hourlyLateS, 99), 1),
      hourlyMaxS: round(Math.max(...hourlyLateS), 1),
      sweepMsMedian: round(median(sweepMs), 1),
      sweepMsMax: round(Math.max(...sweepMs), 1),
    };
    if (lateness.delivered !== LATENESS_TIMERS) {
      throw new Error(`only ${lateness.delivered} of ${LATENESS_TIMERS} timers reached the timer queue`);
    }

    // (b) read units per sweep as armed-but-not-due timers pile up (the due index is empty again: every timer
    // of (a) was delivered and cleared)
    const scaleTable = table;
    const store = new DynamoDbTimerStore(dynamodb.client, { main: scaleTable });
    const scaleClock = simulatedClock(T0);
    const scaleSweep = makeSweepTimers({ timers: store, queue, clock: scaleClock.clock });
    const scale: ScaleFigures[] = [];
    let loaded = 0;
    const later = random(7);
    for (const size of SCALE_SIZES) {
      const started = performance.now();
      const notDue = Array.from({ length: size - loaded }, (_, i) =>
        // Due in one to thirty days: open tickets' SLA deadlines, solved tickets' auto-close.
        benchTimer(1_000_000 + loaded + i, T0 + (1 + later() * 29) * 24 * HOUR, 500),
      );
      await arm(dynamodb.client, scaleTable, notDue);
      loaded = size;
      const loadSeconds = (performance.now() - started) / 1000;

      // The same due timers at both sizes (same tickets, so the same shards and item sizes).
      const due = Array.from({ length: DUE_AT_SCALE }, (_, i) =>
        benchTimer(5_000_000 + i, T0 - (i + 1) * 500),
      );
      await arm(dynamodb.client, scaleTable, due);
      const withDueStart = performance.now();
      const withDue = await scaleSweep();
      const sweepMsWithDue = performance.now() - withDueStart;
      await receive(sqs, queueUrl, withDue.sent);
      await disarm(dynamodb.client, scaleTable, due);

      const idleRuns: { readUnits: number; ms: number }[] = [];
      for (let run = 0; run < 5; run++) {
        const idleStart = performance.now();
        const idle = await scaleSweep();
        idleRuns.push({ readUnits: idle.readUnits ?? Number.NaN, ms: performance.now() - idleStart });
      }
      scale.push({
        armedNotDue: size,
        readUnitsWithDue: withDue.readUnits ?? Number.NaN,
        readUnitsIdle: median(idleRuns.map((r) => r.readUnits)),
        sweepMsWithDue: round(sweepMsWithDue, 1),
        sweepMsIdle: round(median(idleRuns.map((r) => r.ms)), 1),
        loadSeconds: round(loadSeconds, 1),
      });
    }
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    return { lateness, scale, dueAtScale: DUE_AT_SCALE };
  } finally {
    sqs.destroy();
    await fauxqs.stop();
    await dynamodb.stop();
  }
}
