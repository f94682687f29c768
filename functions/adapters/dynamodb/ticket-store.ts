import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import type { Page, Ticket, TimelineEvent } from '../../core/model.ts';
import {
  DuplicateMessageError,
  IdempotencyConflictError,
  type InboundMessage,
  type PageRequest,
  type TicketFilter,
  type TicketReferences,
  type TicketStore,
} from '../../core/ports.ts';
import type { Change } from '../../core/tickets.ts';
import type { TableNames } from './client.ts';
import { queryCollection } from './collection.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { idempotencyItem } from './idempotency-store.ts';
import { EVENT_PREFIX, keys, statusRankPrefix, views } from './keys.ts';
import { inboundMessagePut } from './message-store.ts';
import { eventFromItem, putEvents, ticketFromItem, ticketItem, upsertCustomer } from './ticket-items.ts';
import { type TransactItem, transact } from './transactions.ts';

function putTicket(table: string, ticket: Ticket, expectedVersion: number | null): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: ticketItem(ticket),
      ...(expectedVersion === null
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': expectedVersion },
          }),
    },
  };
}

/**
 * Existence checks of the group and agent a change points at, as ConditionChecks of the change's own
 * transaction: a reference to something that does not exist costs no extra read, and cannot race a delete.
 */
function referenceChecks(table: string, tenantId: string, references: TicketReferences | undefined) {
  const checks: { field: 'group' | 'assignee'; id: string; item: TransactItem }[] = [];
  const add = (field: 'group' | 'assignee', id: string | undefined, key: Record<string, string>) => {
    if (id)
      checks.push({
        field,
        id,
        item: { ConditionCheck: { TableName: table, Key: key, ConditionExpression: 'attribute_exists(pk)' } },
      });
  };
  add('group', references?.group, keys.group(tenantId, references?.group ?? ''));
  add('assignee', references?.assignee, keys.agent(tenantId, references?.assignee ?? ''));
  return checks;
}

/** Runs a ticket transaction whose reference checks come last, turning their failures into field errors. */
async function transactWithReferences(
  client: DynamoDBDocumentClient,
  items: TransactItem[],
  checks: ReturnType<typeof referenceChecks>,
  what: string,
  onOtherFailure?: (failed: number[]) => void,
) {
  const first = items.length;
  await transact(client, [...items, ...checks.map((c) => c.item)], what, (failed) => {
    const missing = checks.filter((_, i) => failed.includes(first + i));
    if (missing.length > 0) {
      throw new DomainError(
        'validation',
        missing.map((m) => `${m.field === 'group' ? 'group' : 'agent'} ${m.id} does not exist`).join('; '),
        missing.map((m) => ({ path: m.field, message: `${m.id} does not exist` })),
      );
    }
    onOtherFailure?.(failed);
  });
}

function changeItems(table: string, change: Change, expectedVersion: number | null): TransactItem[] {
  return [putTicket(table, change.ticket, expectedVersion), ...putEvents(table, change.events)];
}

interface ViewQuery {
  readonly index: string | undefined;
  readonly partitionAttribute: string;
  readonly partition: string;
  readonly sortAttribute: string;
  readonly sortPrefix?: string | undefined;
  /** Filters the index cannot express; applied after the read. */
  readonly residual: Partial<Record<'status' | 'group' | 'assignee', string>>;
}

/**
 * Picks the index that answers a list with one Query: the most selective filter decides (requester, then
 * assignee, then group, then status); the others become a filter expression on that Query.
 */
export function planTicketQuery(tenantId: string, filter: TicketFilter): ViewQuery {
  const { status, group, assignee, requester } = filter;
  if (status === 'spam') {
    return {
      index: 'byStatus',
      partitionAttribute: 'viewStatus',
      partition: views.status(tenantId, 'spam'),
      sortAttribute: 'activity',
      residual: { group, assignee },
    };
  }
  if (requester) {
    return {
      index: 'byRequester',
      partitionAttribute: 'viewRequester',
      partition: views.requester(tenantId, requester),
      sortAttribute: 'activity',
      residual: { status, group, assignee },
    };
  }
  if (assignee) {
    return {
      index: 'byAssignee',
      partitionAttribute: 'viewAssignee',
      partition: views.assignee(tenantId, assignee),
      sortAttribute: 'statusActivity',
      sortPrefix: status && statusRankPrefix(status),
      residual: { group },
    };
  }
  if (group) {
    return {
      index: 'byGroup',
      partitionAttribute: 'viewGroup',
      partition: views.group(tenantId, group),
      sortAttribute: 'statusActivity',
      sortPrefix: status && statusRankPrefix(status),
      residual: {},
    };
  }
  if (status) {
    return {
      index: 'byStatus',
      partitionAttribute: 'viewStatus',
      partition: views.status(tenantId, status),
      sortAttribute: 'activity',
      residual: {},
    };
  }
  return {
    index: 'byActivity',
    partitionAttribute: 'viewAll',
    partition: views.all(tenantId),
    sortAttribute: 'activity',
    residual: {},
  };
}

