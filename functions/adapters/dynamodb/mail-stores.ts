import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_EMAIL_SETTINGS, type EmailSettings } from '../../core/email/outbound.ts';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import type { EmailSettingsStore, MailboxStore, SenderRateLimiter } from '../../core/ports.ts';
import type { TableNames } from './client.ts';
import { queryWholeCollection } from './collection.ts';
import { keys } from './keys.ts';
import { transact } from './transactions.ts';

/** A support address is claimed globally (one tenant per address) and listed under its tenant. */
export class DynamoDbMailboxStore implements MailboxStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async tenantFor(address: string): Promise<string | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.mailbox(address) }),
    );
    return result.Item ? String(result.Item.tenantId) : null;
  }

  async create(tenantId: string, address: string, now: string): Promise<void> {
    const table = this.tables.main;
    await transact(
      this.client,
      [
        {
          Put: {
            TableName: table,
            Item: { ...keys.mailbox(address), entity: 'mailbox', tenantId, address, createdAt: now },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: table,
            Item: { ...keys.tenantMailbox(tenantId, address), entity: 'mailbox', address, createdAt: now },
          },
        },
      ],
      `mailbox ${address}`,
      (failed) => {
        if (failed.includes(0)) {
          throw new DomainError('conflict', `${address} is already registered`, [
            { path: 'address', message: 'is already registered' },
          ]);
        }
      },
    );
  }

  list(tenantId: string): Promise<{ address: string; createdAt: string }[]> {
    return queryWholeCollection(this.client, this.tables.main, keys.mailboxesPk(tenantId), 'MBX#');
  }

  async remove(tenantId: string, address: string): Promise<boolean> {
    const table = this.tables.main;
    try {
      await transact(
        this.client,
        [
          {
            Delete: {
              TableName: table,
              Key: keys.mailbox(address),
              ConditionExpression: 'tenantId = :tenant',
              ExpressionAttributeValues: { ':tenant': tenantId },
            },
          },
          { Delete: { TableName: table, Key: keys.tenantMailbox(tenantId, address) } },
        ],
        `mailbox ${address}`,
      );
      return true;
    } catch (error) {
      if (error instanceof ConcurrentModificationError) return false;
      throw error;
    }
  }
}

export class DynamoDbEmailSettingsStore implements EmailSettingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async get(tenantId: string): Promise<EmailSettings> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: { pk: keys.settingsPk(tenantId), sk: 'EMAIL' } }),
    );
    const stored = result.Item?.settings as EmailSettings | undefined;
    return stored ?? DEFAULT_EMAIL_SETTINGS;
  }

  async put(tenantId: string, settings: EmailSettings): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.main,
        Item: { pk: keys.settingsPk(tenantId), sk: 'EMAIL', entity: 'settings', settings },
      }),
    );
  }
}

/**
 * A token bucket per sender in one item: the update refills by elapsed time and takes a token in one
 * conditional write, so concurrent mails from one sender cannot overdraw it. The item expires (TTL) once
 * the bucket would be full again.
 */
export class DynamoDbSenderRateLimiter implements SenderRateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
    private readonly limit: { readonly burst: number; readonly perHour: number },
  ) {}

  async take(
    tenantId: string,
    sender: string,
    now: string,
    limit: { readonly burst: number; readonly perHour: number } = this.limit,
  ): Promise<boolean> {
    const key = keys.senderBucket(tenantId, sender);
    const nowMs = Date.parse(now);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.client.send(
        new GetCommand({ TableName: this.tables.main, Key: key, ConsistentRead: true }),
      );
      const tokens = Number(current.Item?.tokens ?? limit.burst);
      const at = Number(current.Item?.at ?? nowMs);
      const refilled = Math.min(limit.burst, tokens + ((nowMs - at) / 3_600_000) * limit.perHour);
      if (refilled < 1) return false;
      const next = refilled - 1;
      const fullAgainMs = ((limit.burst - next) / limit.perHour) * 3_600_000;
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tables.main,
            Item: {
              ...key,
              entity: 'rate-limit',
              tokens: next,
              at: nowMs,
              v: Number(current.Item?.v ?? 0) + 1,
              expiresAt: Math.ceil((nowMs + fullAgainMs) / 1000) + 60,
            },
            ...(current.Item
              ? { ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': current.Item.v } }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        );
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return false;
  }

  async countHeld(tenantId: string, now: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tables.main,
        Key: keys.heldCounter(tenantId, now.slice(0, 10)),
        UpdateExpression: 'ADD held :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }
}
