import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import type { TableNames } from './client.ts';
import { queryWholeCollection } from './collection.ts';
import { transact, withoutStorageAttributes } from './transactions.ts';

type ItemKey = { readonly pk: string; readonly sk: string };

/** How one kind of tenant configuration (rules, macros) is stored. */
export interface CappedCollectionSpec<T> {
  /** Entity tag of the items, and the word in messages (`rule`, `macro`). */
  readonly entity: string;
  readonly key: (tenantId: string, id: string) => ItemKey;
  readonly partition: (tenantId: string) => string;
  readonly sortPrefix: string;
  readonly countKey: (tenantId: string) => ItemKey;
  /** Most items a tenant may have. */
  readonly max: number;
  /** The order `list` returns. */
  readonly order: (a: T, b: T) => number;
}

/**
 * A tenant's items of one kind in one partition, next to a counter item that the create and delete
 * transactions keep, so the cap on their number holds under concurrent creates. Reading the whole set is one
 * Query; updates are guarded by the item's version.
 */
export class CappedCollection<T extends { readonly tenantId: string; readonly id: string }> {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
    private readonly spec: CappedCollectionSpec<T>,
  ) {}

  async create(item: T): Promise<void> {
    const { entity, max } = this.spec;
    await transact(
      this.client,
      [
        {
          Update: {
            TableName: this.tables.main,
            Key: this.spec.countKey(item.tenantId),
            UpdateExpression: 'ADD #count :one SET entity = :entity',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1, ':max': max, ':entity': `${entity}-count` },
          },
        },
        {
          Put: {
            TableName: this.tables.main,
            Item: { ...this.spec.key(item.tenantId, item.id), entity, ...item },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      `${entity} ${item.id}`,
      (failed) => {
        if (failed.includes(0)) {
          throw new DomainError('validation', `a tenant has at most ${max} ${entity}s; delete one first`);
        }
        if (failed.includes(1)) throw new DomainError('conflict', `${entity} ${item.id} exists already`);
      },
    );
  }

  async get(tenantId: string, id: string): Promise<T | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: this.spec.key(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? withoutStorageAttributes<T>(result.Item) : null;
  }

  async list(tenantId: string): Promise<T[]> {
    const all = await queryWholeCollection<T>(
      this.client,
      this.tables.main,
      this.spec.partition(tenantId),
      this.spec.sortPrefix,
    );
    return all.sort(this.spec.order).slice(0, this.spec.max);
  }

  async update(item: T, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.main,
          Item: { ...this.spec.key(item.tenantId, item.id), entity: this.spec.entity, ...item },
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConcurrentModificationError(`${this.spec.entity} ${item.id}`);
      }
      throw error;
    }
  }

  /** False when there was no such item. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    let missing = false;
    try {
      await transact(
        this.client,
        [
          {
            Delete: {
              TableName: this.tables.main,
              Key: this.spec.key(tenantId, id),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Update: {
              TableName: this.tables.main,
              Key: this.spec.countKey(tenantId),
              UpdateExpression: 'ADD #count :minus',
              ExpressionAttributeNames: { '#count': 'count' },
              ExpressionAttributeValues: { ':minus': -1 },
            },
          },
        ],
        `${this.spec.entity} ${id}`,
        (failed) => {
          missing = failed.includes(0);
        },
      );
      return true;
    } catch (error) {
      if (missing && error instanceof ConcurrentModificationError) return false;
      throw error;
    }
  }
}
