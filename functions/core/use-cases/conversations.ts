import type { Caller } from '../caller.ts';
import type { InboundChannel } from '../channels/channel.ts';
import {
  addAgentReply,
  addCustomerMessage,
  blankConversation,
  CHAT_ACTOR,
  type ChatAuthor,
  type ChatCustomer,
  type ChatMessage,
  type Conversation,
  type ConversationChange,
  type ConversationStatus,
  escalationPending,
  MAX_CHAT_MESSAGE_CHARS,
  moveToTicket,
  resolveConversation,
  withPendingEscalation,
} from '../chat/conversation.ts';
import { escalationDecision, readsIntent } from '../chat/decision.ts';
import { requesterIdentity } from '../chat/escalation.ts';
import type { ChatInbound, ChatIntake, ChatIntakeResult } from '../chat/ports.ts';
import { normalizeEmail } from '../customers.ts';
import { ConcurrentModificationError, DomainError, notFound } from '../errors.ts';
import type { Page, Ticket } from '../model.ts';
import { DuplicateMessageError, type PageRequest } from '../ports.ts';
import { DEFAULT_TRIAGE_KEYWORDS } from '../triage/default-keywords.ts';
import {
  type ConversationDeps,
  chatCaller,
  MAX_ATTEMPTS,
  makeEscalation,
} from './conversation-escalation.ts';
import { makeAddComment } from './tickets.ts';

const customerOf = (from: ChatInbound['from']): Partial<ChatCustomer> => ({
  ...(from.id?.trim() && { id: from.id.trim() }),
  ...(from.name?.trim() && { name: from.name.trim() }),
  ...(from.email?.trim() && { email: normalizeEmail(from.email) }),
  ...(from.phone?.trim() && { phone: from.phone.trim() }),
});

/**
 * The chat channel's intake (the ChatIntake port): a verified message becomes a message of its conversation —
 * started, added to, or reopened — and no ticket, unless it escalates the conversation (the channel's message
 * count or conditions). Messages to an escalated conversation are comments on its ticket instead. The message's
 * once-only key is written with it, so a redelivered webhook stores nothing twice (`duplicate`); a redelivery of
 * a message whose escalation did not finish finishes it.
 */
