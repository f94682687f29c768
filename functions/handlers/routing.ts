import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { makeDynamoDbWorkerPorts } from '../adapters/dynamodb/ports.ts';
import { makeSqsConsumer } from '../adapters/sqs/consume.ts';
import { makeDeadLetterer, sqsClient } from '../adapters/sqs/dead-letter.ts';
import { makeRouteEvent } from '../core/use-cases/route-event.ts';
import { domainEventOf } from './domain-event.ts';
import { logger } from './logger.ts';

const routeEvent = makeRouteEvent(makeDynamoDbWorkerPorts(documentClient, { main: tableName('main') }));

/** Domain events (EventBridge → SQS) → tickets assigned to agents, queued tickets handed out as capacity frees. */
export const handler = makeSqsConsumer(
  'routing',
  async (record) => {
    const event = domainEventOf(record);
    return { eventId: event.id, type: event.type, ...(await routeEvent(event)) };
  },
  logger,
  { deadLetter: makeDeadLetterer(sqsClient(), 'routing') },
);
