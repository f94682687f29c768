import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Agent, Group } from '../../core/model.ts';
import type { RoutingSettings, RoutingStore } from '../../core/ports.ts';
import type { TableNames } from './client.ts';
import { DynamoDbAgentStore, groupFromItem } from './directory-stores.ts';
import { keys, views } from './keys.ts';

const ROUTING_SETTINGS_SK = 'ROUTING';

/** Routing's reads: groups with their round-robin cursor, a group's agents, a group's queue (byQueue index). */
export class DynamoDbRoutingStore implements RoutingStore {
  private readonly agents: DynamoDbAgentStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'main'>,
  ) {
    this.agents = new DynamoDbAgentStore(client, tables);
  }

  async group(tenantId: string, groupId: string): Promise<{ group: Group; cursor: string | null } | null> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.group(tenantId, groupId),
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return null;
    const cursor = result.Item.roundRobinCursor;
    return { group: groupFromItem(result.Item), cursor: typeof cursor === 'string' ? cursor : null };
  }

  async agentsOf(tenantId: string, groupId: string): Promise<Agent[]> {
    const members: Agent[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.agents.list(tenantId, { limit: 500, cursor });
      members.push(...page.items.filter((agent) => agent.groups.includes(groupId)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return members;
  }

  async queued(tenantId: string, groupId: string, limit: number): Promise<number[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.main,
        IndexName: 'byQueue',
        KeyConditionExpression: 'viewQueue = :queue',
        ExpressionAttributeValues: { ':queue': views.queue(tenantId, groupId) },
        ProjectionExpression: '#number',
        ExpressionAttributeNames: { '#number': 'number' },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => Number(item.number));
  }

  async settings(tenantId: string): Promise<RoutingSettings> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: { pk: keys.settingsPk(tenantId), sk: ROUTING_SETTINGS_SK },
      }),
    );
    return { defaultGroup: (result.Item?.defaultGroup as string | null | undefined) ?? null };
  }

  async putSettings(tenantId: string, settings: RoutingSettings): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tables.main,
        Item: {
          pk: keys.settingsPk(tenantId),
          sk: ROUTING_SETTINGS_SK,
          entity: 'routing-settings',
          defaultGroup: settings.defaultGroup,
        },
      }),
    );
  }
}
