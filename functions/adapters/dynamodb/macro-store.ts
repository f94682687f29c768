import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import { MAX_MACROS, type Macro } from '../../core/macros/macro.ts';
import type { MacroStore } from '../../core/ports.ts';
import type { TableNames } from './client.ts';
import { queryWholeCollection } from './collection.ts';
import { keys } from './keys.ts';
import { transact, withoutStorageAttributes } from './transactions.ts';

const byName = (a: Macro, b: Macro) =>
  a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id.localeCompare(b.id);

/**
 * Macros are the items of one partition per tenant (`MAC#{id}`), next to a counter item that the create and
 * delete transactions keep, so the cap on their number holds under concurrent creates.
 */
export class DynamoDbMacroStore implements MacroStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async create(macro: Macro): Promise<void> {
    const table = this.tables.main;
    await transact(
      this.client,
      [
        {
          Update: {
            TableName: table,
            Key: keys.macroCount(macro.tenantId),
            UpdateExpression: 'ADD #count :one SET entity = :entity',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1, ':max': MAX_MACROS, ':entity': 'macro-count' },
          },
        },
        {
          Put: {
            TableName: table,
            Item: { ...keys.macro(macro.tenantId, macro.id), entity: 'macro', ...macro },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      `macro ${macro.id}`,
      (failed) => {
        if (failed.includes(0)) {
          throw new DomainError('validation', `a tenant has at most ${MAX_MACROS} macros; delete one first`);
        }
      },
    );
  }

  async get(tenantId: string, id: string): Promise<Macro | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.macro(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? withoutStorageAttributes<Macro>(result.Item) : null;
  }

  async list(tenantId: string): Promise<Macro[]> {
    const all = await queryWholeCollection<Macro>(
      this.client,
      this.tables.main,
      keys.macrosPk(tenantId),
      'MAC#',
    );
    return all.sort(byName).slice(0, MAX_MACROS);
  }

  async update(macro: Macro, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.main,
          Item: { ...keys.macro(macro.tenantId, macro.id), entity: 'macro', ...macro },
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConcurrentModificationError(`macro ${macro.id}`);
      throw error;
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const table = this.tables.main;
    let missing = false;
    try {
      await transact(
        this.client,
        [
          {
            Delete: {
              TableName: table,
              Key: keys.macro(tenantId, id),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Update: {
              TableName: table,
              Key: keys.macroCount(tenantId),
              UpdateExpression: 'ADD #count :minus',
              ExpressionAttributeNames: { '#count': 'count' },
              ExpressionAttributeValues: { ':minus': -1 },
            },
          },
        ],
        `macro ${id}`,
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
