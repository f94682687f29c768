import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { agentLoadChanges } from '../../core/agent-load.ts';
import { ConcurrentModificationError, DomainError } from '../../core/errors.ts';
import type { Page, Ticket, TimelineEvent } from '../../core/model.ts';
import {
  AgentUnavailableError,
  type AssignmentClaims,
  type ConsumedEvent,
  ConversationClaimedError,
  DuplicateEventError,
  DuplicateMessageError,
  IdempotencyConflictError,
  type InboundMessage,
  type PageRequest,
  type TicketFilter,
  type TicketReferences,
  type TicketStore,
  type TimerWrites,
} from '../../core/ports.ts';
import type { Change } from '../../core/tickets.ts';
import { conversationPut } from './channel-store.ts';
import type { TableNames } from './client.ts';
import { queryCollection } from './collection.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { idempotencyItem } from './idempotency-store.ts';
import { EVENT_PREFIX, keys, statusRankPrefix, views } from './keys.ts';
import { inboundMessagePut } from './message-store.ts';
import { eventFromItem, putEvents, ticketFromItem, ticketItem, upsertCustomer } from './ticket-items.ts';
import { timerItem } from './timer-items.ts';
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
 * Existence checks of the group and agent a change points at, as conditions of the change's own transaction: a
 * reference to something that does not exist costs no extra read, and cannot race a delete. The assignee's check
 * rides on its load counter update when the change moves that counter (one item appears once per transaction).
 */
interface Guard {
  readonly item: TransactItem;
  /** Turns the item's failed condition into the error the caller sees. */
  readonly failure: () => Error;
}

function missingReference(field: 'group' | 'assignee', id: string) {
  const what = field === 'group' ? 'group' : 'agent';
  return new DomainError('validation', `${what} ${id} does not exist`, [
    { path: field, message: `${id} does not exist` },
  ]);
}

