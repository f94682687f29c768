import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { DynamoDbReportStore } from '../adapters/dynamodb/report-store.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { metered, tenantsOfRecords } from '../adapters/metering/invocation.ts';
import { PoisonMessageError } from '../adapters/sqs/consume.ts';
import { makeDeadLetterer, sqsClient } from '../adapters/sqs/dead-letter.ts';
import type { PublishedEvent } from '../core/domain-events.ts';
import { makeMeterEvents } from '../core/use-cases/meter-events.ts';
import { functions } from '../topology.ts';
import { domainEventOf } from './domain-event.ts';
import { logger } from './logger.ts';

const meterEvents = makeMeterEvents({
  usage: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  // Reporting counters (core/reporting) from the same batch.
  reports: new DynamoDbReportStore(documentClient, { main: tableName('main') }),
});
const deadLetter = makeDeadLetterer(sqsClient(), 'metering');

/**
 * Every domain event (EventBridge → SQS) → usage and reporting counters. Each is one write of a few ADDs per
 * batch; when one fails, every record of the batch comes back (what was written counts again: at least once).
 * Poison records go to the DLQ with the reason.
 */
async function meterBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const events: PublishedEvent[] = [];
  const ids: string[] = [];
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      events.push(domainEventOf(record));
      ids.push(record.messageId);
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      logger.warn('metering: rejected', { messageId: record.messageId, reason: error.message });
      await deadLetter(record, error.message).catch((sendError: unknown) => {
        logger.error('metering: could not dead-letter, will retry', {
          messageId: record.messageId,
          sendError,
        });
        failures.push({ itemIdentifier: record.messageId });
      });
    }
  }
  if (events.length === 0) return { batchItemFailures: failures };
  try {
    logger.info('metering: done', await meterEvents(events));
    return { batchItemFailures: failures };
  } catch (error) {
    logger.error('metering: failed, the batch will be retried', { events: events.length, error });
    return { batchItemFailures: [...failures, ...ids.map((itemIdentifier) => ({ itemIdentifier }))] };
  }
}

export const handler = metered(functions.metering, meterBatch, {
  tenantsOf: tenantsOfRecords,
  store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  logger,
  sqsBatch: true,
});
