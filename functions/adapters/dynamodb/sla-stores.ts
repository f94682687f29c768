import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import { effectiveLifecycleSettings, type LifecycleSettings } from '../../core/lifecycle-settings.ts';
import type { LifecycleSettingsStore, Schedule, ScheduleStore, SlaPolicyStore } from '../../core/ports.ts';
import { byPolicyOrder, MAX_SLA_POLICIES, type StoredSlaPolicy } from '../../core/sla/policy.ts';
import { MAX_SCHEDULES } from '../../core/use-cases/sla-config.ts';
import type { TableNames } from './client.ts';
import { queryWholeCollection } from './collection.ts';
import { keys } from './keys.ts';
import { type TransactItem, transact, withoutStorageAttributes } from './transactions.ts';

/**
 * The SLA configuration of a tenant. Schedules are the items of one partition (`T#{tenant}#SCHEDULES` /
 * `SCH#{id}`), SLA policies of another (`T#{tenant}#SLAPOLICIES` / `SLP#{id}`), each beside a counter item that
 * the create and delete transactions keep, so the caps hold under concurrent creates. Beside each schedule, a
 * `USES#{id}` item counts the policies that run on it: the policies' transactions keep it and check that the
 * schedule exists, and deleting a schedule requires it to be zero, so no policy is ever left pointing at a
 * deleted schedule. The lifecycle settings are one item among the tenant's settings (`LIFECYCLE`).
 */

/** Attempts at deleting a policy that keeps changing under the delete. */
const DELETE_ATTEMPTS = 4;

const countUpdate = (
  table: string,
  key: Record<string, string>,
  max: number,
  entity: string,
): TransactItem => ({
  Update: {
    TableName: table,
    Key: key,
    UpdateExpression: 'ADD #count :one SET entity = :entity',
    ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':one': 1, ':max': max, ':entity': entity },
  },
});

const countDown = (table: string, key: Record<string, string>): TransactItem => ({
  Update: {
    TableName: table,
    Key: key,
    UpdateExpression: 'ADD #count :minus',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':minus': -1 },
  },
});

const usesChange = (table: string, tenantId: string, scheduleId: string, delta: 1 | -1): TransactItem => ({
  Update: {
    TableName: table,
    Key: keys.scheduleUses(tenantId, scheduleId),
    UpdateExpression: 'ADD #count :delta SET entity = :entity',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':delta': delta, ':entity': 'schedule-uses' },
  },
});

const scheduleExists = (table: string, tenantId: string, scheduleId: string): TransactItem => ({
  ConditionCheck: {
    TableName: table,
    Key: keys.schedule(tenantId, scheduleId),
    ConditionExpression: 'attribute_exists(pk)',
  },
});

const missingSchedule = (scheduleId: string) =>
  new DomainError('validation', `schedule ${scheduleId} does not exist`, [
    { path: 'schedule', message: `schedule ${scheduleId} does not exist` },
  ]);

