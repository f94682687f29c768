import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { PublishedEvent } from '../../core/domain-events.ts';
import type { EventPublisher } from '../../core/use-cases/publish-events.ts';
import { eventBus } from '../../topology.ts';

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

/**
 * Publishes domain events to the bus: detail-type is the event type (`ticket.created`), so bus rules route
 * by it; the detail is the versioned domain event itself.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly PublishedEvent[]): Promise<{ failedIds: string[] }> {
    const failedIds: string[] = [];
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const entries: PutEventsRequestEntry[] = batch.map((event) => ({
        EventBusName: this.busName,
        Source: eventBus.source,
        DetailType: event.type,
        Time: new Date(event.occurredAt),
        Resources: [],
        Detail: JSON.stringify(event),
      }));
      try {
        const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
        result.Entries?.forEach((entry, index) => {
          if (entry.ErrorCode) failedIds.push(batch[index]!.id);
        });
      } catch {
        failedIds.push(...batch.map((e) => e.id));
      }
    }
    return { failedIds };
  }
}

export function makeEventBridgePublisher(environment: NodeJS.ProcessEnv = process.env): EventBridgePublisher {
  const busName = environment[eventBus.envVar];
  if (!busName) throw new Error(`${eventBus.envVar} is not set`);
  return new EventBridgePublisher(new EventBridgeClient({}), busName);
}
