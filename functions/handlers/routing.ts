import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { makeDynamoDbWorkerPorts } from '../adapters/dynamodb/ports.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { metered, tenantsOfRecords } from '../adapters/metering/invocation.ts';
import { makeSqsConsumer } from '../adapters/sqs/consume.ts';
import { makeDeadLetterer, sqsClient } from '../adapters/sqs/dead-letter.ts';
import { makeRouteEvent } from '../core/use-cases/route-event.ts';
import { functions } from '../topology.ts';
import { domainEventOf } from './domain-event.ts';
import { logger } from './logger.ts';

const routeEvent = makeRouteEvent(makeDynamoDbWorkerPorts(documentClient, { main: tableName('main') }));

/** Domain events (EventBridge → SQS) → tickets assigned to agents, queued tickets handed out as capacity frees. */
const consume = makeSqsConsumer(
  'routing',
  async (record) => {
    const event = domainEventOf(record);
    return { eventId: event.id, type: event.type, ...(await routeEvent(event)) };
  },
  logger,
  { deadLetter: makeDeadLetterer(sqsClient(), 'routing') },
);

/** Metered: its invocations and GB-seconds are counted for the tenants of each batch (adapters/metering). */
export const handler = metered(functions.routing, consume, {
  tenantsOf: tenantsOfRecords,
  store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  logger,
  sqsBatch: true,
});
