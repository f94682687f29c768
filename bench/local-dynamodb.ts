/** A throw-away DynamoDB Local with the topology's tables, and clients pointed at it. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localCredentials, localPrefix, localRegion } from '../local/aws-env.ts';
import { ensureTables, startDynamoDbLocal } from '../local/dynamodb.ts';

export async function benchDynamoDb() {
  const dynamodb = await startDynamoDbLocal({ inMemory: true });
  const tables = await ensureTables(dynamodb.client, localPrefix);
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: dynamodb.endpoint, region: localRegion, credentials: localCredentials }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  return {
    client,
    tables: { main: tables.main!, idempotency: tables.idempotency! },
    stop: () => dynamodb.stop(),
  };
}
