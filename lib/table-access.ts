import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { TableDefinition } from '../functions/topology.ts';

/**
 * Item reads and writes, transactions included (they authorise as the per-item actions). No Scan: no request
 * path may scan (DESIGN.md), and IAM now enforces it.
 */
const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DescribeTable',
];

/**
 * Like `table.grantReadWriteData`, but naming each index of the topology instead of `<table>/index/*`, so
 * the policy has no wildcard to justify and a function reaches only indexes that exist on purpose.
 */
export function grantItemAccess(table: ITable, definition: TableDefinition, grantee: IGrantable): Grant {
  return Grant.addToPrincipal({
    grantee,
    actions: ITEM_ACTIONS,
    resourceArns: [
      table.tableArn,
      ...definition.indexes.map((index) => `${table.tableArn}/index/${index.name}`),
    ],
  });
}

/**
 * What a function with no table of its own needs to flush its metered usage (topology.ts
 * `writesUsageCounters`): UpdateItem (the `ADD`s, in transactions) on the main table, and only on items whose
 * partition key is a usage counter's (`T#{tenant}#USAGE#{month}`). No read, no other item, no index.
 */
export function grantUsageCounterWrites(table: ITable, grantee: IGrantable): Grant {
  return Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:UpdateItem'],
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#USAGE#*'] } },
  });
}
