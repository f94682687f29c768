import { DOMAIN_EVENT_VERSION } from '../domain-events.ts';
import type { Actor } from '../model.ts';
import type { ConversationEvent, ConversationEventData, ConversationSummary } from './conversation.ts';

/**
 * Conversation events as the outbox publishes them: the domain events' envelope with the conversation in place
 * of a ticket. An agent's reply is a `conversation.message_added` whose `data.message.author.type` is `agent`:
 * what a webhook subscription delivers back to the chat provider.
 */
export const CONVERSATION_EVENT_TYPES = {
  message_added: 'conversation.message_added',
  resolved: 'conversation.resolved',
  escalated: 'conversation.escalated',
} as const satisfies Record<ConversationEventData['type'], string>;

export type ConversationEventType = (typeof CONVERSATION_EVENT_TYPES)[ConversationEventData['type']];

export const CONVERSATION_EVENT_TYPE_NAMES = Object.values(CONVERSATION_EVENT_TYPES);

export interface ConversationDomainEvent {
  /** The conversation event's id (ULID): consumers de-duplicate on it. */
  readonly id: string;
  readonly type: ConversationEventType;
  readonly version: typeof DOMAIN_EVENT_VERSION;
  readonly tenantId: string;
  readonly occurredAt: string;
  readonly actor: Actor;
  readonly conversation: ConversationSummary;
  readonly data: Record<string, unknown>;
}

export function toConversationDomainEvent(event: ConversationEvent): ConversationDomainEvent {
  const { type, ...data } = event.data;
  return {
    id: event.id,
    type: CONVERSATION_EVENT_TYPES[type],
    version: DOMAIN_EVENT_VERSION,
    tenantId: event.tenantId,
    occurredAt: event.at,
    actor: event.actor,
    conversation: event.conversation,
    data,
  };
}
