import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { keys, views } from '../../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbUsageStore } from '../../../functions/adapters/dynamodb/usage-store.ts';
import { DEPLOYMENT_TENANT, UsageBuffer } from '../../../functions/adapters/metering/buffer.ts';
import { meterCapacity, partitionKeysOf } from '../../../functions/adapters/metering/capacity.ts';
import type { UsageByTenantDay } from '../../../functions/core/metering.ts';

/** Text a customer can put in a subject or comment: key-like strings of metering and of another tenant. */
const HOSTILE = 'see {"pk":"T#other#TKT#1"} and "T#acme#USAGE#2026-03" "T#other#USAGE#2026-03 "T#other#';
const TABLE = 'main';

/**
 * A metered client that never leaves the process: every request answers 3 consumed units, and what it sent
 * (marshalled, as the meter sees it) is kept.
 */
function meteredClient(buffer: UsageBuffer) {
  const base = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  meterCapacity(base, buffer);
  const sent: string[] = [];
  base.middlewareStack.add(
    (_next, context) => async () => {
      sent.push((context as { commandName?: string }).commandName ?? '');
      return {
        output: { $metadata: {}, ConsumedCapacity: { TableName: TABLE, CapacityUnits: 3 } },
        response: {},
      };
    },
    { step: 'build', name: 'answerLocally' },
  );
  return { client: DynamoDBDocumentClient.from(base), sent };
}

/** What the buffer holds, per tenant and counter. */
async function measured(buffer: UsageBuffer) {
  const seen: Record<string, Record<string, number>> = {};
  await buffer.flush(
    {
      add: async (usage: UsageByTenantDay) => {
        for (const [tenant, days] of usage) {
          const counts = seen[tenant] ?? {};
          seen[tenant] = counts;
          for (const day of days.values())
            for (const [counter, quantity] of Object.entries(day))
              counts[counter] = (counts[counter] ?? 0) + (quantity ?? 0);
        }
      },
      read: async () => new Map(),
    },
    { force: true },
  );
  return seen;
}

describe('the capacity meter reads tenants from keys, not from customers’ text', () => {
  let buffer: UsageBuffer;
  let client: DynamoDBDocumentClient;
  let sent: string[];
  beforeEach(() => {
    buffer = new UsageBuffer();
    ({ client, sent } = meteredClient(buffer));
  });

  it('meters a put whose item holds key-like text for the tenant of its key', async () => {
    await client.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...keys.ticket('acme', 7), subject: HOSTILE, comments: [{ body: HOSTILE }] },
      }),
    );
    expect(await measured(buffer)).toEqual({ acme: { 'dynamodb.wru': 3 } });
  });

  it('meters an update and a transaction of a ticket with such a comment', async () => {
    await client.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.ticket('acme', 7),
        UpdateExpression: 'SET subject = :s',
        ExpressionAttributeValues: { ':s': HOSTILE },
      }),
    );
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { ...keys.event('acme', 7, 'ev1'), data: { body: HOSTILE } } } },
          {
            Update: {
              TableName: TABLE,
              Key: keys.ticket('acme', 7),
              UpdateExpression: 'SET lastComment = :c',
              ExpressionAttributeValues: { ':c': HOSTILE },
            },
          },
        ],
      }),
    );
    expect(await measured(buffer)).toEqual({ acme: { 'dynamodb.wru': 6 } });
  });

  it('meters writes of global items with such text for the deployment', async () => {
    await client.send(
      new PutCommand({ TableName: TABLE, Item: { ...keys.mailbox('help@acme.test'), note: HOSTILE } }),
    );
    await client.send(new GetCommand({ TableName: TABLE, Key: keys.apiKeySecret('abc') }));
    expect(await measured(buffer)).toEqual({
      [DEPLOYMENT_TENANT]: { 'dynamodb.wru': 3, 'dynamodb.rru': 3 },
    });
  });

  it('leaves out the usage counters’ own writes, and only those', async () => {
    await new DynamoDbUsageStore(client, { main: TABLE }).add(
      new Map([['acme', new Map([['2026-03-02', { 'api.requests': 2 }]])]]),
    );
    expect(sent).toEqual(['TransactWriteItemsCommand']);
    expect(await measured(buffer)).toEqual({});
  });

  it('reads a query’s tenant from its key condition, not from its filter values', async () => {
    await client.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byQueue',
        KeyConditionExpression: 'viewQueue = :queue',
        FilterExpression: 'contains(subject, :text)',
        ExpressionAttributeValues: { ':text': 'T#other#USAGE#', ':queue': views.queue('acme', 'billing') },
      }),
    );
    await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':prefix': 'T#other#', ':pk': keys.ticketPk('acme', 7) },
      }),
    );
    expect(await measured(buffer)).toEqual({ acme: { 'dynamodb.rru': 6 } });
  });

  it('reads batch requests’ keys', async () => {
    await client.send(
      new BatchWriteCommand({
        RequestItems: {
          [TABLE]: [
            { PutRequest: { Item: { ...keys.ticket('acme', 8), subject: HOSTILE } } },
            { DeleteRequest: { Key: keys.ticket('acme', 9) } },
          ],
        },
      }),
    );
    await client.send(
      new BatchGetCommand({
        RequestItems: { [TABLE]: { Keys: [keys.ticket('globex', 1), keys.ticket('globex', 2)] } },
      }),
    );
    expect(await measured(buffer)).toEqual({ acme: { 'dynamodb.wru': 3 }, globex: { 'dynamodb.rru': 3 } });
  });
});

describe('partitionKeysOf', () => {
  it('takes the keys of every kind of transaction item, marshalled or not', () => {
    const input = {
      TransactItems: [
        { ConditionCheck: { Key: { pk: { S: 'T#acme#COUNTER' } } } },
        { Put: { Item: { pk: 'T#acme#TKT#1', body: HOSTILE } } },
        { Delete: { Key: { pk: { S: 'MAILBOX#a@b.test' } } } },
        {
          Update: { Key: { pk: { S: 'T#acme#TKT#2' } }, ExpressionAttributeValues: { ':x': { S: HOSTILE } } },
        },
      ],
    };
    expect(partitionKeysOf('TransactWriteItemsCommand', input)).toEqual([
      'T#acme#COUNTER',
      'T#acme#TKT#1',
      'MAILBOX#a@b.test',
      'T#acme#TKT#2',
    ]);
  });

  it('finds no key in a request it does not know, nor in a query without a partition condition', () => {
    expect(partitionKeysOf('ScanCommand', { ExpressionAttributeValues: { ':pk': 'T#acme#X' } })).toEqual([]);
    expect(
      partitionKeysOf('QueryCommand', {
        KeyConditionExpression: 'body = :b',
        ExpressionAttributeValues: { ':b': { S: 'T#acme#X' } },
      }),
    ).toEqual([]);
  });
});
