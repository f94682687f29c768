/**
 * What metering costs itself: the CPU time the log-byte counter and the handler wrapper add, and the counter
 * writes (and write units) of one flush of a container's measured usage, against DynamoDB Local.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbUsageStore } from '../functions/adapters/dynamodb/usage-store.ts';
import { UsageBuffer } from '../functions/adapters/metering/buffer.ts';
import { metered } from '../functions/adapters/metering/invocation.ts';
import { countLoggedBytes, takeLoggedBytes } from '../functions/adapters/metering/logs.ts';
import { meter } from './dynamodb-meter.ts';
import { benchDynamoDb } from './local-dynamodb.ts';
import { median, round } from './stats.ts';

const LINES = 20_000;
const INVOCATIONS = 50_000;
const ROUNDS = 7;

function silentLogger(counted: boolean): Logger {
  const logger = new Logger({ serviceName: 'bench' });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  (logger as unknown as { console: Console }).console = new Console({ stdout: sink, stderr: sink });
  if (counted) countLoggedBytes(logger);
  return logger;
}

/** µs per logged line (median of rounds), a `…: done` line as the queue consumers write one per message. */
function logLineMicros(logger: Logger): number {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < LINES; i++) {
      logger.info('triage: done', {
        messageId: '3b2f0c1e-6a7d-4c1f-9e3a-0d4b5c6d7e8f',
        eventId: '01JQ7ZK3M5N8P9R2S4T6V8W0XY',
        type: 'ticket.created',
        outcome: 'changed',
        classified: true,
        fired: [],
      });
    }
    samples.push(((performance.now() - start) * 1000) / LINES);
  }
  takeLoggedBytes();
  return median(samples);
}

/** µs per invocation of a handler that does nothing, bare and wrapped by `metered()` (no flush due). */
async function wrapperMicros(): Promise<{ bare: number; wrapped: number }> {
  const store = { add: async () => {}, read: async () => new Map() };
  const handler = async (_event: { Records: { body: string }[] }) => 'ok';
  const wrapped = metered({ name: 'bench', memoryMb: 512 }, handler, {
    tenantsOf: () => ['acme'],
    store,
    logger: { warn: () => {} },
    sqsBatch: true,
  });
  const event = { Records: [{ body: '{"detail":{"tenantId":"acme"}}' }] };
  const time = async (fn: typeof handler) => {
    const samples: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const start = performance.now();
      for (let i = 0; i < INVOCATIONS; i++) await fn(event);
      samples.push(((performance.now() - start) * 1000) / INVOCATIONS);
    }
    return median(samples);
  };
  return { bare: await time(handler), wrapped: await time(wrapped) };
}

export interface FlushFigure {
  readonly what: string;
  readonly tenants: number;
  readonly counterWrites: number;
  /** As DynamoDB bills them: each item of a transaction, up to 1 KB, is 2 write units. */
  readonly billedWriteUnits: number;
  /** What DynamoDB Local reports for the transaction (it reports 2 whatever the number of ADD updates). */
  readonly localWriteUnits: number;
}

/** One flush of what typical invocations measured, written to DynamoDB Local: items and write units. */
async function flushes(): Promise<FlushFigure[]> {
  const db = await benchDynamoDb();
  try {
    const store = new DynamoDbUsageStore(db.client, db.tables);
    const units = meter(db.client);
    const figures: FlushFigure[] = [];
    const flush = async (what: string, tenants: number, fill: (buffer: UsageBuffer) => void) => {
      const buffer = new UsageBuffer();
      fill(buffer);
      units.reset();
      const counters = await buffer.flush(store, { force: true });
      // Items written: the counters the buffer held, and each tenant's overhead counter (one day).
      const counterWrites = counters + tenants;
      figures.push({
        what,
        tenants,
        counterWrites,
        billedWriteUnits: 2 * counterWrites,
        localWriteUnits: units.read().writeUnits,
      });
    };
    // A queue consumer's invocation for one tenant (triage, routing, email-out, timer, metering).
    const consumer = (buffer: UsageBuffer, tenant: string) => {
      for (const counter of ['lambda.requests', 'lambda.gb_seconds', 'logs.bytes', 'sqs.requests'] as const)
        buffer.record(tenant, counter, 1);
      buffer.record(tenant, 'dynamodb.rru', 4);
      buffer.record(tenant, 'dynamodb.wru', 24);
    };
    await flush('a queue consumer, one tenant', 1, (b) => consumer(b, 'acme'));
    await flush('a queue consumer, a minute of 3 tenants', 3, (b) => {
      for (const tenant of ['acme', 'globex', 'initech']) consumer(b, tenant);
    });
    await flush('the sweeper (deployment)', 1, (b) => {
      for (const counter of [
        'lambda.requests',
        'lambda.gb_seconds',
        'logs.bytes',
        'scheduler.invocations',
        'dynamodb.rru',
      ] as const)
        b.record('_deployment', counter, 1);
    });
    await flush('the dispatcher, one tenant', 1, (b) => {
      for (const counter of [
        'lambda.requests',
        'lambda.gb_seconds',
        'logs.bytes',
        'events.published',
      ] as const)
        b.record('acme', counter, 1);
    });
    await flush('email-in, one mail with an attachment', 1, (b) => {
      consumer(b, 'acme');
      for (const counter of [
        'ses.mails_in',
        'ses.chunks_in',
        's3.gets',
        's3.puts',
        's3.bytes_written',
      ] as const)
        b.record('acme', counter, 1);
    });
    return figures;
  } finally {
    await db.stop();
  }
}

export async function measureMetering() {
  const plain = logLineMicros(silentLogger(false));
  const counted = logLineMicros(silentLogger(true));
  const wrapper = await wrapperMicros();
  return {
    logLineMicros: { plain: round(plain, 3), counted: round(counted, 3), added: round(counted - plain, 3) },
    wrapperMicros: {
      bare: round(wrapper.bare, 3),
      wrapped: round(wrapper.wrapped, 3),
      added: round(wrapper.wrapped - wrapper.bare, 3),
    },
    flushes: await flushes(),
  };
}
