/**
 * The in-memory conversation store for unit tests: the DynamoDB store's contract (version guard, one lookup per
 * provider conversation, once-only inbound message keys shared with the ticket store's, timers armed and
 * cleared with the conversation, newest-first status views) without the table.
 */
import type {
  ChatMessage,
  ChatTimer,
  Conversation,
  ConversationChange,
  ConversationEvent,
  ConversationStatus,
} from '../../functions/core/chat/conversation.ts';
import type { ConversationStore } from '../../functions/core/chat/ports.ts';
import { ConcurrentModificationError } from '../../functions/core/errors.ts';
import type { Page } from '../../functions/core/model.ts';
import { DuplicateMessageError, type InboundMessage, type PageRequest } from '../../functions/core/ports.ts';

function paginate<T>(all: readonly T[], page: PageRequest): Page<T> {
  const start = page.cursor ? Number(page.cursor) : 0;
  const items = all.slice(start, start + page.limit);
  const next = start + page.limit;
  return { items, nextCursor: next < all.length ? String(next) : null };
}

export class MemoryConversationStore implements ConversationStore {
  readonly conversations = new Map<string, Conversation>();
  readonly lookups = new Map<string, string>();
  readonly messageItems = new Map<string, ChatMessage[]>();
  /** The outbox: every event written, in order. */
  readonly events: ConversationEvent[] = [];
  /** Armed escalation timers by `${tenant}#${conversation}`. */
  readonly timers = new Map<string, ChatTimer>();
  /** Inbound message keys taken in by conversations (`${tenant}#${messageId}` → conversation id). */
  readonly inboundKeys = new Map<string, string>();
  /** Set to make the next save lose a race, as a concurrent writer would. */
  failNextSave = 0;

  /**
   * @param ticketMessages the ticket store's once-only message keys (`${tenant}#${messageId}` → ticket number):
   * the same items in DynamoDB, so a key taken by a ticket is taken for conversations too.
   */
  constructor(private readonly ticketMessages: Map<string, number> = new Map()) {}

  private key = (tenantId: string, id: string) => `${tenantId}#${id}`;
  // Chat messages come through a channel: their keys are channel delivery keys (in-memory-ports.ts).
  private messageKey = (tenantId: string, messageId: string) => `${tenantId}#CHDLV#${messageId}`;

  async get(tenantId: string, id: string) {
    return this.conversations.get(this.key(tenantId, id)) ?? null;
  }

  async find(tenantId: string, channelId: string, externalId: string) {
    const id = this.lookups.get(`${tenantId}#${channelId}#${externalId}`);
    return id ? this.get(tenantId, id) : null;
  }

  async messages(tenantId: string, id: string, page: PageRequest) {
    return paginate(this.messageItems.get(this.key(tenantId, id)) ?? [], page);
  }

  async list(tenantId: string, status: ConversationStatus, page: PageRequest) {
    const all = [...this.conversations.values()]
      .filter((c) => c.tenantId === tenantId && c.status === status)
      .sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt) || b.id.localeCompare(a.id));
    return paginate(all, page);
  }

  async save(change: ConversationChange, options: { readonly inboundMessage?: InboundMessage } = {}) {
    if (this.failNextSave > 0) {
      this.failNextSave--;
      throw new ConcurrentModificationError('conversation');
    }
    const { previous, conversation } = change;
    const { tenantId, id } = conversation;
    const current = this.conversations.get(this.key(tenantId, id));
    const lookup = `${tenantId}#${conversation.channelId}#${conversation.externalId}`;
    if (
      previous === null
        ? current !== undefined || this.lookups.has(lookup)
        : current?.version !== previous.version
    ) {
      throw new ConcurrentModificationError(`conversation ${id}`);
    }
    const inbound = options.inboundMessage && this.messageKey(tenantId, options.inboundMessage.messageId);
    if (inbound && (this.inboundKeys.has(inbound) || this.ticketMessages.has(inbound))) {
      throw new DuplicateMessageError(options.inboundMessage!.messageId);
    }
    this.conversations.set(this.key(tenantId, id), conversation);
    if (previous === null) this.lookups.set(lookup, id);
    const messages = this.messageItems.get(this.key(tenantId, id)) ?? [];
    this.messageItems.set(this.key(tenantId, id), [...messages, ...change.messages]);
    this.events.push(...change.events);
    if (conversation.timer) this.timers.set(this.key(tenantId, id), conversation.timer);
    else this.timers.delete(this.key(tenantId, id));
    if (inbound) this.inboundKeys.set(inbound, id);
  }

  async inbound(tenantId: string, messageId: string) {
    const key = this.messageKey(tenantId, messageId);
    const conversationId = this.inboundKeys.get(key);
    if (conversationId) return { conversationId, ticketNumber: null };
    const ticketNumber = this.ticketMessages.get(key);
    return ticketNumber === undefined ? null : { conversationId: null, ticketNumber };
  }
}