export class DynamoDbTicketStore implements TicketStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  async nextNumber(tenantId: string): Promise<number> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tables.main,
        Key: keys.ticketCounter(tenantId),
        UpdateExpression: 'ADD #last :one',
        ExpressionAttributeNames: { '#last': 'last' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.last);
  }

  async create(args: Parameters<TicketStore['create']>[0]): Promise<void> {
    const { change, requester, idempotency, followUpOf, references, inboundMessage } = args;
    const table = this.tables.main;
    const items: TransactItem[] = [
      ...changeItems(table, change, null),
      ...upsertCustomer(table, change.ticket.tenantId, requester, change.ticket.createdAt),
    ];
    if (followUpOf) items.push(...changeItems(table, followUpOf.change, followUpOf.expectedVersion));
    const messageIndex = items.length;
    if (inboundMessage) {
      items.push(
        inboundMessagePut(
          table,
          change.ticket.tenantId,
          change.ticket.number,
          inboundMessage,
          change.ticket.createdAt,
        ),
      );
    }
    const idempotencyIndex = items.length;
    if (idempotency) {
      items.push({
        Put: {
          TableName: this.tables.idempotency,
          Item: idempotencyItem(change.ticket.tenantId, idempotency),
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :nowSeconds',
          ExpressionAttributeValues: { ':nowSeconds': Math.floor(Date.parse(idempotency.createdAt) / 1000) },
        },
      });
    }
    const checks = referenceChecks(table, change.ticket.tenantId, references);
    await transactWithReferences(this.client, items, checks, `ticket #${change.ticket.number}`, (failed) => {
      if (idempotency && failed.includes(idempotencyIndex)) throw new IdempotencyConflictError();
      if (inboundMessage && failed.includes(messageIndex))
        throw new DuplicateMessageError(inboundMessage.messageId);
    });
  }

  async get(tenantId: string, number: number): Promise<Ticket | null> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.ticket(tenantId, number),
        ConsistentRead: true,
      }),
    );
    return result.Item ? ticketFromItem(result.Item) : null;
  }

  async save(
    change: Change,
    expectedVersion: number,
    options: Parameters<TicketStore['save']>[2] = {},
  ): Promise<void> {
    const table = this.tables.main;
    const items = changeItems(table, change, expectedVersion);
    if (options.customer) {
      items.push(...upsertCustomer(table, change.ticket.tenantId, options.customer, change.ticket.updatedAt));
    }
    const messageIndex = items.length;
    const { inboundMessage } = options;
    if (inboundMessage) {
      items.push(
        inboundMessagePut(
          table,
          change.ticket.tenantId,
          change.ticket.number,
          inboundMessage,
          change.ticket.updatedAt,
        ),
      );
    }
    const checks = referenceChecks(table, change.ticket.tenantId, options.references);
    await transactWithReferences(this.client, items, checks, `ticket #${change.ticket.number}`, (failed) => {
      if (inboundMessage && failed.includes(messageIndex))
        throw new DuplicateMessageError(inboundMessage.messageId);
    });
  }

  async appendEvents(events: readonly TimelineEvent[], inboundMessage?: InboundMessage): Promise<void> {
    if (events.length === 0) return;
    const table = this.tables.main;
    const first = events[0]!;
    const items = putEvents(table, events);
    if (inboundMessage)
      items.push(inboundMessagePut(table, first.tenantId, first.ticketNumber, inboundMessage, first.at));
    try {
      await transact(this.client, items, `events of ticket #${first.ticketNumber}`, (failed) => {
        if (inboundMessage && failed.includes(items.length - 1))
          throw new DuplicateMessageError(inboundMessage.messageId);
      });
    } catch (error) {
      // The same events again (a redelivered message): already written, nothing to do.
      if (error instanceof ConcurrentModificationError) return;
      throw error;
    }
  }

  timeline(tenantId: string, number: number, page: PageRequest): Promise<Page<TimelineEvent>> {
    return queryCollection<TimelineEvent>(
      this.client,
      this.tables.main,
      keys.ticketPk(tenantId, number),
      EVENT_PREFIX,
      page,
    );
  }

  async event(tenantId: string, number: number, eventId: string): Promise<TimelineEvent | null> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tables.main,
        Key: keys.event(tenantId, number, eventId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? eventFromItem(result.Item) : null;
  }

  async list(tenantId: string, filter: TicketFilter, page: PageRequest): Promise<Page<Ticket>> {
    const plan = planTicketQuery(tenantId, filter);
    const names: Record<string, string> = { '#pk': plan.partitionAttribute };
    const values: Record<string, unknown> = { ':pk': plan.partition };
    let condition = '#pk = :pk';
    if (plan.sortPrefix) {
      names['#sk'] = plan.sortAttribute;
      values[':prefix'] = plan.sortPrefix;
      condition += ' AND begins_with(#sk, :prefix)';
    }
    const filters = Object.entries(plan.residual)
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => {
        names[`#f_${field}`] = field;
        values[`:f_${field}`] = value;
        return `#f_${field} = :f_${field}`;
      });
    const input: QueryCommandInput = {
      TableName: this.tables.main,
      IndexName: plan.index,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, {
        attributes: ['pk', 'sk', plan.partitionAttribute, plan.sortAttribute],
        partitionAttribute: plan.partitionAttribute,
        partition: plan.partition,
      }),
      ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
    };
    const result = await this.client.send(new QueryCommand(input));
    return {
      items: (result.Items ?? []).map(ticketFromItem),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }
}
