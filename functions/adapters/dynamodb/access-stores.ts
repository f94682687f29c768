import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../../core/errors.ts';
import type { ApiKey, Page, Tenant } from '../../core/model.ts';
import type { ApiKeyStore, PageRequest, TenantStore } from '../../core/ports.ts';
import type { TableNames } from './client.ts';
import { queryCollection } from './collection.ts';
import { keys } from './keys.ts';
import { type TransactItem, transact, withoutStorageAttributes } from './transactions.ts';

/**
 * An API key is two items written together: the tenant's listing entry, and a global lookup by the secret's
 * hash that the authorizer reads (it does not know the tenant yet). The secret itself is never stored.
 */
function keyItems(table: string, key: ApiKey, secretHash: string): TransactItem[] {
  return [
    {
      Put: {
        TableName: table,
        Item: { ...keys.apiKey(key.tenantId, key.id), entity: 'api-key', ...key, secretHash },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: table,
        Item: { ...keys.apiKeySecret(secretHash), entity: 'api-key-secret', ...key },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
}

const toKey = (item: Record<string, unknown>) => withoutStorageAttributes<ApiKey>(item, ['secretHash']);

export class DynamoDbApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async create(key: ApiKey, secretHash: string): Promise<void> {
    await transact(this.client, keyItems(this.tables.main, key, secretHash), `API key ${key.id}`);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<ApiKey>> {
    const result = await queryCollection<Record<string, unknown>>(
      this.client,
      this.tables.main,
      keys.apiKeysPk(tenantId),
      'KEY#',
      page,
    );
    return { items: result.items.map(toKey), nextCursor: result.nextCursor };
  }

  async revoke(tenantId: string, id: string, at: string): Promise<ApiKey | null> {
    const table = this.tables.main;
    const found = await this.client.send(
      new GetCommand({ TableName: table, Key: keys.apiKey(tenantId, id), ConsistentRead: true }),
    );
    if (!found.Item) return null;
    const key = toKey(found.Item);
    if (key.revokedAt) return key;
    const revoke = (Key: Record<string, string>): TransactItem => ({
      Update: {
        TableName: table,
        Key,
        UpdateExpression: 'SET revokedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at },
      },
    });
    await transact(
      this.client,
      [revoke(keys.apiKey(tenantId, id)), revoke(keys.apiKeySecret(String(found.Item.secretHash)))],
      `API key ${id}`,
    );
    return { ...key, revokedAt: at };
  }

  async findBySecretHash(secretHash: string): Promise<ApiKey | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.apiKeySecret(secretHash) }),
    );
    return result.Item ? toKey(result.Item) : null;
  }
}

export class DynamoDbTenantStore implements TenantStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async create(tenant: Tenant, adminKey: ApiKey, secretHash: string): Promise<void> {
    const table = this.tables.main;
    await transact(
      this.client,
      [
        {
          Put: {
            TableName: table,
            Item: { ...keys.tenant(tenant.id), entity: 'tenant', ...tenant },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...keyItems(table, adminKey, secretHash),
      ],
      `tenant ${tenant.id}`,
      (failed) => {
        if (failed.includes(0)) {
          throw new DomainError('conflict', `tenant ${tenant.id} already exists`, [
            { path: 'id', message: 'is taken' },
          ]);
        }
      },
    );
  }
}
