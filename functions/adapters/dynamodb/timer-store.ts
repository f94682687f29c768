import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DueTimerPage, TimerStore } from '../../core/ports.ts';
import { CLAIM_LEASE_MS, type Timer } from '../../core/timers.ts';
import { tables as topologyTables } from '../../topology.ts';
import type { TableNames } from './client.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { dueShardKey, timerFromItem, timerKey } from './timer-items.ts';

const DUE_INDEX = topologyTables.main.indexes.find((index) => index.name === 'dueTimers')!;

/** When a claim made before this instant has expired. */
const leaseCutoff = (now: string): string => new Date(Date.parse(now) - CLAIM_LEASE_MS).toISOString();

/**
 * The due index and the claim. `due` is one Query on one shard's partition of the sparse `dueTimers` index,
 * bounded above by `now`: it reads only what is due, however many timers are armed for later. A timer a sweep
 * still holds is filtered out (it would only fail its claim, and a failed conditional write costs a write).
 */
export class DynamoDbTimerStore implements TimerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async due(shard: number, now: string, limit: number, cursor?: string): Promise<DueTimerPage> {
    const partition = dueShardKey(shard);
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.main,
        IndexName: DUE_INDEX.name,
        KeyConditionExpression: '#shard = :shard AND #dueAt <= :now',
        FilterExpression: 'attribute_not_exists(#claimedAt) OR #claimedAt < :cutoff',
        ExpressionAttributeNames: {
          '#shard': DUE_INDEX.partitionKey,
          '#dueAt': DUE_INDEX.sortKey,
          '#claimedAt': 'claimedAt',
        },
        ExpressionAttributeValues: { ':shard': partition, ':now': now, ':cutoff': leaseCutoff(now) },
        ScanIndexForward: true,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, {
          attributes: ['pk', 'sk', DUE_INDEX.partitionKey, DUE_INDEX.sortKey],
          partitionAttribute: DUE_INDEX.partitionKey,
          partition,
        }),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    return {
      timers: (result.Items ?? []).map(timerFromItem),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
      ...(result.ConsumedCapacity?.CapacityUnits !== undefined && {
        readUnits: result.ConsumedCapacity.CapacityUnits,
      }),
    };
  }

  async claim(timer: Timer, now: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.main,
          Key: timerKey(timer),
          UpdateExpression: 'SET #claimedAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND #dueAt = :dueAt AND #effect = :effect AND ' +
            '(attribute_not_exists(#claimedAt) OR #claimedAt < :cutoff)',
          ExpressionAttributeNames: { '#claimedAt': 'claimedAt', '#dueAt': 'dueAt', '#effect': 'effect' },
          ExpressionAttributeValues: {
            ':now': now,
            ':dueAt': timer.dueAt,
            ':effect': timer.effect,
            ':cutoff': leaseCutoff(now),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
