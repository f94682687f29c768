import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SmsClaim, SmsDeliveryStore, SmsPartKey } from '../../core/ports.ts';
import type { TableNames } from './client.ts';
import { keys } from './keys.ts';

/**
 * Markers live this long, then TTL removes them: far beyond any redelivery (SQS keeps a message 4 days, its DLQ
 * 14, and a redrive from the DLQ comes within that).
 */
export const SMS_MARKER_TTL_DAYS = 30;

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * Exactly-once SMS markers (`T#{tenant}#SMS#{eventId}` / `PART#{n}`): a part is claimed with a conditional put
 * (absent, or claimed by a worker whose lease ran out), then marked sent with Twilio's sid or rejected.
 */
export class DynamoDbSmsDeliveryStore implements SmsDeliveryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  private item(key: SmsPartKey, now: string, fields: Record<string, unknown>) {
    return {
      ...keys.smsDelivery(key.tenantId, key.eventId, key.part),
      entity: 'smsDelivery',
      eventId: key.eventId,
      part: key.part,
      updatedAt: now,
      expiresAt: epochSeconds(now) + SMS_MARKER_TTL_DAYS * 86_400,
      ...fields,
    };
  }

  async claim(key: SmsPartKey, now: string, leaseMs: number): Promise<SmsClaim> {
    const token = randomUUID();
    const staleBefore = new Date(Date.parse(now) - leaseMs).toISOString();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.main,
          Item: this.item(key, now, { state: 'claimed', token, claimedAt: now }),
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND claimedAt < :staleBefore)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':staleBefore': staleBefore },
        }),
      );
      return { state: 'claimed', token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const existing = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.smsDelivery(key.tenantId, key.eventId, key.part),
        ConsistentRead: true,
      }),
    );
    const item = existing.Item;
    if (item?.state === 'sent') return { state: 'sent', sid: String(item.sid) };
    if (item?.state === 'rejected') return { state: 'rejected', error: String(item.error) };
    // Claimed by a live worker (or released between the put and the read: the next delivery takes it).
    return { state: 'busy' };
  }

  async sent(key: SmsPartKey, sid: string, now: string): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tables.main, Item: this.item(key, now, { state: 'sent', sid }) }),
    );
  }

  async rejected(key: SmsPartKey, error: string, now: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.main,
        Item: this.item(key, now, { state: 'rejected', error: error.slice(0, 1000) }),
      }),
    );
  }

  async release(key: SmsPartKey, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tables.main,
          Key: keys.smsDelivery(key.tenantId, key.eventId, key.part),
          ConditionExpression: '#state = :claimed AND #token = :token',
          ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':token': token },
        }),
      );
    } catch (error) {
      // Another worker took the claim over (ours had expired): it is theirs to settle.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
