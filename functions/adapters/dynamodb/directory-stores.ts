import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import type { Agent, CustomFieldDefinition, Group, Page } from '../../core/model.ts';
import type { AgentStore, CustomFieldStore, GroupStore, PageRequest } from '../../core/ports.ts';
import { batchGet } from './batch-get.ts';
import type { TableNames } from './client.ts';
import { queryCollection, queryWholeCollection } from './collection.ts';
import { keys } from './keys.ts';
import { type TransactItem, transact, withoutStorageAttributes } from './transactions.ts';

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
    return result.Item ? withoutStorageAttributes<Agent>(result.Item) : null;
  }

  list(tenantId: string, page: PageRequest): Promise<Page<Agent>> {
    return queryCollection<Agent>(this.client, this.tables.main, keys.agentsPk(tenantId), 'AGT#', page);
  }

  async update(agent: Agent, previous: Agent): Promise<void> {
    const table = this.tables.main;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: table,
          Item: { ...keys.agent(agent.tenantId, agent.id), entity: 'agent', ...agent },
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': previous.version },
        },
      },
    ];
    const emailChanged = agent.email !== previous.email;
    if (emailChanged) {
      items.push(emailClaim(table, agent), {
        Delete: { TableName: table, Key: keys.agentEmail(previous.tenantId, previous.email) },
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
    return result.Item ? withoutStorageAttributes<Group>(result.Item) : null;
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

  list(tenantId: string, page: PageRequest): Promise<Page<Group>> {
    return queryCollection<Group>(this.client, this.tables.main, keys.groupsPk(tenantId), 'GRP#', page);
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