export function makeChatIntake(deps: ConversationDeps): ChatIntake {
  const escalate = makeEscalation(deps);
  const addComment = makeAddComment(deps);
  const keywords = deps.triageKeywords ?? (async () => DEFAULT_TRIAGE_KEYWORDS);

  const result = (
    outcome: ChatIntakeResult['outcome'],
    conversation: Conversation,
    ticket: number | null = conversation.ticketNumber,
  ): ChatIntakeResult => ({ outcome, conversation: conversation.id, status: conversation.status, ticket });

  /** The answer to a message taken in before; null when it was not. */
  async function duplicate(channel: InboundChannel, message: ChatInbound): Promise<ChatIntakeResult | null> {
    const { tenantId } = channel;
    const seen = await deps.conversations.inbound(tenantId, message.inboundMessage.messageId);
    if (!seen) return null;
    // A message that went to an escalated conversation's ticket points at the ticket, not the conversation.
    const conversation = seen.conversationId
      ? await deps.conversations.get(tenantId, seen.conversationId)
      : await deps.conversations.find(tenantId, channel.id, message.conversationId);
    if (!conversation) {
      throw new DomainError(
        'conflict',
        `message ${message.inboundMessage.messageId} was taken in by another conversation`,
      );
    }
    if (seen.ticketNumber !== null && seen.conversationId === null) {
      return result('duplicate', conversation, seen.ticketNumber);
    }
    if (escalationPending(conversation)) {
      const done = await escalate(conversation, conversation.escalation!, CHAT_ACTOR);
      return result('duplicate', done.conversation, done.ticket.number);
    }
    return result('duplicate', conversation);
  }

  async function commentOnTicket(
    channel: InboundChannel,
    conversation: Conversation,
    message: ChatInbound,
  ): Promise<ChatIntakeResult> {
    const author = requesterIdentity({
      id: conversation.id,
      customer: { ...conversation.customer, ...customerOf(message.from) },
    });
    let commented: Awaited<ReturnType<typeof addComment>>;
    try {
      commented = await addComment(
        chatCaller(channel.tenantId),
        conversation.ticketNumber!,
        { body: message.text, public: true, author },
        { channel: 'chat', inboundMessage: message.inboundMessage },
      );
    } catch (error) {
      if (error instanceof DuplicateMessageError) {
        return (await duplicate(channel, message)) ?? result('duplicate', conversation);
      }
      throw error;
    }
    if (commented.followUpOf === null) return result('commented', conversation, commented.ticket.number);
    // The ticket was closed: the comment opened a follow-up, and the conversation moves to it.
    let current = conversation;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        const change = moveToTicket(current, commented.ticket.number, deps.clock.now());
        await deps.conversations.save(change);
        return result('follow_up', change.conversation);
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
        current = (await deps.conversations.get(current.tenantId, current.id)) ?? current;
      }
    }
    return result('follow_up', current, commented.ticket.number);
  }

  return {
    async receive(channel, message) {
      if (channel.type !== 'chat') {
        throw new DomainError(
          'conflict',
          `channel ${channel.id} is a ${channel.type} channel, not a chat channel`,
        );
      }
      const { tenantId } = channel;
      const text = message.text.trim();
      if (text === '') {
        throw new DomainError('validation', 'the message has no text', [
          { path: 'text', message: 'is empty' },
        ]);
      }
      // Checked before anything is read or stored; the links of attached files count (they are in the text).
      if (text.length > MAX_CHAT_MESSAGE_CHARS) {
        throw new DomainError(
          'validation',
          `a chat message holds at most ${MAX_CHAT_MESSAGE_CHARS} characters`,
          [
            {
              path: 'text',
              message: `is ${text.length} characters (with any attachment links); at most ${MAX_CHAT_MESSAGE_CHARS}`,
            },
          ],
        );
      }
      const seen = await duplicate(channel, message);
      if (seen) return seen;
      const customer = customerOf(message.from);
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const existing = await deps.conversations.find(tenantId, channel.id, message.conversationId);
        if (existing?.status === 'escalated') return commentOnTicket(channel, existing, message);
        if (existing && escalationPending(existing)) {
          // Its ticket's transcript may be being read right now: the escalation is finished first, and the
          // message goes to the ticket as a comment, so the ticket has it.
          const done = await escalate(existing, existing.escalation!, CHAT_ACTOR);
          return commentOnTicket(channel, done.conversation, message);
        }
        const now = deps.clock.now();
        const base =
          existing ??
          blankConversation(
            {
              tenantId,
              id: `cv_${deps.ids.next()}`,
              channelId: channel.id,
              externalId: message.conversationId,
              customer: { id: null, name: null, email: null, phone: null, ...customer },
            },
            now,
          );
        let change: ConversationChange = addCustomerMessage(
          base,
          { text, customer },
          channel.chat,
          now,
          deps.ids,
        );
        const decision = escalationPending(change.conversation)
          ? null
          : escalationDecision(
              change.conversation,
              change.messages[0]!,
              channel,
              readsIntent(channel.chat) ? await keywords(tenantId) : DEFAULT_TRIAGE_KEYWORDS,
            );
        if (decision) change = withPendingEscalation(change, decision, now);
        try {
          await deps.conversations.save(change, { inboundMessage: message.inboundMessage });
        } catch (error) {
          if (error instanceof ConcurrentModificationError) continue;
          if (error instanceof DuplicateMessageError) {
            return (await duplicate(channel, message)) ?? result('duplicate', base);
          }
          throw error;
        }
        if (escalationPending(change.conversation)) {
          const done = await escalate(change.conversation, change.conversation.escalation!, CHAT_ACTOR);
          return result('escalated', done.conversation, done.ticket.number);
        }
        const outcome = !existing ? 'started' : existing.status === 'resolved' ? 'reopened' : 'added';
        return result(outcome, change.conversation);
      }
      throw new DomainError(
        'conflict',
        `conversation ${message.conversationId} of channel ${channel.id} is being changed by others right now; retry`,
      );
    },
  };
}

