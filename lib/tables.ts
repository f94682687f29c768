import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { TableDefinition } from '../functions/topology.ts';
import { pascal } from './names.ts';

/**
 * A table exactly as topology.ts describes it. Tables hold every ticket ever written, so they survive stack
 * deletion and resist accidental deletion, and can be restored to any second of the last 35 days.
 */
export function tableFromDefinition(scope: Construct, definition: TableDefinition): Table {
  const table = new Table(scope, `${pascal(definition.name)}Table`, {
    partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
    sortKey: definition.sortKey ? { name: definition.sortKey, type: AttributeType.STRING } : undefined,
    billingMode: BillingMode.PAY_PER_REQUEST,
    stream: definition.stream === 'NEW_IMAGE' ? StreamViewType.NEW_IMAGE : undefined,
    timeToLiveAttribute: definition.ttlAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    encryption: TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of definition.indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: index.sortKey ? { name: index.sortKey, type: AttributeType.STRING } : undefined,
      projectionType: ProjectionType.ALL,
    });
  }
  return table;
}
