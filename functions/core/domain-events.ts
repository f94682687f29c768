import type { AGENT_AVAILABLE, AgentEvent, AgentSummary } from './agent-events.ts';
import type { ConversationDomainEvent } from './chat/events.ts';
import type { Actor, TicketSummary, TimelineEvent, TimelineEventType } from './model.ts';

/**
 * Domain events: what the outbox publishes for every timeline event. Their shape is a public, versioned
 * contract (JSON Schemas under schemas/events/); consumers must ignore fields they do not know.
 */
export const DOMAIN_EVENT_TYPES = {
  created: 'ticket.created',
  comment: 'comment.added',
  field_changed: 'ticket.updated',
  status_changed: 'ticket.status_changed',
  assigned: 'ticket.assigned',
  linked: 'ticket.linked',
  external_link_added: 'ticket.external_link_added',
  email_sent: 'email.sent',
  email_failed: 'email.failed',
  email_bounced: 'email.bounced',
  triaged: 'ticket.triaged',
  rule_fired: 'rule.fired',
  rules_halted: 'rules.halted',
  routing_deferred: 'ticket.queued',
  macro_applied: 'macro.applied',
  sla_warning: 'sla.warning',
  sla_breached: 'sla.breached',
  reminder_sent: 'ticket.reminder_sent',
  sms_sent: 'sms.sent',
  sms_failed: 'sms.failed',
} as const satisfies Record<TimelineEventType, string>;

export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[TimelineEventType];

export const DOMAIN_EVENT_VERSION = 1;

/** EventBridge entries are limited to 256 KB; comment bodies are cut to this and flagged `truncated`. */
export const MAX_EVENT_BODY_CHARS = 8_000;

export interface DomainEvent {
  /** The timeline event id: consumers de-duplicate on it. */
  readonly id: string;
  readonly type: DomainEventType;
  readonly version: typeof DOMAIN_EVENT_VERSION;
  readonly tenantId: string;
  readonly occurredAt: string;
  readonly actor: Actor;
  readonly ticket: TicketSummary;
  readonly data: Record<string, unknown>;
}

export function toDomainEvent(event: TimelineEvent): DomainEvent {
  const { type, ...rest } = event.data;
  let data: Record<string, unknown> = rest;
  if (event.data.type === 'comment') {
    // The full original text of an emailed comment stays on the timeline; the event carries the comment.
    if (event.data.email) {
      const { text: _text, html: _html, ...email } = event.data.email;
      data = { ...data, email };
    }
    if (event.data.body.length > MAX_EVENT_BODY_CHARS) {
      data = { ...data, body: event.data.body.slice(0, MAX_EVENT_BODY_CHARS), truncated: true };
    }
  }
  return {
    id: event.id,
    type: DOMAIN_EVENT_TYPES[type],
    version: DOMAIN_EVENT_VERSION,
    tenantId: event.tenantId,
    occurredAt: event.at,
    actor: event.actor,
    ticket: event.ticket,
    data,
  };
}

/** `agent.available`: the published form of an AgentEvent (same envelope, an `agent` instead of a `ticket`). */
export interface AgentDomainEvent {
  readonly id: string;
  readonly type: typeof AGENT_AVAILABLE;
  readonly version: typeof DOMAIN_EVENT_VERSION;
  readonly tenantId: string;
  readonly occurredAt: string;
  readonly actor: Actor;
  readonly agent: AgentSummary;
  readonly data: { readonly reason: string };
}

/** Everything the outbox publishes. */
export type PublishedEvent = DomainEvent | AgentDomainEvent | ConversationDomainEvent;

export function toAgentDomainEvent(event: AgentEvent): AgentDomainEvent {
  return {
    id: event.id,
    type: event.type,
    version: DOMAIN_EVENT_VERSION,
    tenantId: event.tenantId,
    occurredAt: event.at,
    actor: event.actor,
    agent: event.agent,
    data: { reason: event.reason },
  };
}