/** A conversation with a page of its messages (oldest first), as an agent reads it. */
export interface ConversationWithMessages {
  readonly conversation: Conversation;
  readonly messages: readonly ChatMessage[];
  /** The next page of messages; null after the last one. */
  readonly nextCursor: string | null;
}

/** The agent API over conversations: list, read, reply, resolve, escalate. */
export function makeConversationUseCases(deps: ConversationDeps) {
  const escalate = makeEscalation(deps);

  async function load(caller: Caller, id: string): Promise<Conversation> {
    const conversation = await deps.conversations.get(caller.tenantId, id);
    if (!conversation) throw notFound(`conversation ${id}`);
    return conversation;
  }

  async function authorOf(caller: Caller): Promise<ChatAuthor> {
    const { actor } = caller;
    const agent =
      actor.type === 'agent' && deps.agents ? await deps.agents.get(caller.tenantId, actor.id) : null;
    return { type: actor.type, id: actor.id, name: agent?.name ?? actor.name ?? null };
  }

  /** A read-modify-write of one conversation, retried when someone else wrote first. */
  async function change(
    caller: Caller,
    id: string,
    step: (conversation: Conversation, now: string) => ConversationChange,
  ): Promise<ConversationChange> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      let conversation = await load(caller, id);
      // A pending escalation is finished first; the step then answers 409 (the conversation is a ticket now).
      if (escalationPending(conversation)) {
        conversation = (await escalate(conversation, conversation.escalation!, CHAT_ACTOR)).conversation;
      }
      const changed = step(conversation, deps.clock.now());
      if (changed.events.length === 0 && changed.messages.length === 0) return changed;
      try {
        await deps.conversations.save(changed);
        return changed;
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
      }
    }
    throw new DomainError('conflict', `conversation ${id} is being changed by others right now; retry`);
  }

  return {
    async listConversations(
      caller: Caller,
      status: ConversationStatus,
      page: PageRequest,
    ): Promise<Page<Conversation>> {
      return deps.conversations.list(caller.tenantId, status, page);
    },

    /** The conversation and one page of its messages, oldest first (a long one is read page by page). */
    async getConversation(
      caller: Caller,
      id: string,
      page: PageRequest = { limit: 50 },
    ): Promise<ConversationWithMessages> {
      const conversation = await load(caller, id);
      const messages = await deps.conversations.messages(caller.tenantId, conversation.id, page);
      return { conversation, messages: messages.items, nextCursor: messages.nextCursor };
    },

    /** An agent's reply; it reaches the customer as a `conversation.message_added` event. */
    async replyToConversation(
      caller: Caller,
      id: string,
      text: string,
    ): Promise<{ conversation: Conversation; message: ChatMessage }> {
      const author = await authorOf(caller);
      const changed = await change(caller, id, (conversation, now) =>
        addAgentReply(conversation, text.trim(), author, caller.actor, now, deps.ids),
      );
      return { conversation: changed.conversation, message: changed.messages[0]! };
    },

    async resolveConversation(caller: Caller, id: string): Promise<Conversation> {
      const changed = await change(caller, id, (conversation, now) =>
        resolveConversation(conversation, caller.actor, now, deps.ids),
      );
      return changed.conversation;
    },

    /** Escalates by hand; an escalated conversation answers with the ticket it already became. */
    async escalateConversation(
      caller: Caller,
      id: string,
      reason?: string | undefined,
    ): Promise<{ conversation: Conversation; ticket: Ticket; already: boolean }> {
      const conversation = await load(caller, id);
      const trigger = { by: 'agent' as const, reason: reason?.trim() || 'escalated by an agent' };
      return escalate(conversation, trigger, caller.actor);
    },
  };
}