function guards(
  table: string,
  change: Change,
  references: TicketReferences | undefined,
  assignment: AssignmentClaims | undefined,
): Guard[] {
  const tenantId = change.ticket.tenantId;
  const result: Guard[] = [];
  const turn = assignment?.roundRobin;
  // The round-robin cursor update touches the group item too, and proves it exists (an item once per transaction).
  if (references?.group && references.group !== turn?.group) {
    const id = references.group;
    result.push({
      item: {
        ConditionCheck: {
          TableName: table,
          Key: keys.group(tenantId, id),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      failure: () => missingReference('group', id),
    });
  }
  const loads = agentLoadChanges(change);
  for (const [agentId, delta] of loads) {
    const guarded = delta > 0 && assignment?.withinCapacity === true;
    result.push({
      item: {
        Update: {
          TableName: table,
          Key: keys.agent(tenantId, agentId),
          UpdateExpression: 'ADD #load :delta',
          ConditionExpression: guarded
            ? 'attribute_exists(pk) AND (attribute_not_exists(#load) OR #load < #capacity)'
            : 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#load': 'load', ...(guarded && { '#capacity': 'capacity' }) },
          ExpressionAttributeValues: { ':delta': delta },
        },
      },
      failure: () =>
        guarded
          ? new AgentUnavailableError(agentId)
          : agentId === references?.assignee
            ? missingReference('assignee', agentId)
            : new ConcurrentModificationError(`agent ${agentId}`),
    });
  }
  if (references?.assignee && !loads.has(references.assignee)) {
    const id = references.assignee;
    result.push({
      item: {
        ConditionCheck: {
          TableName: table,
          Key: keys.agent(tenantId, id),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      failure: () => missingReference('assignee', id),
    });
  }
  if (turn) {
    result.push({
      item: {
        Update: {
          TableName: table,
          Key: keys.group(tenantId, turn.group),
          UpdateExpression: 'SET roundRobinCursor = :to',
          ConditionExpression:
            turn.from === null
              ? 'attribute_exists(pk) AND (attribute_not_exists(roundRobinCursor) OR roundRobinCursor = :null)'
              : 'roundRobinCursor = :from',
          ExpressionAttributeValues: {
            ':to': turn.to,
            ...(turn.from === null ? { ':null': null } : { ':from': turn.from }),
          },
        },
      },
      failure: () => new ConcurrentModificationError(`round robin of group ${turn.group}`),
    });
  }
  return result;
}

/** Runs a ticket transaction whose guards come last, turning their failures into the errors they stand for. */
async function transactWithGuards(
  client: DynamoDBDocumentClient,
  items: TransactItem[],
  checks: readonly Guard[],
  what: string,
  onOtherFailure?: (failed: number[]) => void,
) {
  const first = items.length;
  await transact(client, [...items, ...checks.map((c) => c.item)], what, (failed) => {
    onOtherFailure?.(failed);
    const failedGuards = checks.filter((_, i) => failed.includes(first + i)).map((c) => c.failure());
    const missing = failedGuards.filter((e): e is DomainError => e instanceof DomainError);
    if (missing.length > 0) {
      throw new DomainError(
        'validation',
        missing.map((e) => e.message).join('; '),
        missing.flatMap((e) => e.fieldErrors),
      );
    }
    const [firstFailure] = failedGuards;
    // The ticket's own version check failing means someone else changed it: that comes first.
    if (firstFailure && !failed.includes(0)) throw firstFailure;
  });
}

/** The marker of a consumed event: kept 30 days, far longer than any redelivery. */
function consumedEventPut(
  table: string,
  tenantId: string,
  consumed: ConsumedEvent,
  now: string,
): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: {
        ...keys.consumedEvent(tenantId, consumed.consumer, consumed.eventId),
        entity: 'consumed-event',
        at: now,
        expiresAt: Math.floor(Date.parse(now) / 1000) + 30 * 24 * 3600,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

function changeItems(table: string, change: Change, expectedVersion: number | null): TransactItem[] {
  return [putTicket(table, change.ticket, expectedVersion), ...putEvents(table, change.events)];
}

/** The change's TIMER items: armed or moved ones written whole (a fresh, unclaimed item), cleared ones deleted. */
function timerItems(table: string, ticket: Ticket, writes: TimerWrites | undefined): TransactItem[] {
  if (!writes) return [];
  return [
    ...writes.put.map((timer): TransactItem => ({ Put: { TableName: table, Item: timerItem(timer) } })),
    ...writes.remove.map(
      (slot): TransactItem => ({
        Delete: { TableName: table, Key: keys.timer(ticket.tenantId, ticket.number, slot) },
      }),
    ),
  ];
}

interface ViewQuery {
  readonly index: string | undefined;
  readonly partitionAttribute: string;
  readonly partition: string;
  readonly sortAttribute: string;
  readonly sortPrefix?: string | undefined;
  /** Filters the index cannot express; applied after the read. */
  readonly residual: Partial<Record<'status' | 'group' | 'assignee', string>>;
  /** Oldest (soonest) first instead of newest first. */
  readonly ascending?: boolean;
}

/**
 * Picks the index that answers a list with one Query: the most selective filter decides (requester, then
 * assignee, then group, then status); the others become a filter expression on that Query.
 */
export function planTicketQuery(tenantId: string, filter: TicketFilter): ViewQuery {
  const { status, group, assignee, requester } = filter;
  if (filter.sla) {
    return {
      index: 'bySla',
      partitionAttribute: 'viewSla',
      partition: views.sla(tenantId, filter.sla),
      sortAttribute: 'slaDue',
      residual: { status: status === 'spam' ? undefined : status, group, assignee },
      ascending: true,
    };
  }
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
    /** Workers that never create tickets with an Idempotency-Key (triage, routing) get no idempotency table. */
    private readonly tables: Pick<TableNames, 'main'> & Partial<Pick<TableNames, 'idempotency'>>,
  ) {}

  private idempotencyTable(): string {
    if (!this.tables.idempotency)
      throw new Error('this ticket store was built without the idempotency table');
    return this.tables.idempotency;
  }

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
      ...timerItems(table, change.ticket, args.timers),
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
    const conversationIndex = items.length;
    if (args.conversation) {
      items.push(
        conversationPut(
          table,
          change.ticket.tenantId,
          change.ticket.number,
          args.conversation,
          change.ticket.createdAt,
        ),
      );
    }
    const idempotencyIndex = items.length;
    if (idempotency) {
      items.push({
        Put: {
          TableName: this.idempotencyTable(),
          Item: idempotencyItem(change.ticket.tenantId, idempotency),
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :nowSeconds',
          ExpressionAttributeValues: { ':nowSeconds': Math.floor(Date.parse(idempotency.createdAt) / 1000) },
        },
      });
    }
    const checks = guards(table, change, references, undefined);
    await transactWithGuards(this.client, items, checks, `ticket #${change.ticket.number}`, (failed) => {
      if (idempotency && failed.includes(idempotencyIndex)) throw new IdempotencyConflictError();
      if (inboundMessage && failed.includes(messageIndex))
        throw new DuplicateMessageError(inboundMessage.messageId);
      if (args.conversation && failed.includes(conversationIndex))
        throw new ConversationClaimedError(args.conversation.ref.conversationId);
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
    const items = [
      ...changeItems(table, change, expectedVersion),
      ...timerItems(table, change.ticket, options.timers),
    ];
    if (options.customer) {
      items.push(...upsertCustomer(table, change.ticket.tenantId, options.customer, change.ticket.updatedAt));
    }
    const messageIndex = items.length;
    const { inboundMessage, consumedEvent } = options;
    const tenantId = change.ticket.tenantId;
    if (inboundMessage) {
      items.push(
        inboundMessagePut(table, tenantId, change.ticket.number, inboundMessage, change.ticket.updatedAt),
      );
    }
    const consumedIndex = items.length;
    if (consumedEvent) items.push(consumedEventPut(table, tenantId, consumedEvent, change.ticket.updatedAt));
    const checks = guards(table, change, options.references, options.assignment);
    await transactWithGuards(this.client, items, checks, `ticket #${change.ticket.number}`, (failed) => {
      if (inboundMessage && failed.includes(messageIndex))
        throw new DuplicateMessageError(inboundMessage.messageId);
      if (consumedEvent && failed.includes(consumedIndex))
        throw new DuplicateEventError(consumedEvent.consumer, consumedEvent.eventId);
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
      ScanIndexForward: plan.ascending === true,
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
