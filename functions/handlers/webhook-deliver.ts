import { makeClock } from '../adapters/clock.ts';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { DynamoDbDeliveryStore, DynamoDbSubscriptionStore } from '../adapters/dynamodb/webhook-stores.ts';
import { makeSafeFetch, urlPolicyFromEnv } from '../adapters/http/safe-fetch.ts';
import { metered, tenantsOfRecords } from '../adapters/metering/invocation.ts';
import { makeSqsConsumer, PoisonMessageError } from '../adapters/sqs/consume.ts';
import { makeDeadLetterer, sqsClient } from '../adapters/sqs/dead-letter.ts';
import { makeSqsWebhookQueue } from '../adapters/sqs/webhook-queue.ts';
import { webhookBackoffScale } from '../adapters/webhooks/config.ts';
import { makeWebhookTransport } from '../adapters/webhooks/transport.ts';
import { makeDeliverWebhook } from '../core/use-cases/webhook-deliver.ts';
import type { DeliveryMessage } from '../core/webhooks/delivery.ts';
import { functions } from '../topology.ts';
import { logger } from './logger.ts';

const tables = { main: tableName('main') };
const sqs = sqsClient();

// Config is read once per cold start: a bad backoff scale fails the start, not each message.
const deliver = makeDeliverWebhook({
  subscriptions: new DynamoDbSubscriptionStore(documentClient, tables),
  deliveries: new DynamoDbDeliveryStore(documentClient, tables),
  queue: makeSqsWebhookQueue(sqs),
  transport: makeWebhookTransport(makeSafeFetch(urlPolicyFromEnv())),
  clock: makeClock(),
  random: Math.random,
  backoffScale: webhookBackoffScale(),
});

/** A delivery queue message as the fan-out or this worker sent it; anything else can never succeed. */
export function deliveryMessageOf(body: string): DeliveryMessage {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('the body is not JSON');
  }
  const fields = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  for (const field of ['tenantId', 'subscriptionId', 'deliveryId'] as const) {
    if (typeof fields[field] !== 'string' || fields[field] === '') {
      throw new PoisonMessageError(`not a webhook delivery (${field})`);
    }
  }
  for (const field of ['round', 'attempt'] as const) {
    const value = fields[field];
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new PoisonMessageError(`not a webhook delivery (${field})`);
    }
  }
  return message as DeliveryMessage;
}

/**
 * Delivery queue → one attempt each: signed POST, logged on the delivery; a failure queues the next attempt with
 * a delay, an open circuit defers it. After the last failed attempt the delivery is `failed` and its message goes
 * to the queue's DLQ with the reason (the delivery keeps the payload: redeliver it once the endpoint works).
 */
const consume = makeSqsConsumer(
  'webhookDeliver',
  async (record) => {
    const message = deliveryMessageOf(record.body);
    const result = await deliver(message);
    if (result.outcome === 'failed') {
      throw new PoisonMessageError(
        `delivery ${message.deliveryId} to subscription ${message.subscriptionId} failed after attempt ${result.attempt}: ${result.error}`,
      );
    }
    if (result.outcome === 'given_up' && result.deadLetter) {
      throw new PoisonMessageError(
        `delivery ${message.deliveryId} to subscription ${message.subscriptionId} failed: ${result.reason}`,
      );
    }
    return { delivery: message.deliveryId, round: message.round, attempt: message.attempt, ...result };
  },
  logger,
  { deadLetter: makeDeadLetterer(sqs, 'webhookDeliver') },
);

export const handler = metered(functions.webhookDeliver, consume, {
  tenantsOf: tenantsOfRecords,
  store: new DynamoDbUsageStore(documentClient, tables),
  logger,
  sqsBatch: true,
});
