import type { SQSRecord } from 'aws-lambda';
import { PoisonMessageError } from '../adapters/sqs/consume.ts';
import type { ConversationDomainEvent } from '../core/chat/events.ts';
import type { AgentDomainEvent, DomainEvent, PublishedEvent } from '../core/domain-events.ts';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The domain event an EventBridge → SQS message carries, checked enough to act on it: anything else is a poison
 * message (it can never succeed), rejected with the reason. Consumers ignore fields they do not know.
 */
export function domainEventOf(record: SQSRecord): DomainEvent | AgentDomainEvent {
  let envelope: unknown;
  try {
    envelope = JSON.parse(record.body);
  } catch {
    throw new PoisonMessageError('the body is not JSON');
  }
  const detail = isObject(envelope) ? envelope.detail : undefined;
  if (!isObject(detail)) throw new PoisonMessageError('not an EventBridge event (no detail)');
  const { id, type, tenantId, actor, ticket, agent, data } = detail;
  if (
    typeof id !== 'string' ||
    typeof type !== 'string' ||
    typeof tenantId !== 'string' ||
    !isObject(actor)
  ) {
    throw new PoisonMessageError('not a Deskless domain event (id, type, tenantId, actor)');
  }
  if (!isObject(data)) throw new PoisonMessageError(`${type}: no data`);
  if (isObject(agent) && typeof agent.id === 'string' && Array.isArray(agent.groups)) {
    return detail as unknown as AgentDomainEvent;
  }
  if (!isObject(ticket) || !Number.isInteger(ticket.number) || !Number.isInteger(ticket.version)) {
    throw new PoisonMessageError(`${type}: no ticket summary (number, version)`);
  }
  return detail as unknown as DomainEvent;
}

/**
 * `domainEventOf`, and chat conversations' events too (`conversation.*`: the conversation in place of a ticket),
 * for consumers of every published event (webhook subscriptions).
 */
export function publishedEventOf(record: SQSRecord): PublishedEvent {
  let detail: unknown;
  try {
    detail = (JSON.parse(record.body) as { detail?: unknown })?.detail;
  } catch {
    return domainEventOf(record);
  }
  const conversation = isObject(detail) ? detail.conversation : undefined;
  if (isObject(detail) && isObject(conversation) && typeof conversation.id === 'string') {
    const { id, type, tenantId, actor, data } = detail;
    if (
      typeof id !== 'string' ||
      typeof type !== 'string' ||
      typeof tenantId !== 'string' ||
      !isObject(actor)
    ) {
      throw new PoisonMessageError('not a Deskless domain event (id, type, tenantId, actor)');
    }
    if (!isObject(data)) throw new PoisonMessageError(`${type}: no data`);
    return detail as unknown as ConversationDomainEvent;
  }
  return domainEventOf(record);
}
