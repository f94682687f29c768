import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { InboundMessage, MessageStore } from '../../core/ports.ts';
import { batchGet } from './batch-get.ts';
import type { TableNames } from './client.ts';
import { keys } from './keys.ts';
import type { TransactItem } from './transactions.ts';

export function messageHash(messageId: string): string {
  return createHash('sha256').update(messageId.toLowerCase()).digest('base64url').slice(0, 32);
}

/**
 * The once-only item's key of an inbound message: a mail's Message-ID (case-insensitive) under `MSG#`, a
 * channel delivery id (case-sensitive, the provider's) under `CHDLV#`, which no mail can write or look up.
 */
export function inboundMessageKey(tenantId: string, message: InboundMessage): { pk: string; sk: string } {
  if (message.namespace === 'channel') {
    return keys.channelDelivery(
      tenantId,
      createHash('sha256').update(message.messageId).digest('base64url').slice(0, 32),
    );
  }
  return keys.message(tenantId, messageHash(message.messageId));
}

/** The Message-ID → ticket item of an inbound mail, written once: its condition is the de-duplication. */
export function inboundMessagePut(
  table: string,
  tenantId: string,
  ticketNumber: number,
  message: InboundMessage,
  now: string,
): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: {
        ...inboundMessageKey(tenantId, message),
        entity: 'message',
        messageId: message.messageId,
        ticketNumber,
        direction: 'inbound',
        createdAt: now,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export class DynamoDbMessageStore implements MessageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async ticketsFor(
    tenantId: string,
    messageIds: readonly string[],
    options: { readonly namespace?: InboundMessage['namespace'] } = {},
  ): Promise<Map<string, number>> {
    // Ids that differ only in case are one mail item: asked for once (BatchGetItem refuses duplicate keys).
    const byPk = new Map<string, { key: { pk: string; sk: string }; messageId: string }>();
    for (const messageId of messageIds) {
      const key = inboundMessageKey(tenantId, { messageId, namespace: options.namespace });
      byPk.set(key.pk, { key, messageId });
    }
    const found = new Map<string, number>();
    if (byPk.size === 0) return found;
    const items = await batchGet(
      this.client,
      this.tables.main,
      [...byPk.values()].map((entry) => entry.key),
    );
    for (const item of items) {
      const entry = byPk.get(String(item.pk));
      if (entry) found.set(entry.messageId, Number(item.ticketNumber));
    }
    return found;
  }

  async isRecorded(tenantId: string, messageId: string): Promise<boolean> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.message(tenantId, messageHash(messageId)),
        ConsistentRead: true,
      }),
    );
    return result.Item !== undefined;
  }

  async recordOutbound(tenantId: string, ticketNumber: number, messageIds: readonly string[], now: string) {
    for (const messageId of messageIds) {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.main,
          Item: {
            ...keys.message(tenantId, messageHash(messageId)),
            entity: 'message',
            messageId,
            ticketNumber,
            direction: 'outbound',
            createdAt: now,
          },
        }),
      );
    }
  }
}
