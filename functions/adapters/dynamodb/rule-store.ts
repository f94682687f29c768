import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import type { RuleStore } from '../../core/ports.ts';
import { byPosition, MAX_RULES, type Rule } from '../../core/rules/rule.ts';
import type { TableNames } from './client.ts';
import { queryWholeCollection } from './collection.ts';
import { keys } from './keys.ts';
import { transact, withoutStorageAttributes } from './transactions.ts';

/**
 * Rules are the items of one partition per tenant (`T#{tenant}#RULES` / `RUL#{id}`), next to a counter item
 * that the create and delete transactions keep, so the cap on their number holds under concurrent creates.
 * The whole set is one Query (the engine reads it on every ticket update).
 */
export class DynamoDbRuleStore implements RuleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async create(rule: Rule): Promise<void> {
    const table = this.tables.main;
    await transact(
      this.client,
      [
        {
          Update: {
            TableName: table,
            Key: keys.ruleCount(rule.tenantId),
            UpdateExpression: 'ADD #count :one SET entity = :entity',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1, ':max': MAX_RULES, ':entity': 'rule-count' },
          },
        },
        {
          Put: {
            TableName: table,
            Item: { ...keys.rule(rule.tenantId, rule.id), entity: 'rule', ...rule },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      `rule ${rule.id}`,
      (failed) => {
        if (failed.includes(0)) {
          throw new DomainError('validation', `a tenant has at most ${MAX_RULES} rules; delete one first`);
        }
        if (failed.includes(1)) throw new DomainError('conflict', `rule ${rule.id} exists already`);
      },
    );
  }

  async get(tenantId: string, id: string): Promise<Rule | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.rule(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? withoutStorageAttributes<Rule>(result.Item) : null;
  }

  async list(tenantId: string): Promise<Rule[]> {
    const all = await queryWholeCollection<Rule>(
      this.client,
      this.tables.main,
      keys.rulesPk(tenantId),
      'RUL#',
    );
    return all.sort(byPosition).slice(0, MAX_RULES);
  }

  async update(rule: Rule, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.main,
          Item: { ...keys.rule(rule.tenantId, rule.id), entity: 'rule', ...rule },
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConcurrentModificationError(`rule ${rule.id}`);
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
              Key: keys.rule(tenantId, id),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Update: {
              TableName: table,
              Key: keys.ruleCount(tenantId),
              UpdateExpression: 'ADD #count :minus',
              ExpressionAttributeNames: { '#count': 'count' },
              ExpressionAttributeValues: { ':minus': -1 },
            },
          },
        ],
        `rule ${id}`,
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
