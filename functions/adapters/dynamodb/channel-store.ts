import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { InboundChannel } from '../../core/channels/channel.ts';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import type { ChannelStore, ConversationClaim } from '../../core/ports.ts';
import type { TableNames } from './client.ts';
import { queryWholeCollection } from './collection.ts';
import { keys } from './keys.ts';
import { type TransactItem, transact, withoutStorageAttributes } from './transactions.ts';

export function conversationHash(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('base64url').slice(0, 32);
}

/**
 * The CONV item of a ticket creation that takes a channel thread over: written only while it still points where
 * the caller read it (nowhere, or the closed ticket being followed up), so two first messages of one thread
 * racing each other open one ticket, not two.
 */
export function conversationPut(
  table: string,
  tenantId: string,
  ticketNumber: number,
  claim: ConversationClaim,
  now: string,
): TransactItem {
  const { ref, previous } = claim;
  return {
    Put: {
      TableName: table,
      Item: {
        ...keys.conversation(tenantId, ref.channelId, conversationHash(ref.conversationId)),
        entity: 'conversation',
        ...ref,
        ticketNumber,
        updatedAt: now,
      },
      ...(previous === null
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'ticketNumber = :previous',
            ExpressionAttributeValues: { ':previous': previous },
          }),
    },
  };
}

interface Condition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

const byCreation = (a: InboundChannel, b: InboundChannel) =>
  a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/**
 * A channel is one item under its tenant (`T#{tenant}#CHANNELS` / `CH#{id}`) and a copy under its global id
 * (`CHANNEL#{id}`), which the public routes read in one Get. Every write changes both in one transaction.
 */
export class DynamoDbChannelStore implements ChannelStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  /** The tenant's item (with `guard`) and the global copy, written together. */
  private items(channel: InboundChannel, guard: Condition, lookupGuard?: Condition): TransactItem[] {
    const table = this.tables.main;
    return [
      {
        Put: {
          TableName: table,
          Item: { ...keys.channel(channel.tenantId, channel.id), entity: 'channel', ...channel },
          ...guard,
        },
      },
      {
        Put: {
          TableName: table,
          Item: { ...keys.channelLookup(channel.id), entity: 'channel', ...channel },
          ...lookupGuard,
        },
      },
    ];
  }

  async create(channel: InboundChannel): Promise<void> {
    const absent = { ConditionExpression: 'attribute_not_exists(pk)' };
    // The global id must be free too: ids are generated, but a collision must never hand a URL to two tenants.
    await transact(this.client, this.items(channel, absent, absent), `channel ${channel.id}`, (failed) => {
      if (failed.length > 0) throw new DomainError('conflict', `channel ${channel.id} exists already`);
    });
  }

  async get(tenantId: string, id: string): Promise<InboundChannel | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.channel(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? withoutStorageAttributes<InboundChannel>(result.Item) : null;
  }

  async find(id: string): Promise<InboundChannel | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.channelLookup(id), ConsistentRead: true }),
    );
    return result.Item ? withoutStorageAttributes<InboundChannel>(result.Item) : null;
  }

  async list(tenantId: string): Promise<InboundChannel[]> {
    const all = await queryWholeCollection<InboundChannel>(
      this.client,
      this.tables.main,
      keys.channelsPk(tenantId),
      'CH#',
    );
    return all.sort(byCreation);
  }

  async save(channel: InboundChannel, expectedVersion: number): Promise<void> {
    await transact(
      this.client,
      this.items(channel, {
        ConditionExpression: 'version = :expected',
        ExpressionAttributeValues: { ':expected': expectedVersion },
      }),
      `channel ${channel.id}`,
    );
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const table = this.tables.main;
    try {
      await transact(
        this.client,
        [
          {
            Delete: {
              TableName: table,
              Key: keys.channel(tenantId, id),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Delete: {
              TableName: table,
              Key: keys.channelLookup(id),
              ConditionExpression: 'tenantId = :tenant',
              ExpressionAttributeValues: { ':tenant': tenantId },
            },
          },
        ],
        `channel ${id}`,
      );
      return true;
    } catch (error) {
      if (error instanceof ConcurrentModificationError) return false;
      throw error;
    }
  }

  async conversationTicket(
    tenantId: string,
    channelId: string,
    conversationId: string,
  ): Promise<number | null> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.conversation(tenantId, channelId, conversationHash(conversationId)),
        ConsistentRead: true,
      }),
    );
    return result.Item ? Number(result.Item.ticketNumber) : null;
  }
}
