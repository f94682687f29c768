import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { makeStreamDispatcher } from '../adapters/dynamodb/outbox.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { makeEventBridgePublisher } from '../adapters/eventbridge/publisher.ts';
import { metered, tenantsOfStreamRecords } from '../adapters/metering/invocation.ts';
import { recordEventPut } from '../adapters/metering/record.ts';
import { makePublishTimelineEvents } from '../core/use-cases/publish-events.ts';
import { functions } from '../topology.ts';
import { logger } from './logger.ts';

/** Table stream → domain events on the bus (see adapters/dynamodb/outbox.ts). */
const dispatch = makeStreamDispatcher(
  makePublishTimelineEvents({
    // Every entry the bus accepted is metered for its tenant, per 64 KB chunk, as EventBridge bills it.
    publisher: makeEventBridgePublisher(process.env, {
      onPut: (event, bytes) => recordEventPut(event.tenantId, bytes),
    }),
  }),
  logger,
);

/**
 * Metered: its invocations, GB-seconds and logs for the tenants of each stream batch. It writes only usage
 * counters (topology.ts `writesUsageCounters`: no other access to the table).
 */
export const handler = metered(functions.dispatcher, dispatch, {
  tenantsOf: tenantsOfStreamRecords,
  store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  logger,
});
