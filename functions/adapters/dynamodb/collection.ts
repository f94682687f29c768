import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Page } from '../../core/model.ts';
import type { PageRequest } from '../../core/ports.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { withoutStorageAttributes } from './transactions.ts';

/**
 * Small per-tenant collections (agents, groups, API keys, custom fields, conversations, webhook deliveries) live
 * as items of one partition each, so listing them is one Query with a cursor, in sort-key order or reversed.
 */
export async function queryCollection<T>(
  client: DynamoDBDocumentClient,
  table: string,
  pk: string,
  skPrefix: string,
  page: PageRequest,
  order: { readonly newestFirst?: boolean } = {},
): Promise<Page<T>> {
  const result = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ScanIndexForward: !order.newestFirst,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, {
        attributes: ['pk', 'sk'],
        partitionAttribute: 'pk',
        partition: pk,
      }),
    }),
  );
  return {
    items: (result.Items ?? []).map((item) => withoutStorageAttributes<T>(item)),
    nextCursor: encodeCursor(result.LastEvaluatedKey),
  };
}

/** Reads a whole (small) collection, following cursors. */
export async function queryWholeCollection<T>(
  client: DynamoDBDocumentClient,
  table: string,
  pk: string,
  skPrefix: string,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryCollection<T>(client, table, pk, skPrefix, { limit: 1000, cursor });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}
