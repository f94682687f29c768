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
