import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RuleStore } from '../../core/ports.ts';
import { byPosition, MAX_RULES, type Rule } from '../../core/rules/rule.ts';
import { CappedCollection } from './capped-collection.ts';
import type { TableNames } from './client.ts';
import { keys } from './keys.ts';

/**
 * Rules are the items of one partition per tenant (`T#{tenant}#RULES` / `RUL#{id}`), capped at MAX_RULES. The
 * whole set is one Query (the engine reads it on every ticket update), in position order.
 */
export class DynamoDbRuleStore extends CappedCollection<Rule> implements RuleStore {
  constructor(client: DynamoDBDocumentClient, tables: Pick<TableNames, 'main'>) {
    super(client, tables, {
      entity: 'rule',
      key: keys.rule,
      partition: keys.rulesPk,
      sortPrefix: 'RUL#',
      countKey: keys.ruleCount,
      max: MAX_RULES,
      order: byPosition,
    });
  }
}
