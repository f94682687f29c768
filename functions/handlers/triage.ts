import { classifierFromEnv } from '../adapters/bedrock/config.ts';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { makeDynamoDbWorkerPorts } from '../adapters/dynamodb/ports.ts';
import { makeSqsConsumer, PoisonMessageError } from '../adapters/sqs/consume.ts';
import { makeDeadLetterer, sqsClient } from '../adapters/sqs/dead-letter.ts';
import { makeLoadTriageModel } from '../core/use-cases/triage-settings.ts';
import { makeTriageTicket } from '../core/use-cases/triage-ticket.ts';
import { domainEventOf } from './domain-event.ts';
import { logger } from './logger.ts';

const ports = makeDynamoDbWorkerPorts(documentClient, { main: tableName('main') });
const classifier = classifierFromEnv(process.env, {
  onFallback: (reason) => logger.warn('triage: Bedrock failed, the built-in classifier decided', { reason }),
});
const triageTicket = makeTriageTicket({
  ...ports,
  classifier,
  loadTriageModel: makeLoadTriageModel(ports),
});

/** Domain events (EventBridge → SQS) → triage of customer messages and the tenant's automation rules. */
export const handler = makeSqsConsumer(
  'triage',
  async (record) => {
    const event = domainEventOf(record);
    if (!('ticket' in event)) throw new PoisonMessageError(`${event.type} is not a ticket event`);
    return { eventId: event.id, type: event.type, ...(await triageTicket(event)) };
  },
  logger,
  { deadLetter: makeDeadLetterer(sqsClient(), 'triage') },
);
