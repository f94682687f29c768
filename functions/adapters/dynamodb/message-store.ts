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
        ...keys.message(tenantId, messageHash(message.messageId)),
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

  async ticketsFor(tenantId: string, messageIds: readonly string[]): Promise<Map<string, number>> {
    const byHash = new Map(messageIds.map((id) => [messageHash(id), id]));
    const found = new Map<string, number>();
    if (byHash.size === 0) return found;
    const items = await batchGet(
      this.client,
      this.tables.main,
      [...byHash.keys()].map((hash) => keys.message(tenantId, hash)),
    );
    for (const item of items) {
      const hash = String(item.pk).split('#MSG#')[1]!;
      const id = byHash.get(hash);
      if (id !== undefined) found.set(id, Number(item.ticketNumber));
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