export class DynamoDbScheduleStore implements ScheduleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async create(schedule: Schedule): Promise<void> {
    const table = this.tables.main;
    await transact(
      this.client,
      [
        countUpdate(table, keys.scheduleCount(schedule.tenantId), MAX_SCHEDULES, 'schedule-count'),
        {
          Put: {
            TableName: table,
            Item: { ...keys.schedule(schedule.tenantId, schedule.id), entity: 'schedule', ...schedule },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      `schedule ${schedule.id}`,
      (failed) => {
        if (failed.includes(0)) {
          throw new DomainError(
            'validation',
            `a tenant has at most ${MAX_SCHEDULES} schedules; delete one first`,
          );
        }
        if (failed.includes(1)) throw new DomainError('conflict', `schedule ${schedule.id} exists already`);
      },
    );
  }

  async get(tenantId: string, id: string): Promise<Schedule | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.schedule(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? withoutStorageAttributes<Schedule>(result.Item) : null;
  }

  async list(tenantId: string): Promise<Schedule[]> {
    // Ids are ULIDs: the partition's own order is creation order.
    const all = await queryWholeCollection<Schedule>(
      this.client,
      this.tables.main,
      keys.schedulesPk(tenantId),
      'SCH#',
    );
    return all.slice(0, MAX_SCHEDULES);
  }

  async update(schedule: Schedule, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.main,
          Item: { ...keys.schedule(schedule.tenantId, schedule.id), entity: 'schedule', ...schedule },
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConcurrentModificationError(`schedule ${schedule.id}`);
      throw error;
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const table = this.tables.main;
    let missing = false;
    try {
      await transact(
        this.client,
        [
          {
            Delete: {
              TableName: table,
              Key: keys.schedule(tenantId, id),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Delete: {
              TableName: table,
              Key: keys.scheduleUses(tenantId, id),
              ConditionExpression: 'attribute_not_exists(#count) OR #count <= :zero',
              ExpressionAttributeNames: { '#count': 'count' },
              ExpressionAttributeValues: { ':zero': 0 },
            },
          },
          countDown(table, keys.scheduleCount(tenantId)),
        ],
        `schedule ${id}`,
        (failed) => {
          if (failed.includes(1)) {
            throw new DomainError(
              'conflict',
              `schedule ${id} is used by an SLA policy; change the policy first`,
            );
          }
          missing = failed.includes(0);
        },
      );
      return true;
    } catch (error) {
      if (missing && error instanceof ConcurrentModificationError) return false;
      throw error;
    }
  }
}

export class DynamoDbSlaPolicyStore implements SlaPolicyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  private item(policy: StoredSlaPolicy) {
    return { ...keys.slaPolicy(policy.tenantId, policy.id), entity: 'sla-policy', ...policy };
  }

  async create(policy: StoredSlaPolicy): Promise<void> {
    const table = this.tables.main;
    const { tenantId, scheduleId } = policy;
    await transact(
      this.client,
      [
        countUpdate(table, keys.slaPolicyCount(tenantId), MAX_SLA_POLICIES, 'sla-policy-count'),
        {
          Put: { TableName: table, Item: this.item(policy), ConditionExpression: 'attribute_not_exists(pk)' },
        },
        ...(scheduleId === null
          ? []
          : [scheduleExists(table, tenantId, scheduleId), usesChange(table, tenantId, scheduleId, 1)]),
      ],
      `SLA policy ${policy.id}`,
      (failed) => {
        if (failed.includes(0)) {
          throw new DomainError(
            'validation',
            `a tenant has at most ${MAX_SLA_POLICIES} SLA policies; delete one first`,
          );
        }
        if (failed.includes(1)) throw new DomainError('conflict', `SLA policy ${policy.id} exists already`);
        if (failed.includes(2) && scheduleId !== null) throw missingSchedule(scheduleId);
      },
    );
  }

  async get(tenantId: string, id: string): Promise<StoredSlaPolicy | null> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.slaPolicy(tenantId, id),
        ConsistentRead: true,
      }),
    );
    return result.Item ? withoutStorageAttributes<StoredSlaPolicy>(result.Item) : null;
  }

  async list(tenantId: string): Promise<StoredSlaPolicy[]> {
    const all = await queryWholeCollection<StoredSlaPolicy>(
      this.client,
      this.tables.main,
      keys.slaPoliciesPk(tenantId),
      'SLP#',
    );
    return all.sort(byPolicyOrder).slice(0, MAX_SLA_POLICIES);
  }

  async update(policy: StoredSlaPolicy, previous: StoredSlaPolicy): Promise<void> {
    const table = this.tables.main;
    const put = {
      TableName: table,
      Item: this.item(policy),
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': previous.version },
    };
    const { tenantId, scheduleId } = policy;
    if (scheduleId === previous.scheduleId) {
      try {
        await this.client.send(new PutCommand(put));
        return;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException)
          throw new ConcurrentModificationError(`SLA policy ${policy.id}`);
        throw error;
      }
    }
    // The policy moves to another schedule: the uses of both change with it, and the new one must exist.
    await transact(
      this.client,
      [
        { Put: put },
        ...(scheduleId === null
          ? []
          : [scheduleExists(table, tenantId, scheduleId), usesChange(table, tenantId, scheduleId, 1)]),
        ...(previous.scheduleId === null ? [] : [usesChange(table, tenantId, previous.scheduleId, -1)]),
      ],
      `SLA policy ${policy.id}`,
      (failed) => {
        if (failed.includes(1) && scheduleId !== null) throw missingSchedule(scheduleId);
      },
    );
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const table = this.tables.main;
    for (let attempt = 1; attempt <= DELETE_ATTEMPTS; attempt++) {
      // The policy is read first: its schedule's uses go down with it, guarded by the version read.
      const policy = await this.get(tenantId, id);
      if (!policy) return false;
      try {
        await transact(
          this.client,
          [
            {
              Delete: {
                TableName: table,
                Key: keys.slaPolicy(tenantId, id),
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': policy.version },
              },
            },
            countDown(table, keys.slaPolicyCount(tenantId)),
            ...(policy.scheduleId === null ? [] : [usesChange(table, tenantId, policy.scheduleId, -1)]),
          ],
          `SLA policy ${id}`,
        );
        return true;
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
      }
    }
    throw new DomainError('conflict', `SLA policy ${id} is being changed by others right now; retry`);
  }
}

export class DynamoDbLifecycleSettingsStore implements LifecycleSettingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async get(tenantId: string): Promise<LifecycleSettings> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.lifecycleSettings(tenantId),
        ConsistentRead: true,
      }),
    );
    return effectiveLifecycleSettings(result.Item ?? null);
  }

  async put(tenantId: string, settings: LifecycleSettings): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.main,
        Item: {
          ...keys.lifecycleSettings(tenantId),
          entity: 'lifecycle-settings',
          autoCloseAfterHours: settings.autoCloseAfterHours,
          pendingReminderAfterHours: settings.pendingReminderAfterHours,
          pendingAutoSolveAfterHours: settings.pendingAutoSolveAfterHours,
          csatSurveys: settings.csatSurveys,
        },
      }),
    );
  }
}
