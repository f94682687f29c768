import { makeClock } from '../adapters/clock.ts';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { readSurveyAnswer } from '../adapters/dynamodb/report-store.ts';
import { readCsatSurveys, readTicketSpam } from '../adapters/dynamodb/survey-settings.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { DynamoDbDeliveryStore, DynamoDbSubscriptionStore } from '../adapters/dynamodb/webhook-stores.ts';
import { makeIds } from '../adapters/ids.ts';
import { metered, tenantsOfRecords } from '../adapters/metering/invocation.ts';
import { makeSqsConsumer } from '../adapters/sqs/consume.ts';
import { makeDeadLetterer, sqsClient } from '../adapters/sqs/dead-letter.ts';
import { makeSqsWebhookQueue } from '../adapters/sqs/webhook-queue.ts';
import { makeTokenSigner } from '../adapters/token-signer.ts';
import { cachedSubscriptions, makeFanOutEvent } from '../core/use-cases/webhook-fanout.ts';
import { makeSurveyLinkFor } from '../core/webhooks/survey-link.ts';
import { env, functions } from '../topology.ts';
import { publishedEventOf } from './domain-event.ts';
import { logger } from './logger.ts';

const tables = { main: tableName('main') };
const subscriptions = new DynamoDbSubscriptionStore(documentClient, tables);
const sqs = sqsClient();

const fanOut = makeFanOutEvent({
  // Kept a few seconds per container: a burst of events reads a tenant's subscriptions once.
  subscriptions: cachedSubscriptions((tenantId) => subscriptions.list(tenantId)),
  deliveries: new DynamoDbDeliveryStore(documentClient, tables),
  queue: makeSqsWebhookQueue(sqs),
  clock: makeClock(),
  ids: makeIds(),
  // A solve's payload carries the survey link, signed with the reply secret (read on the first link made).
  surveyLinkFor: makeSurveyLinkFor({
    enabled: (tenantId) => readCsatSurveys(documentClient, tables.main, tenantId),
    spam: (tenantId, number) => readTicketSpam(documentClient, tables.main, tenantId, number),
    answered: async (tenantId, number) =>
      (await readSurveyAnswer(documentClient, tables.main, tenantId, number)) !== null,
    tokens: makeTokenSigner(),
    publicApiUrl: () => process.env[env.publicApiUrl] || null,
    warn: (message) => logger.warn(message),
  }),
  warn: (message, error) =>
    logger.warn(message, { error: error instanceof Error ? error.message : String(error) }),
});

/**
 * Every domain event (EventBridge → SQS) → one delivery per subscription that takes it, written once and queued
 * for its first attempt (the webhookDeliver worker makes it). Records of a batch are independent; a failed one
 * comes back, and its deliveries are not made twice. Poison records go to the DLQ with the reason.
 */
const consume = makeSqsConsumer(
  'webhookFanout',
  async (record) => {
    const event = publishedEventOf(record);
    return { event: event.id, type: event.type, ...(await fanOut(event)) };
  },
  logger,
  { deadLetter: makeDeadLetterer(sqs, 'webhookFanout') },
);

export const handler = metered(functions.webhookFanout, consume, {
  tenantsOf: tenantsOfRecords,
  store: new DynamoDbUsageStore(documentClient, tables),
  logger,
  sqsBatch: true,
});
