import type { Caller } from '../caller.ts';
import {
  CHAT_ACTOR,
  type ChatMessage,
  type Conversation,
  conversationRef,
  type EscalationTrigger,
  escalationPending,
  markEscalated,
  recordEscalation,
} from '../chat/conversation.ts';
import { escalationSubject, requesterIdentity, transcriptComment } from '../chat/escalation.ts';
import type { ConversationStore } from '../chat/ports.ts';
import { ConcurrentModificationError, DomainError, notFound } from '../errors.ts';
import type { Actor, Ticket } from '../model.ts';
import {
  type AgentStore,
  type ChannelStore,
  type Clock,
  type CustomerStore,
  type CustomFieldStore,
  DuplicateMessageError,
  type IdempotencyStore,
  type Ids,
  type TicketStore,
} from '../ports.ts';
import type { DueTimerMessage } from '../timers.ts';
import type { FireOutcome } from './fire-timer.ts';
import { type CreateTicketInput, makeCreateTicket } from './tickets.ts';

/**
 * Escalating a chat conversation into a ticket, shared by its triggers: the chat intake (message count, the
 * channel's conditions), an agent, and the minutes timer (the timer worker imports only this module).
 */

/** Attempts at a read-modify-write of a conversation before a concurrent writer wins and the caller gets 409. */
export const MAX_ATTEMPTS = 5;

/** Messages of one conversation read for an escalation's transcript (pages of a Query). */
const MESSAGE_PAGE = 200;

export interface ConversationDeps {
  readonly conversations: ConversationStore;
  readonly channels: Pick<ChannelStore, 'get'>;
  readonly tickets: TicketStore;
  readonly customers: CustomerStore;
  readonly customFields: CustomFieldStore;
  readonly idempotency: IdempotencyStore;
  /** Agents' names for their replies' author; without it replies carry the agent id only. */
  readonly agents?: Pick<AgentStore, 'get'> | undefined;
  /** The intents' keywords a chat message's light triage matches: the tenant's, or the built-in defaults. */
  readonly triageKeywords?:
    | ((tenantId: string) => Promise<Readonly<Record<string, readonly string[]>>>)
    | undefined;
  readonly clock: Clock;
  readonly ids: Ids;
}

/** Chat writes tickets as a channel integration would: the chat system acts, or the agent who escalated. */
export const chatCaller = (tenantId: string, actor: Actor = CHAT_ACTOR): Caller => ({
  tenantId,
  role: 'channel',
  keyId: 'chat',
  actor,
});

/** The once-only item of a conversation's escalation: it points at the ticket, so a retry finds it. */
export const escalationMarker = (conversationId: string) => ({
  messageId: `chat-escalation:${conversationId}`,
  // Not a Message-ID: no mail can claim the marker, nor be threaded onto the conversation's ticket by it.
  namespace: 'channel' as const,
});

/** The whole conversation, oldest first. */
export async function allMessages(
  store: ConversationStore,
  conversation: Conversation,
): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.messages(conversation.tenantId, conversation.id, {
      limit: MESSAGE_PAGE,
      cursor,
    });
    messages.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return messages;
}

/**
 * Escalation, shared by every trigger: the escalation is recorded on the conversation (pending) unless it is
 * already, which stops it taking messages; then the conversation's ticket (channel `chat`, its `conversation`
 * ref, the customer as requester, the first message as subject, the transcript as its first comment, the
 * channel's group and tags) is created once — its creation writes the escalation's once-only marker, so a second attempt (a
 * retry, a race between an agent and the timer) finds the same ticket — then the conversation is marked
 * escalated with its number.
 */
