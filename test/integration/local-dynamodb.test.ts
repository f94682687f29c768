/**
 * Local tables (local/dynamodb.ts `ensureTables`) match the topology CDK deploys: keys, indexes projecting
 * ALL, on-demand billing, the stream and TTL; and a table created before an index was added gets it.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type TableDefinition, tables } from '../../functions/topology.ts';
import { localCredentials } from '../../local/aws-env.ts';
import { ensureTables } from '../../local/dynamodb.ts';

const { endpoints, region, tableNames } = inject('deskless');

describe('local tables', () => {
  const client = new DynamoDBClient({ endpoint: endpoints.dynamodb, region, credentials: localCredentials });
  afterAll(() => client.destroy());

  it('creates every topology table as declared', async () => {
    expect(tableNames).toEqual({ main: 'deskless-main', idempotency: 'deskless-idempotency' });
    const { Table: main } = await client.send(new DescribeTableCommand({ TableName: 'deskless-main' }));
    expect(main?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(main?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(main?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    const indexes = main?.GlobalSecondaryIndexes ?? [];
    expect(indexes.map((index) => index.IndexName).sort()).toEqual(
      tables.main.indexes.map((i) => i.name).sort(),
    );
    for (const definition of tables.main.indexes) {
      const index = indexes.find((candidate) => candidate.IndexName === definition.name);
      expect(index?.Projection?.ProjectionType).toBe('ALL');
      expect(index?.KeySchema).toEqual([
        { AttributeName: definition.partitionKey, KeyType: 'HASH' },
        { AttributeName: definition.sortKey, KeyType: 'RANGE' },
      ]);
    }
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 'deskless-main' }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });

    const { Table: idempotency } = await client.send(
      new DescribeTableCommand({ TableName: 'deskless-idempotency' }),
    );
    expect(idempotency?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(idempotency?.StreamSpecification).toBeUndefined();
  });

  it('is idempotent and adds indexes the topology gained since the table was created', async () => {
    const base: TableDefinition = {
      name: `grow-${randomUUID().slice(0, 8)}`,
      partitionKey: 'pk',
      sortKey: 'sk',
      envVar: 'UNUSED',
      indexes: [],
    };
    await ensureTables(client, 'itest', { t: base });
    const grown: TableDefinition = {
      ...base,
      indexes: [{ name: 'byOwner', partitionKey: 'owner', sortKey: 'at', purpose: 'test' }],
    };
    const names = await ensureTables(client, 'itest', { t: grown });
    await ensureTables(client, 'itest', { t: grown });
    const { Table } = await client.send(new DescribeTableCommand({ TableName: names.t }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byOwner']);
  });
});
