import { type DomainEvent, toDomainEvent } from '../domain-events.ts';
import type { TimelineEvent } from '../model.ts';

export interface EventPublisher {
  /** Publishes events in order; returns the ids of those that could not be published (to be retried). */
  publish(events: readonly DomainEvent[]): Promise<{ failedIds: string[] }>;
}

/**
 * The outbox's one job: every timeline event written to the table becomes a domain event. Returns the
 * timeline event ids that failed, so the stream consumer can report them as batch item failures and have the
 * stream deliver them again (consumers de-duplicate on the event id).
 */
export function makePublishTimelineEvents(deps: { publisher: EventPublisher }) {
  return async function publishTimelineEvents(
    events: readonly TimelineEvent[],
  ): Promise<{ failedIds: string[] }> {
    if (events.length === 0) return { failedIds: [] };
    return deps.publisher.publish(events.map(toDomainEvent));
  };
}
