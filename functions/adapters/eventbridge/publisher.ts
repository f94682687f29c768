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
export interface PublisherOptions {
  /**
   * Told of every entry the bus accepted, with its size as EventBridge bills it (per started 64 KB: the detail,
   * detail-type, source and time). Meter it.
   */
  readonly onPut?: (event: PublishedEvent, entryBytes: number) => void;
}

/** EventBridge sizes the `Time` field of an entry at 14 bytes. */
const TIME_BYTES = 14;

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly options: PublisherOptions = {},
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
          else this.reportPut(batch[index]!, entries[index]!);
        });
      } catch {
        failedIds.push(...batch.map((e) => e.id));
      }
    }
    return { failedIds };
  }

  private reportPut(event: PublishedEvent, entry: PutEventsRequestEntry): void {
    if (!this.options.onPut) return;
    const bytes =
      TIME_BYTES +
      Buffer.byteLength(entry.Source ?? '') +
      Buffer.byteLength(entry.DetailType ?? '') +
      Buffer.byteLength(entry.Detail ?? '');
    try {
      this.options.onPut(event, bytes);
    } catch {
      // Metering never fails a publish.
    }
  }
}

export function makeEventBridgePublisher(
  environment: NodeJS.ProcessEnv = process.env,
  options: PublisherOptions = {},
): EventBridgePublisher {
  const busName = environment[eventBus.envVar];
  if (!busName) throw new Error(`${eventBus.envVar} is not set`);
  return new EventBridgePublisher(new EventBridgeClient({}), busName, options);
}
