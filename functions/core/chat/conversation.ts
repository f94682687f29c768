/**
 * Chat conversations: quick questions through a chat channel stay a conversation — messages back and forth, then
 * resolved — and only become a ticket when escalated (by an agent, by the channel's rule, or after too many
 * customer messages or minutes without a resolution; see escalation.ts). Pure functions: each returns a
 * ConversationChange (the conversation as it is now, the messages it gained and the outbox events that record
 * it), which the store writes in one transaction guarded by the conversation's version.
 */

import type { ChatSettings, ConversationRef } from '../channels/channel.ts';
import { DomainError } from '../errors.ts';
import type { Actor, AuthorType } from '../model.ts';
import type { IdSource } from '../tickets.ts';

export const CONVERSATION_STATUSES = ['open', 'resolved', 'escalated'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** What escalated a conversation: an agent by hand, the channel's rule, too many messages, too many minutes. */
export const ESCALATION_TRIGGERS = ['agent', 'rule', 'messages', 'minutes'] as const;
export type EscalationTrigger = (typeof ESCALATION_TRIGGERS)[number];

/** The customer as the chat provider names them; any part may be unknown. */
export interface ChatCustomer {
  /** The provider's id for the customer (not a Deskless customer id). */
  readonly id: string | null;
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
}

export interface ChatAuthor {
  readonly type: AuthorType;
  /** The provider's customer id (or the customer's email or phone), an agent id, or a system component. */
  readonly id: string;
  readonly name: string | null;
}

export interface ChatMessage {
  /** ULID: messages sort in the order they were taken in. */
  readonly id: string;
  readonly author: ChatAuthor;
  readonly text: string;
  readonly at: string;
}

export interface Escalation {
  readonly by: EscalationTrigger;
  readonly reason: string;
  readonly at: string;
}

/** The minutes-based escalation's deadline while armed (a TIMER item on the conversation; see core/timers.ts). */
export interface ChatTimer {
  readonly dueAt: string;
  /** `chat_escalation@{openedAt}`: one effect per open stretch, applied once. */
  readonly effect: string;
}

export interface Conversation {
  readonly tenantId: string;
  /** `cv_<ulid>`. */
  readonly id: string;
  readonly channelId: string;
  /** The provider's conversation id. */
  readonly externalId: string;
  readonly customer: ChatCustomer;
  readonly status: ConversationStatus;
  /** Messages in the conversation, both ways. */
  readonly messages: number;
  /** Of them, the customer's. */
  readonly customerMessages: number;
  /** Customer messages since the conversation (re)opened: what `escalateAfterMessages` counts. */
  readonly unresolvedCustomerMessages: number;
  readonly lastMessageAt: string;
  readonly startedAt: string;
  /** When the current open stretch began: `startedAt`, or when a customer's message reopened it. */
  readonly openedAt: string;
  readonly resolvedAt: string | null;
  /** The ticket it became; null until escalated. */
  readonly ticketNumber: number | null;
  readonly escalation: Escalation | null;
  readonly timer: ChatTimer | null;
  readonly updatedAt: string;
  readonly version: number;
}

/** The conversation as its events carry it: enough for a consumer (a webhook) to answer on the provider. */
export interface ConversationSummary {
  readonly id: string;
  readonly channelId: string;
  readonly externalId: string;
  readonly status: ConversationStatus;
  readonly customer: ChatCustomer;
  readonly messages: number;
  readonly customerMessages: number;
  readonly ticketNumber: number | null;
  readonly version: number;
}

/** Outbox events of conversations (published as `conversation.*` domain events; see events.ts). */
export type ConversationEventData =
  | { readonly type: 'message_added'; readonly message: ChatMessage }
  | { readonly type: 'resolved' }
  | {
      readonly type: 'escalated';
      readonly by: EscalationTrigger;
      readonly reason: string;
      readonly ticketNumber: number;
    };

export interface ConversationEvent {
  readonly id: string;
  readonly tenantId: string;
  readonly conversationId: string;
  readonly at: string;
  readonly actor: Actor;
  readonly data: ConversationEventData;
  /** The conversation right after the event. */
  readonly conversation: ConversationSummary;
}

export interface ConversationChange {
  /** The conversation as read (null: it is new); the store guards on its version and moves its view item. */
  readonly previous: Conversation | null;
  readonly conversation: Conversation;
  readonly messages: readonly ChatMessage[];
  readonly events: readonly ConversationEvent[];
}

/** Longest chat message kept, in characters (a chat line, not a mail). */
export const MAX_CHAT_MESSAGE_CHARS = 8_000;

/** The chat worker's actor on timelines and events (escalations by rule, messages or minutes). */
export const CHAT_ACTOR: Actor = { type: 'system', id: 'chat', name: 'Chat' };

export const summarizeConversation = (c: Conversation): ConversationSummary => ({
  id: c.id,
  channelId: c.channelId,
  externalId: c.externalId,
  status: c.status,
  customer: c.customer,
  messages: c.messages,
  customerMessages: c.customerMessages,
  ticketNumber: c.ticketNumber,
  version: c.version,
});

/** Where the ticket a conversation became came from (`Ticket.conversation`). */
export const conversationRef = (c: Conversation): ConversationRef => ({
  channelId: c.channelId,
  channelType: 'chat',
  conversationId: c.externalId,
});

/** The customer as a message author: the provider's id, else the email or phone they gave. */
export function customerAuthor(customer: ChatCustomer): ChatAuthor {
  return {
    type: 'customer',
    id: customer.id ?? customer.email ?? customer.phone ?? 'customer',
    name: customer.name,
  };
}

/** Known parts of the customer: what the provider said before, completed (or corrected) by what it says now. */
function mergeCustomer(known: ChatCustomer, now: Partial<ChatCustomer>): ChatCustomer {
  return {
    id: now.id ?? known.id,
    name: now.name ?? known.name,
    email: now.email ?? known.email,
    phone: now.phone ?? known.phone,
  };
}

function eventsFor(
  conversation: Conversation,
  actor: Actor,
  at: string,
  ids: IdSource,
  data: readonly ConversationEventData[],
): ConversationEvent[] {
  const summary = summarizeConversation(conversation);
  return data.map((d) => ({
    id: ids.next(),
    tenantId: conversation.tenantId,
    conversationId: conversation.id,
    at,
    actor,
    data: d,
    conversation: summary,
  }));
}

/** The minutes-based escalation's deadline for an open stretch beginning at `openedAt`; null when it is off. */
export function escalationTimer(settings: ChatSettings | null, openedAt: string): ChatTimer | null {
  const minutes = settings?.escalateAfterMinutes;
  if (minutes === null || minutes === undefined) return null;
  return {
    dueAt: new Date(Date.parse(openedAt) + minutes * 60_000).toISOString(),
    effect: `chat_escalation@${openedAt}`,
  };
}

export interface NewConversation {
  readonly tenantId: string;
  readonly id: string;
  readonly channelId: string;
  readonly externalId: string;
  readonly customer: ChatCustomer;
}

/** A conversation not stored yet (version 0): its first customer message makes it version 1. */
export function blankConversation(input: NewConversation, now: string): Conversation {
  return {
    ...input,
    status: 'open',
    messages: 0,
    customerMessages: 0,
    unresolvedCustomerMessages: 0,
    lastMessageAt: now,
    startedAt: now,
    openedAt: now,
    resolvedAt: null,
    ticketNumber: null,
    escalation: null,
    timer: null,
    updatedAt: now,
    version: 0,
  };
}

function assertNotEscalated(conversation: Conversation, what: string): void {
  if (conversation.status === 'escalated') {
    throw new DomainError(
      'conflict',
      `conversation ${conversation.id} was escalated to ticket #${conversation.ticketNumber}: ${what} on the ticket`,
    );
  }
}

/**
 * A customer's message. On a new conversation (version 0) it starts it and arms the minutes timer; on a resolved
 * one it reopens it (a new open stretch: the message count and the timer start again). Escalated conversations
 * take customer messages as comments on their ticket instead (the use case sends them there).
 */
export function addCustomerMessage(
  conversation: Conversation,
  input: { readonly text: string; readonly customer?: Partial<ChatCustomer> | undefined },
  settings: ChatSettings | null,
  now: string,
  ids: IdSource,
): ConversationChange {
  assertNotEscalated(conversation, 'write');
  const isNew = conversation.version === 0;
  const reopened = conversation.status === 'resolved';
  const customer = mergeCustomer(conversation.customer, input.customer ?? {});
  const message: ChatMessage = {
    id: ids.next(),
    author: customerAuthor(customer),
    text: input.text,
    at: now,
  };
  const openedAt = isNew || reopened ? now : conversation.openedAt;
  const next: Conversation = {
    ...conversation,
    customer,
    status: 'open',
    messages: conversation.messages + 1,
    customerMessages: conversation.customerMessages + 1,
    unresolvedCustomerMessages: reopened ? 1 : conversation.unresolvedCustomerMessages + 1,
    lastMessageAt: now,
    startedAt: isNew ? now : conversation.startedAt,
    openedAt,
    resolvedAt: null,
    timer: isNew || reopened ? escalationTimer(settings, openedAt) : conversation.timer,
    updatedAt: now,
    version: conversation.version + 1,
  };
  const actor: Actor = {
    type: 'customer',
    id: message.author.id,
    name: customer.name,
    email: customer.email,
  };
  return {
    previous: isNew ? null : conversation,
    conversation: next,
    messages: [message],
    events: eventsFor(next, actor, now, ids, [{ type: 'message_added', message }]),
  };
}

/** An agent's reply: goes out to the customer through the `conversation.message_added` event. */
export function addAgentReply(
  conversation: Conversation,
  text: string,
  author: ChatAuthor,
  actor: Actor,
  now: string,
  ids: IdSource,
): ConversationChange {
  assertNotEscalated(conversation, 'reply');
  const message: ChatMessage = { id: ids.next(), author, text, at: now };
  const next: Conversation = {
    ...conversation,
    messages: conversation.messages + 1,
    lastMessageAt: now,
    updatedAt: now,
    version: conversation.version + 1,
  };
  return {
    previous: conversation,
    conversation: next,
    messages: [message],
    events: eventsFor(next, actor, now, ids, [{ type: 'message_added', message }]),
  };
}

/** Resolves an open conversation (its timer is cleared); resolving a resolved one changes nothing. */
export function resolveConversation(
  conversation: Conversation,
  actor: Actor,
  now: string,
  ids: IdSource,
): ConversationChange {
  assertNotEscalated(conversation, 'solve it');
  if (conversation.status === 'resolved') {
    return { previous: conversation, conversation, messages: [], events: [] };
  }
  const next: Conversation = {
    ...conversation,
    status: 'resolved',
    resolvedAt: now,
    unresolvedCustomerMessages: 0,
    timer: null,
    updatedAt: now,
    version: conversation.version + 1,
  };
  return {
    previous: conversation,
    conversation: next,
    messages: [],
    events: eventsFor(next, actor, now, ids, [{ type: 'resolved' }]),
  };
}

/**
 * Records an escalation decided together with the change it comes from (the customer's Nth message, a message the
 * channel's conditions match): the conversation stays open with `escalation` set and no ticket yet, so if making
 * the ticket fails, the next attempt (a redelivery of the message, the next message, an agent) completes it.
 */
export function withPendingEscalation(
  change: ConversationChange,
  escalation: { readonly by: EscalationTrigger; readonly reason: string },
  now: string,
): ConversationChange {
  return { ...change, conversation: { ...change.conversation, escalation: { ...escalation, at: now } } };
}

/**
 * Records an escalation decided on its own (an agent, the minutes timer) before its ticket is made, with no other
 * change: from then on the conversation takes no message (see escalationPending), so the transcript read after
 * this is the whole conversation.
 */
export function recordEscalation(
  conversation: Conversation,
  escalation: { readonly by: EscalationTrigger; readonly reason: string },
  now: string,
): ConversationChange {
  assertNotEscalated(conversation, 'work');
  const next: Conversation = {
    ...conversation,
    escalation: { ...escalation, at: now },
    updatedAt: now,
    version: conversation.version + 1,
  };
  return { previous: conversation, conversation: next, messages: [], events: [] };
}

/**
 * Whether an escalation was decided but its ticket not made yet. Such a conversation takes no more messages: the
 * escalation is finished first, and a customer's message then goes to the ticket as a comment (an agent's reply
 * is refused), so nothing written after the transcript was read is missing from the ticket.
 */
export const escalationPending = (conversation: Conversation): boolean =>
  conversation.status !== 'escalated' && conversation.escalation !== null;

/** Marks the conversation escalated to its ticket (its timer is cleared). Only open or resolved ones escalate. */
export function markEscalated(
  conversation: Conversation,
  escalation: { readonly by: EscalationTrigger; readonly reason: string },
  ticketNumber: number,
  actor: Actor,
  now: string,
  ids: IdSource,
): ConversationChange {
  assertNotEscalated(conversation, 'work');
  const next: Conversation = {
    ...conversation,
    status: 'escalated',
    ticketNumber,
    escalation: { ...escalation, at: now },
    timer: null,
    updatedAt: now,
    version: conversation.version + 1,
  };
  return {
    previous: conversation,
    conversation: next,
    messages: [],
    events: eventsFor(next, actor, now, ids, [{ type: 'escalated', ...escalation, ticketNumber }]),
  };
}

/**
 * An escalated conversation whose ticket was closed: the customer's next message opened a follow-up ticket, and
 * the conversation runs on that one from now on.
 */
export function moveToTicket(
  conversation: Conversation,
  ticketNumber: number,
  now: string,
): ConversationChange {
  const next: Conversation = {
    ...conversation,
    ticketNumber,
    updatedAt: now,
    version: conversation.version + 1,
  };
  return { previous: conversation, conversation: next, messages: [], events: [] };
}
