import { makeStreamDispatcher } from '../adapters/dynamodb/outbox.ts';
import { makeEventBridgePublisher } from '../adapters/eventbridge/publisher.ts';
import { makePublishTimelineEvents } from '../core/use-cases/publish-events.ts';
import { logger } from './logger.ts';

/** Table stream → domain events on the bus (see adapters/dynamodb/outbox.ts). */
export const handler = makeStreamDispatcher(
  makePublishTimelineEvents({ publisher: makeEventBridgePublisher() }),
  logger,
);
