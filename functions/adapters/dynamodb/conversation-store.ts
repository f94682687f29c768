import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type {
  ChatMessage,
  Conversation,
  ConversationChange,
  ConversationEvent,
  ConversationStatus,
} from '../../core/chat/conversation.ts';
import type { ConversationStore } from '../../core/chat/ports.ts';
import type { Page } from '../../core/model.ts';
import { DuplicateMessageError, type InboundMessage, type PageRequest } from '../../core/ports.ts';
import type { Timer } from '../../core/timers.ts';
import type { TableNames } from './client.ts';
import { queryCollection } from './collection.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { keys } from './keys.ts';
import { inboundMessageKey } from './message-store.ts';
import { timerItem, timerKey } from './timer-items.ts';
import { type TransactItem, transact, withoutStorageAttributes } from './transactions.ts';

/** Outbox items are read once by the stream; a week is plenty (as for agent events). */
const EVENT_TTL_SECONDS = 7 * 24 * 3600;

const TIMER_SLOT = 'chat_escalation';

export const externalHash = (externalId: string) =>
  createHash('sha256').update(externalId).digest('base64url').slice(0, 32);

const viewKey = (c: Conversation) => keys.conversationView(c.tenantId, c.status, c.lastMessageAt, c.id);

/** The TIMER item of a conversation's minutes escalation (core/timers.ts, kind `chat_escalation`). */
export function conversationTimer(conversation: Conversation): Timer | null {
  if (!conversation.timer) return null;
  return {
    tenantId: conversation.tenantId,
    ticketNumber: 0,
    conversationId: conversation.id,
    slot: TIMER_SLOT,
    kind: 'chat_escalation',
    metric: null,
    dueAt: conversation.timer.dueAt,
    effect: conversation.timer.effect,
  };
}

/** A message item's once-only key, as the email intake and the channel routes write it (message-store.ts). */
function inboundPut(table: string, conversation: Conversation, message: InboundMessage): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: {
        // Chat messages come through a channel: their keys are channel delivery keys, whatever the caller says.
        ...inboundMessageKey(conversation.tenantId, { messageId: message.messageId, namespace: 'channel' }),
        entity: 'message',
        messageId: message.messageId,
        conversationId: conversation.id,
        direction: 'inbound',
        createdAt: conversation.updatedAt,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Conversations in the single table. Every change is one transaction: the META item guarded by its version, the
 * new messages and outbox events (the stream publishes the `EV#` items as `conversation.*` domain events), the
 * status view item moved, the lookup by the provider's id (written once, with the conversation), the escalation
 * timer armed or cleared, and the message's once-only item.
 */
export class DynamoDbConversationStore implements ConversationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async get(tenantId: string, id: string): Promise<Conversation | null> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.chatConversation(tenantId, id),
        ConsistentRead: true,
      }),
    );
    return result.Item ? withoutStorageAttributes<Conversation>(result.Item) : null;
  }

  async find(tenantId: string, channelId: string, externalId: string): Promise<Conversation | null> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.chatLookup(tenantId, channelId, externalHash(externalId)),
        ConsistentRead: true,
      }),
    );
    const id = result.Item?.conversationId;
    return typeof id === 'string' ? this.get(tenantId, id) : null;
  }

  /**
   * A page of messages, oldest first (the cursor helpers of collection.ts). Strongly consistent, unlike other
   * collections: an escalation's transcript is read right after the conversation's last write and must see
   * every message written before it.
   */
  async messages(tenantId: string, id: string, page: PageRequest): Promise<Page<ChatMessage>> {
    const pk = keys.conversationPk(tenantId, id);
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.main,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'MSG#' },
        ConsistentRead: true,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, {
          attributes: ['pk', 'sk'],
          partitionAttribute: 'pk',
          partition: pk,
        }),
      }),
    );
    return {
      items: (result.Items ?? []).map(({ id: messageId, author, text, at }) => ({
        id: messageId as string,
        author: author as ChatMessage['author'],
        text: text as string,
        at: at as string,
      })),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  async list(tenantId: string, status: ConversationStatus, page: PageRequest): Promise<Page<Conversation>> {
    return queryCollection<Conversation>(
      this.client,
      this.tables.main,
      keys.conversationsPk(tenantId),
      `${status}#`,
      page,
      { newestFirst: true },
    );
  }

  async save(
    change: ConversationChange,
    options: { readonly inboundMessage?: InboundMessage } = {},
  ): Promise<void> {
    const table = this.tables.main;
    const { previous, conversation } = change;
    const { tenantId, id } = conversation;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: table,
          Item: { ...keys.chatConversation(tenantId, id), entity: 'chat-conversation', ...conversation },
          ...(previous === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': previous.version },
              }),
        },
      },
      ...change.messages.map(
        (message): TransactItem => ({
          Put: {
            TableName: table,
            Item: {
              ...keys.chatMessage(tenantId, id, message.id),
              entity: 'chat-message',
              tenantId,
              conversationId: id,
              ...message,
            },
          },
        }),
      ),
      ...change.events.map(
        (event: ConversationEvent): TransactItem => ({
          Put: {
            TableName: table,
            Item: {
              ...keys.conversationEvent(tenantId, id, event.id),
              entity: 'conversation-event',
              ...event,
              expiresAt: Math.floor(Date.parse(event.at) / 1000) + EVENT_TTL_SECONDS,
            },
          },
        }),
      ),
    ];
    // The view item moves when its key (status, last message) does; otherwise it is rewritten in place.
    const view = viewKey(conversation);
    const before = previous && viewKey(previous);
    if (before && before.sk !== view.sk) items.push({ Delete: { TableName: table, Key: before } });
    items.push({
      Put: { TableName: table, Item: { ...view, entity: 'conversation-view', ...conversation } },
    });
    if (previous === null) {
      // Two first messages of one provider conversation racing: one conversation, the other retries.
      items.push({
        Put: {
          TableName: table,
          Item: {
            ...keys.chatLookup(tenantId, conversation.channelId, externalHash(conversation.externalId)),
            entity: 'chat-lookup',
            conversationId: id,
            channelId: conversation.channelId,
            externalId: conversation.externalId,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    const timer = conversationTimer(conversation);
    const armed = previous && conversationTimer(previous);
    if (timer && (timer.dueAt !== armed?.dueAt || timer.effect !== armed?.effect)) {
      items.push({ Put: { TableName: table, Item: timerItem(timer) } });
    } else if (!timer && armed) {
      items.push({ Delete: { TableName: table, Key: timerKey(armed) } });
    }
    const inboundIndex = items.length;
    if (options.inboundMessage) items.push(inboundPut(table, conversation, options.inboundMessage));
    await transact(this.client, items, `conversation ${id}`, (failed) => {
      if (options.inboundMessage && failed.includes(inboundIndex)) {
        throw new DuplicateMessageError(options.inboundMessage.messageId);
      }
    });
  }

  async inbound(
    tenantId: string,
    messageId: string,
  ): Promise<{ conversationId: string | null; ticketNumber: number | null } | null> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: inboundMessageKey(tenantId, { messageId, namespace: 'channel' }),
        ConsistentRead: true,
      }),
    );
    const item = result.Item;
    if (!item) return null;
    return {
      conversationId: typeof item.conversationId === 'string' ? item.conversationId : null,
      ticketNumber: typeof item.ticketNumber === 'number' ? item.ticketNumber : null,
    };
  }
}
