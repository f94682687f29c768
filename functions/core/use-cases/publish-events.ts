import type { AgentEvent } from '../agent-events.ts';
import type { ConversationEvent } from '../chat/conversation.ts';
import { toConversationDomainEvent } from '../chat/events.ts';
import { type PublishedEvent, toAgentDomainEvent, toDomainEvent } from '../domain-events.ts';
import type { TimelineEvent } from '../model.ts';

export interface EventPublisher {
  /** Publishes events in order; returns the ids of those that could not be published (to be retried). */
  publish(events: readonly PublishedEvent[]): Promise<{ failedIds: string[] }>;
}

/** What the outbox carries: ticket timeline events, agent events and chat conversation events. */
export type OutboxEntry = TimelineEvent | AgentEvent | ConversationEvent;

const isAgentEvent = (entry: OutboxEntry): entry is AgentEvent => 'agent' in entry && 'reason' in entry;
const isConversationEvent = (entry: OutboxEntry): entry is ConversationEvent =>
  'conversationId' in entry && 'conversation' in entry;

/**
 * The outbox's one job: every timeline event (and agent event) written to the table becomes a domain event.
 * Returns the ids that failed, so the stream consumer can report them as batch item failures and have the
 * stream deliver them again (consumers de-duplicate on the event id).
 */
export function makePublishTimelineEvents(deps: { publisher: EventPublisher }) {
  return async function publishTimelineEvents(
    entries: readonly OutboxEntry[],
  ): Promise<{ failedIds: string[] }> {
    if (entries.length === 0) return { failedIds: [] };
    return deps.publisher.publish(
      entries.map((entry) =>
        isAgentEvent(entry)
          ? toAgentDomainEvent(entry)
          : isConversationEvent(entry)
            ? toConversationDomainEvent(entry)
            : toDomainEvent(entry),
      ),
    );
  };
}
