import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tables } from '../../topology.ts';
import { usageBuffer } from '../metering/buffer.ts';
import { meterCapacity } from '../metering/capacity.ts';

/**
 * One document client per process, created at module load (outside any handler) so every invocation of a
 * warm Lambda reuses its connections. `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local when run locally.
 */
const baseClient = new DynamoDBClient({});
// Every request's consumed capacity is metered for the tenant whose keys it touches (adapters/metering).
meterCapacity(baseClient, usageBuffer);

export const documentClient = DynamoDBDocumentClient.from(baseClient, {
  marshallOptions: { removeUndefinedValues: true },
});

export interface TableNames {
  readonly main: string;
  readonly idempotency: string;
}

/** The physical name of one table, from the variable the topology names (set by CDK and by `npm start`). */
export function tableName(table: keyof typeof tables, environment: NodeJS.ProcessEnv = process.env): string {
  const envVar = tables[table].envVar;
  const value = environment[envVar];
  if (!value) throw new Error(`${envVar} is not set`);
  return value;
}

export function tableNamesFromEnv(environment: NodeJS.ProcessEnv = process.env): TableNames {
  return { main: tableName('main', environment), idempotency: tableName('idempotency', environment) };
}
