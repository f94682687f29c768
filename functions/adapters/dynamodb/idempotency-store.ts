import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord, IdempotencyStore } from '../../core/ports.ts';
import type { TableNames } from './client.ts';
import { keys } from './keys.ts';

/** How long an `Idempotency-Key` is remembered; DynamoDB's TTL removes the record afterwards. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export function idempotencyItem(tenantId: string, record: IdempotencyRecord): Record<string, unknown> {
  return {
    ...keys.idempotency(tenantId, record.key),
    ...record,
    expiresAt: Math.floor(Date.parse(record.createdAt) / 1000) + IDEMPOTENCY_TTL_SECONDS,
  };
}

/**
 * Records live in their own table (DESIGN.md): the record is written in the same transaction as the ticket it
 * created, so a replay can never disagree with what was stored.
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
    private readonly nowSeconds: () => number,
  ) {}

  async get(tenantId: string, key: string): Promise<IdempotencyRecord | null> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.idempotency,
        Key: keys.idempotency(tenantId, key),
        ConsistentRead: true,
      }),
    );
    const item = result.Item;
    // TTL deletion lags by up to days: an expired record is treated as gone.
    if (!item || Number(item.expiresAt) < this.nowSeconds()) return null;
    return {
      key: String(item.key),
      requestHash: String(item.requestHash),
      statusCode: Number(item.statusCode),
      body: String(item.body),
      createdAt: String(item.createdAt),
    };
  }
}
