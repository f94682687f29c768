/**
 * The local event source mapping for the outbox (local/stream-poller.ts) against DynamoDB Local's real stream:
 * the EV#/INSERT filter, Lambda-shaped records, partial batch failures, the retry limit, and resuming from
 * the checkpoint file after a restart.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { TableDefinition } from '../../functions/topology.ts';
import { localCredentials } from '../../local/aws-env.ts';
import { ensureTables, latestStreamArn } from '../../local/dynamodb.ts';
import {
  type DiscardedBatch,
  outboxFilter,
  type StreamPoller,
  type StreamPollerOptions,
  startStreamPoller,
} from '../../local/stream-poller.ts';

const { endpoints, region } = inject('deskless');
const fn = { name: 'dispatcher', memoryMb: 128, timeoutSeconds: 5 };

describe('local stream poller', () => {
  const config = { endpoint: endpoints.dynamodb, region, credentials: localCredentials };
  const dynamodb = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const pollers: StreamPoller[] = [];
  let tmp: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'deskless-stream-'));
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  });
  afterAll(() => {
    dynamodb.destroy();
    streams.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh table with a NEW_IMAGE stream, so each test reads a stream nobody else writes to. */
  async function tableWithStream(): Promise<{ table: string; streamArn: string }> {
    const definition: TableDefinition = {
      name: `stream-${randomUUID().slice(0, 8)}`,
      partitionKey: 'pk',
      sortKey: 'sk',
      stream: 'NEW_IMAGE',
      envVar: 'UNUSED',
      indexes: [],
    };
    const { main: table } = await ensureTables(dynamodb, 'itest', { main: definition });
    return { table: table!, streamArn: await latestStreamArn(dynamodb, table!) };
  }

  function put(table: string, pk: string, sk: string, extra: Record<string, unknown> = {}) {
    return dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: pk }, sk: { S: sk }, ...(extra as Record<string, never>) },
      }),
    );
  }

  function start(options: Omit<StreamPollerOptions, 'streams' | 'fn'>): StreamPoller {
    const poller = startStreamPoller({ streams, fn, pollIntervalMs: 50, retryDelayMs: 20, ...options });
    pollers.push(poller);
    return poller;
  }

  const sortKeys = (records: DynamoDBRecord[]) => records.map((record) => record.dynamodb?.Keys?.sk?.S);

  it('delivers only inserted timeline events (EV#), as Lambda-shaped records', async () => {
    const { table, streamArn } = await tableWithStream();
    const pk = 'T#acme#TKT#1';
    await put(table, pk, 'META', { version: { N: '1' } });
    await put(table, pk, 'EV#01', { kind: { S: 'created' }, raw: { B: new Uint8Array([1, 2, 3]) } });
    await put(table, pk, 'TIMER#sla');
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: pk }, sk: { S: 'EV#01' } },
        UpdateExpression: 'SET touched = :t',
        ExpressionAttributeValues: { ':t': { BOOL: true } },
      }),
    );
    await dynamodb.send(
      new DeleteItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: 'TIMER#sla' } } }),
    );
    // A ticket change as the adapters write it: ticket item and its event in one transaction.
    await dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: { S: pk }, sk: { S: 'META' }, version: { N: '2' } } } },
          {
            Put: { TableName: table, Item: { pk: { S: pk }, sk: { S: 'EV#02' }, kind: { S: 'commented' } } },
          },
        ],
      }),
    );

    const received: DynamoDBRecord[] = [];
    start({
      streamArn,
      filter: outboxFilter(),
      handler: async (event: DynamoDBStreamEvent) => {
        received.push(...event.Records);
        return { batchItemFailures: [] };
      },
    });
    await vi.waitFor(() => expect(received).toHaveLength(2), { timeout: 10_000 });
    await new Promise((done) => setTimeout(done, 300));
    expect(sortKeys(received)).toEqual(['EV#01', 'EV#02']);

    const [first] = received;
    expect(first).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      awsRegion: region,
      dynamodb: {
        Keys: { pk: { S: pk }, sk: { S: 'EV#01' } },
        NewImage: { pk: { S: pk }, sk: { S: 'EV#01' }, kind: { S: 'created' }, raw: { B: 'AQID' } },
        StreamViewType: 'NEW_IMAGE',
      },
    });
    expect(first?.eventID).toBeTruthy();
    expect(first?.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
    expect(typeof first?.dynamodb?.ApproximateCreationDateTime).toBe('number');
    // JSON-safe, as a real Lambda event is.
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
  });

  it('re-delivers from the first failed sequence number (ReportBatchItemFailures)', async () => {
    const { table, streamArn } = await tableWithStream();
    for (const sk of ['EV#a', 'EV#b', 'EV#c', 'EV#d']) await put(table, 'T#acme#TKT#2', sk);

    const batches: string[][] = [];
    start({
      streamArn,
      filter: outboxFilter(),
      handler: async (event): Promise<DynamoDBBatchResponse> => {
        batches.push(sortKeys(event.Records) as string[]);
        if (batches.length > 1) return { batchItemFailures: [] };
        // First delivery: c failed, then b failed; the retry must start at b, the lower sequence number.
        const failed = event.Records.filter((record) =>
          ['EV#c', 'EV#b'].includes(record.dynamodb?.Keys?.sk?.S ?? ''),
        );
        return {
          batchItemFailures: failed
            .reverse()
            .map((record) => ({ itemIdentifier: record.dynamodb!.SequenceNumber! })),
        };
      },
    });
    await vi.waitFor(() => expect(batches).toHaveLength(2), { timeout: 10_000 });
    expect(batches).toEqual([
      ['EV#a', 'EV#b', 'EV#c', 'EV#d'],
      ['EV#b', 'EV#c', 'EV#d'],
    ]);
  });

  it('retries a thrown error with the whole batch, then skips it after retryAttempts and moves on', async () => {
    const { table, streamArn } = await tableWithStream();
    await put(table, 'T#acme#TKT#3', 'EV#poison');
    await put(table, 'T#acme#TKT#3', 'EV#fine');

    const batches: string[][] = [];
    const discarded: DiscardedBatch[] = [];
    start({
      streamArn,
      filter: outboxFilter(),
      batchSize: 1,
      retryAttempts: 2,
      onDiscard: (batch) => discarded.push(batch),
      handler: async (event) => {
        batches.push(sortKeys(event.Records) as string[]);
        if (event.Records[0]?.dynamodb?.Keys?.sk?.S === 'EV#poison') throw new Error('cannot publish');
        return undefined;
      },
    });
    await vi.waitFor(() => expect(batches.at(-1)).toEqual(['EV#fine']), { timeout: 10_000 });
    // One delivery and two retries of the poison event, then the next one.
    expect(batches).toEqual([['EV#poison'], ['EV#poison'], ['EV#poison'], ['EV#fine']]);
    expect(discarded).toEqual([expect.objectContaining({ size: 1, error: 'cannot publish' })]);
  });

  it('resumes from its checkpoint file after a restart, without replaying what was handled', async () => {
    const { table, streamArn } = await tableWithStream();
    const checkpointFile = join(tmp, `${randomUUID()}.json`);
    const received: string[] = [];
    const handler = async (event: DynamoDBStreamEvent) => {
      received.push(...(sortKeys(event.Records) as string[]));
      return { batchItemFailures: [] };
    };

    await put(table, 'T#acme#TKT#4', 'EV#1');
    await put(table, 'T#acme#TKT#4', 'EV#2');
    const first = start({ streamArn, filter: outboxFilter(), checkpointFile, handler });
    await vi.waitFor(() => expect(received).toEqual(['EV#1', 'EV#2']), { timeout: 10_000 });
    // A non-event write after the last event: the checkpoint moves past it too.
    await put(table, 'T#acme#TKT#4', 'META');
    await vi.waitFor(() => {
      const saved = JSON.parse(readFileSync(checkpointFile, 'utf8'));
      expect(saved.streamArn).toBe(streamArn);
      expect(Object.values(saved.shards)).toEqual([{ sequenceNumber: expect.stringMatching(/^\d+$/) }]);
      expect(saved.shards).toEqual(first.checkpoints());
    });
    const before = first.checkpoints();
    await first.stop();
    pollers.splice(pollers.indexOf(first), 1);

    // Written while "npm start" was down.
    await put(table, 'T#acme#TKT#4', 'EV#3');
    await put(table, 'T#acme#TKT#4', 'EV#4');
    received.length = 0;
    start({ streamArn, filter: outboxFilter(), checkpointFile, handler });
    await vi.waitFor(() => expect(received).toEqual(['EV#3', 'EV#4']), { timeout: 10_000 });
    await new Promise((done) => setTimeout(done, 300));
    expect(received).toEqual(['EV#3', 'EV#4']);
    expect(before).not.toEqual(JSON.parse(readFileSync(checkpointFile, 'utf8')).shards);

    // Without a checkpoint (first start), the whole stream from TRIM_HORIZON.
    const fresh: string[] = [];
    start({
      streamArn,
      filter: outboxFilter(),
      checkpointFile: join(tmp, `${randomUUID()}.json`),
      handler: async (event) => {
        fresh.push(...(sortKeys(event.Records) as string[]));
        return undefined;
      },
    });
    await vi.waitFor(() => expect(fresh).toEqual(['EV#1', 'EV#2', 'EV#3', 'EV#4']), { timeout: 10_000 });
  });

  it('ignores checkpoints recorded for another stream (a recreated table)', async () => {
    const { table, streamArn } = await tableWithStream();
    const other = await tableWithStream();
    const checkpointFile = join(tmp, `${randomUUID()}.json`);
    await put(other.table, 'x', 'EV#other');
    const seen: string[] = [];
    const handler = async (event: DynamoDBStreamEvent) => {
      seen.push(...(sortKeys(event.Records) as string[]));
      return undefined;
    };
    const first = start({ streamArn: other.streamArn, filter: outboxFilter(), checkpointFile, handler });
    await vi.waitFor(() => expect(seen).toEqual(['EV#other']), { timeout: 10_000 });
    await first.stop();

    await put(table, 'y', 'EV#mine');
    start({ streamArn, filter: outboxFilter(), checkpointFile, handler });
    await vi.waitFor(() => expect(seen).toEqual(['EV#other', 'EV#mine']), { timeout: 10_000 });
  });
});
