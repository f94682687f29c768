import type { Context } from 'aws-lambda';
import { makeClock } from '../adapters/clock.ts';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { DynamoDbTimerStore } from '../adapters/dynamodb/timer-store.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { DEPLOYMENT_TENANT } from '../adapters/metering/buffer.ts';
import { metered } from '../adapters/metering/invocation.ts';
import { sqsClient } from '../adapters/sqs/dead-letter.ts';
import { makeSqsTimerQueue, timerQueueUrl } from '../adapters/sqs/timer-queue.ts';
import { makeSweepTimers, type SweepResult } from '../core/use-cases/sweep-timers.ts';
import { functions } from '../topology.ts';
import { logger } from './logger.ts';

const sweep = makeSweepTimers({
  timers: new DynamoDbTimerStore(documentClient, { main: tableName('main') }),
  queue: makeSqsTimerQueue(sqsClient(), timerQueueUrl()),
  clock: makeClock(),
});

/** Pages are not started with less than this left: a page's claims and sends finish well within it. */
const RESERVE_MS = 10_000;

/**
 * EventBridge Scheduler, every minute (the event carries nothing the sweep needs) → due timers claimed and on
 * the timer queue. What does not fit in one invocation is still due and the next minute's sweep takes it.
 */
async function sweepOnce(_event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) {
  const result: SweepResult = await sweep({
    shouldStop: context ? () => context.getRemainingTimeInMillis() < RESERVE_MS : undefined,
  });
  if (result.due > 0) logger.info('sweeper: done', { ...result });
  else logger.debug('sweeper: nothing due', { ...result });
  return result;
}

/** Metered as the deployment's: the sweeper serves every tenant at once. */
export const handler = metered(
  functions.sweeper,
  (event: unknown, context?: unknown) =>
    sweepOnce(event, context as Pick<Context, 'getRemainingTimeInMillis'>),
  {
    tenantsOf: () => [DEPLOYMENT_TENANT],
    store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
    logger,
    scheduled: true,
  },
);