export function makeEscalation(deps: ConversationDeps) {
  const createTicket = makeCreateTicket(deps);

  async function ticketOf(tenantId: string, number: number): Promise<Ticket> {
    const ticket = await deps.tickets.get(tenantId, number);
    if (!ticket) throw notFound(`ticket #${number}`);
    return ticket;
  }

  async function escalationTicket(
    conversation: Conversation,
    escalation: { readonly by: EscalationTrigger; readonly reason: string },
    actor: Actor,
  ): Promise<Ticket> {
    const { tenantId } = conversation;
    const marker = escalationMarker(conversation.id);
    const made = await deps.conversations.inbound(tenantId, marker.messageId);
    if (made?.ticketNumber) return ticketOf(tenantId, made.ticketNumber);
    const [channel, messages] = await Promise.all([
      deps.channels.get(tenantId, conversation.channelId),
      allMessages(deps.conversations, conversation),
    ]);
    const input: CreateTicketInput = {
      subject: escalationSubject(messages),
      comment: { body: transcriptComment(conversation, messages, escalation), public: true },
      requester: requesterIdentity(conversation),
      conversation: conversationRef(conversation),
      tags: channel?.tags,
      group: channel?.group ?? undefined,
    };
    const options = { channel: 'chat' as const, inboundMessage: marker };
    try {
      return (await createTicket(chatCaller(tenantId, actor), input, options)).ticket;
    } catch (error) {
      if (error instanceof DuplicateMessageError) {
        const found = await deps.conversations.inbound(tenantId, marker.messageId);
        if (found?.ticketNumber) return ticketOf(tenantId, found.ticketNumber);
      }
      // The channel's group was deleted since: the ticket goes where routing sends ungrouped tickets.
      const groupGone =
        error instanceof DomainError && error.fieldErrors.some((e) => e.path === 'group') && input.group;
      if (groupGone) {
        return (await createTicket(chatCaller(tenantId, actor), { ...input, group: undefined }, options))
          .ticket;
      }
      throw error;
    }
  }

  async function reload(conversation: Conversation): Promise<Conversation> {
    const again = await deps.conversations.get(conversation.tenantId, conversation.id);
    if (!again) throw notFound(`conversation ${conversation.id}`);
    return again;
  }

  return async function escalate(
    start: Conversation,
    trigger: { readonly by: EscalationTrigger; readonly reason: string },
    actor: Actor,
  ): Promise<{ conversation: Conversation; ticket: Ticket; already: boolean }> {
    let conversation = start;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (conversation.status === 'escalated' && conversation.ticketNumber !== null) {
        return {
          conversation,
          ticket: await ticketOf(conversation.tenantId, conversation.ticketNumber),
          already: true,
        };
      }
      if (!escalationPending(conversation)) {
        // Recorded before the transcript is read: from then on the conversation takes no message (a customer's
        // waits for the ticket and becomes a comment on it), so the ticket misses none.
        const recorded = recordEscalation(conversation, trigger, deps.clock.now());
        try {
          await deps.conversations.save(recorded);
          conversation = recorded.conversation;
        } catch (error) {
          if (!(error instanceof ConcurrentModificationError)) throw error;
          conversation = await reload(conversation);
          continue;
        }
      }
      // An escalation decided earlier and not finished is what this one finishes.
      const escalation = conversation.escalation ?? trigger;
      const ticket = await escalationTicket(conversation, escalation, actor);
      const change = markEscalated(
        conversation,
        escalation,
        ticket.number,
        actor,
        deps.clock.now(),
        deps.ids,
      );
      try {
        await deps.conversations.save(change);
        return { conversation: change.conversation, ticket, already: false };
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
        conversation = await reload(conversation);
      }
    }
    throw new DomainError('conflict', `conversation ${start.id} is being changed by others right now; retry`);
  };
}

/**
 * The minutes-based escalation's timer (kind `chat_escalation`, on the conversation's partition): when it falls
 * due and the conversation is still open in the same stretch, it escalates; otherwise it only clears itself.
 */
export function makeFireChatTimer(deps: ConversationDeps) {
  const escalate = makeEscalation(deps);

  async function clearTimer(conversation: Conversation): Promise<void> {
    const now = deps.clock.now();
    await deps.conversations.save({
      previous: conversation,
      conversation: { ...conversation, timer: null, updatedAt: now, version: conversation.version + 1 },
      messages: [],
      events: [],
    });
  }

  return async function fireChatTimer(message: DueTimerMessage): Promise<FireOutcome> {
    const conversationId = message.conversationId;
    if (!conversationId) return { outcome: 'skipped', reason: 'not a conversation’s timer' };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const conversation = await deps.conversations.get(message.tenantId, conversationId);
      if (!conversation) return { outcome: 'skipped', reason: 'the conversation does not exist' };
      const armed = conversation.timer;
      if (!armed || armed.effect !== message.effect) {
        return { outcome: 'skipped', reason: 'the deadline moved or was cleared since it was swept' };
      }
      const now = deps.clock.now();
      if (armed.dueAt > now) return { outcome: 'skipped', reason: `not due until ${armed.dueAt}` };
      try {
        const channel = await deps.channels.get(conversation.tenantId, conversation.channelId);
        if (
          channel?.chat?.escalateAfterMinutes === null ||
          channel?.chat?.escalateAfterMinutes === undefined
        ) {
          await clearTimer(conversation);
          return { outcome: 'skipped', reason: 'the channel no longer escalates after minutes' };
        }
        const minutes = Math.round((Date.parse(armed.dueAt) - Date.parse(conversation.openedAt)) / 60_000);
        const began = conversation.openedAt === conversation.startedAt ? 'began' : 'was reopened';
        const done = await escalate(
          conversation,
          { by: 'minutes', reason: `still unresolved ${minutes} minutes after it ${began}` },
          CHAT_ACTOR,
        );
        // Another sweep's copy of this timer (or an agent) escalated it first: same ticket, nothing done here.
        if (done.already)
          return { outcome: 'skipped', reason: `already escalated to ticket #${done.ticket.number}` };
        return { outcome: 'applied', kind: 'chat_escalation', events: [`ticket #${done.ticket.number}`] };
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
      }
    }
    throw new ConcurrentModificationError(`timer ${message.slot} of conversation ${conversationId}`);
  };
}
