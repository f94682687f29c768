import type { InboundChannel } from '../channels/channel.ts';
import type { Page } from '../model.ts';
import type { InboundMessage, PageRequest } from '../ports.ts';
import type { ChatMessage, Conversation, ConversationChange, ConversationStatus } from './conversation.ts';

/**
 * Chat conversations as stored: the conversation, its messages and its outbox events under the conversation's
 * own partition, a lookup by (channel, provider's conversation id), a view per status for listing, and the
 * minutes timer — every change one transaction guarded by the conversation's version.
 */
export interface ConversationStore {
  get(tenantId: string, id: string): Promise<Conversation | null>;
  /** The conversation a provider's conversation id on a channel runs as; null for one never seen. */
  find(tenantId: string, channelId: string, externalId: string): Promise<Conversation | null>;
  /** Messages oldest first. */
  messages(tenantId: string, id: string, page: PageRequest): Promise<Page<ChatMessage>>;
  /** The conversations in one status, latest message first. */
  list(tenantId: string, status: ConversationStatus, page: PageRequest): Promise<Page<Conversation>>;
  /**
   * Writes the change in one transaction: guarded by `previous.version` (a new conversation: its lookup must not
   * exist) — ConcurrentModificationError when someone else wrote first. With `inboundMessage`, its once-only
   * item is written too (pointing at the conversation): DuplicateMessageError when it exists.
   */
  save(change: ConversationChange, options?: { readonly inboundMessage?: InboundMessage }): Promise<void>;
  /**
   * What an inbound message id was taken into: a conversation (a chat message stored there), or a ticket (a
   * message that went to an escalated conversation's ticket, or an escalation's ticket); null when never seen.
   */
  inbound(
    tenantId: string,
    messageId: string,
  ): Promise<{ readonly conversationId: string | null; readonly ticketNumber: number | null } | null>;
}

/** A message for a chat channel, as the channel's public route received it (signature checked). */
export interface ChatInbound {
  /** The provider's conversation id: messages with the same one are one conversation. */
  readonly conversationId: string;
  readonly from: {
    readonly id?: string | undefined;
    readonly name?: string | undefined;
    readonly email?: string | undefined;
    readonly phone?: string | undefined;
  };
  readonly text: string;
  /**
   * The message's once-only key (the channel route's replay key from its webhook id): recorded in the same
   * transaction as the message, so a redelivery stores nothing twice.
   */
  readonly inboundMessage: InboundMessage;
}

/**
 * What happened to a chat message: it `started` a conversation, was `added` to an open one, `reopened` a resolved
 * one, `escalated` the conversation into a ticket, was a `comment` on an escalated conversation's ticket (or a
 * `follow_up` ticket when that one was closed), or was a `duplicate` of one taken in before.
 */
export type ChatIntakeOutcome =
  | 'started'
  | 'added'
  | 'reopened'
  | 'escalated'
  | 'commented'
  | 'follow_up'
  | 'duplicate';

export interface ChatIntakeResult {
  readonly outcome: ChatIntakeOutcome;
  /** The conversation's id (`cv_…`). */
  readonly conversation: string;
  readonly status: ConversationStatus;
  /** The ticket the conversation became; null while it is a conversation. */
  readonly ticket: number | null;
}

/** The port the chat channel's public route calls for each (verified) message. */
export interface ChatIntake {
  receive(channel: InboundChannel, message: ChatInbound): Promise<ChatIntakeResult>;
}
