import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentEvent } from '../../core/agent-events.ts';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import type { Agent, CustomFieldDefinition, Group, Page } from '../../core/model.ts';
import type { AgentStore, CustomFieldStore, GroupStore, PageRequest } from '../../core/ports.ts';
import { batchGet } from './batch-get.ts';
import type { TableNames } from './client.ts';
import { queryCollection, queryWholeCollection } from './collection.ts';
import { keys } from './keys.ts';
import { type TransactItem, transact, withoutStorageAttributes } from './transactions.ts';

/** Agents stored before routing existed have no load counter or working hours. */
function agentFromItem(item: Record<string, unknown>): Agent {
  const agent = withoutStorageAttributes<Agent>(item);
  return { ...agent, load: agent.load ?? 0, workingHours: agent.workingHours ?? null };
}

function emailClaim(table: string, agent: Agent): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { ...keys.agentEmail(agent.tenantId, agent.email), entity: 'agent-email', agentId: agent.id },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

const emailTaken = (email: string) =>
  new DomainError('conflict', `an agent with email ${email} already exists`, [
    { path: 'email', message: 'is already used by another agent' },
  ]);

export class DynamoDbAgentStore implements AgentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async create(agent: Agent): Promise<void> {
    const table = this.tables.main;
    await transact(
      this.client,
      [
        emailClaim(table, agent),
        {
          Put: {
            TableName: table,
            Item: { ...keys.agent(agent.tenantId, agent.id), entity: 'agent', ...agent },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      `agent ${agent.id}`,
      (failed) => {
        if (failed.includes(0)) throw emailTaken(agent.email);
      },
    );
  }

  async get(tenantId: string, id: string): Promise<Agent | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.agent(tenantId, id), ConsistentRead: true }),
    );
    return result.Item ? agentFromItem(result.Item) : null;
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Agent>> {
    const result = await queryCollection<Record<string, unknown>>(
      this.client,
      this.tables.main,
      keys.agentsPk(tenantId),
      'AGT#',
      page,
    );
    return { ...result, items: result.items.map(agentFromItem) };
  }

  async update(agent: Agent, previous: Agent, event?: AgentEvent | null): Promise<void> {
    const table = this.tables.main;
    // SET of the editable fields only: `load` is kept by ticket transactions and must never be written back.
    const editable = {
      name: agent.name,
      email: agent.email,
      role: agent.role,
      groups: agent.groups,
      skills: agent.skills,
      capacity: agent.capacity,
      status: agent.status,
      workingHours: agent.workingHours,
      updatedAt: agent.updatedAt,
      version: agent.version,
    };
    const names = Object.fromEntries(Object.keys(editable).map((field) => [`#${field}`, field]));
    const values = Object.fromEntries(Object.entries(editable).map(([field, value]) => [`:${field}`, value]));
    const items: TransactItem[] = [
      {
        Update: {
          TableName: table,
          Key: keys.agent(agent.tenantId, agent.id),
          UpdateExpression: `SET ${Object.keys(editable)
            .map((field) => `#${field} = :${field}`)
            .join(', ')}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':expected': previous.version },
        },
      },
    ];
    const emailChanged = agent.email !== previous.email;
    if (emailChanged) {
      items.push(emailClaim(table, agent), {
        Delete: { TableName: table, Key: keys.agentEmail(previous.tenantId, previous.email) },
      });
    }
    if (event) {
      items.push({
        Put: {
          TableName: table,
          Item: {
            ...keys.agentEvent(agent.tenantId, event.id),
            entity: 'agent-event',
            ...event,
            // Only the outbox needs it: gone after a week.
            expiresAt: Math.floor(Date.parse(event.at) / 1000) + 7 * 24 * 3600,
          },
        },
      });
    }
    try {
      await transact(this.client, items, `agent ${agent.id}`, (failed) => {
        if (emailChanged && failed.includes(1)) throw emailTaken(agent.email);
      });
    } catch (error) {
      if (error instanceof ConcurrentModificationError) {
        throw new DomainError(
          'conflict',
          `agent ${agent.id} was changed by someone else; read it again and retry`,
        );
      }
      throw error;
    }
  }
}

/** The round-robin cursor is routing's bookkeeping, not part of the group; older groups assign manually. */
export function groupFromItem(item: Record<string, unknown>): Group {
  const group = withoutStorageAttributes<Group>(item, ['roundRobinCursor']);
  return { ...group, assignment: group.assignment ?? 'manual' };
}

export class DynamoDbGroupStore implements GroupStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async create(group: Group): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.main,
        Item: { ...keys.group(group.tenantId, group.id), entity: 'group', ...group },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(tenantId: string, id: string): Promise<Group | null> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tables.main, Key: keys.group(tenantId, id) }),
    );
    return result.Item ? groupFromItem(result.Item) : null;
  }

  async update(group: Group): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tables.main,
        Key: keys.group(group.tenantId, group.id),
        UpdateExpression: 'SET #name = :name, description = :description, assignment = :assignment',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: {
          ':name': group.name,
          ':description': group.description,
          ':assignment': group.assignment,
        },
      }),
    );
  }

  async missing(tenantId: string, ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    const found = new Set<string>();
    for (let i = 0; i < unique.length; i += 100) {
      const chunk = unique.slice(i, i + 100).map((id) => keys.group(tenantId, id));
      for (const item of await batchGet(this.client, this.tables.main, chunk)) found.add(String(item.id));
    }
    return unique.filter((id) => !found.has(id));
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Group>> {
    const result = await queryCollection<Record<string, unknown>>(
      this.client,
      this.tables.main,
      keys.groupsPk(tenantId),
      'GRP#',
      page,
    );
    return { ...result, items: result.items.map(groupFromItem) };
  }
}

export class DynamoDbCustomFieldStore implements CustomFieldStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {}

  async create(tenantId: string, definition: CustomFieldDefinition): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.main,
          Item: { ...keys.customField(tenantId, definition.key), entity: 'custom-field', ...definition },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new DomainError('conflict', `custom field ${definition.key} is already declared`, [
          { path: 'key', message: 'is already declared' },
        ]);
      }
      throw error;
    }
  }

  list(tenantId: string): Promise<CustomFieldDefinition[]> {
    return queryWholeCollection<CustomFieldDefinition>(
      this.client,
      this.tables.main,
      keys.settingsPk(tenantId),
      'CF#',
    );
  }
}
