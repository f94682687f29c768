import { organizationOf } from '../../core/customers.ts';
import type { Ticket, TimelineEvent } from '../../core/model.ts';
import type { CustomerUpsert } from '../../core/ports.ts';
import { activity, keys, statusRankPrefix, views } from './keys.ts';
import type { TransactItem } from './transactions.ts';
import { withoutStorageAttributes } from './transactions.ts';

const VIEW_ATTRIBUTES = [
  'viewAll',
  'viewStatus',
  'viewGroup',
  'viewAssignee',
  'viewRequester',
  'viewQueue',
  'queuedAt',
  'viewSla',
  'slaDue',
  'activity',
  'statusActivity',
];

/** A ticket as stored: its fields plus the keys that place it in every view it belongs to. */
export function ticketItem(ticket: Ticket): Record<string, unknown> {
  const act = activity(ticket.updatedAt, ticket.number);
  const slaState =
    ticket.spam || !ticket.sla
      ? null
      : ticket.sla.breached
        ? 'breached'
        : ticket.sla.atRisk
          ? 'at_risk'
          : null;
  return {
    ...keys.ticket(ticket.tenantId, ticket.number),
    entity: 'ticket',
    ...ticket,
    viewRequester: views.requester(ticket.tenantId, ticket.requester.id),
    // Spam sits in a view of its own and in none of the queues.
    viewStatus: views.status(ticket.tenantId, ticket.spam ? 'spam' : ticket.status),
    viewAll: ticket.spam ? undefined : views.all(ticket.tenantId),
    // Sparse: unassigned or ungrouped tickets are simply absent from those views.
    viewGroup: ticket.group && !ticket.spam ? views.group(ticket.tenantId, ticket.group) : undefined,
    viewAssignee:
      ticket.assignee && !ticket.spam ? views.assignee(ticket.tenantId, ticket.assignee) : undefined,
    // Sparse: only tickets waiting for an agent are in their group's queue, oldest first.
    viewQueue: inQueue(ticket) ? views.queue(ticket.tenantId, ticket.group!) : undefined,
    queuedAt: inQueue(ticket) ? `${ticket.createdAt}#${String(ticket.number).padStart(10, '0')}` : undefined,
    // Sparse: only tickets whose SLA breached or is at risk, soonest due first.
    viewSla: slaState ? views.sla(ticket.tenantId, slaState) : undefined,
    slaDue: slaState
      ? `${ticket.sla?.nextDueAt ?? ticket.updatedAt}#${String(ticket.number).padStart(10, '0')}`
      : undefined,
    activity: act,
    statusActivity: `${statusRankPrefix(ticket.status)}${act}`,
  };
}

const inQueue = (ticket: Ticket) =>
  ticket.group !== null &&
  ticket.assignee === null &&
  !ticket.spam &&
  (ticket.status === 'new' || ticket.status === 'open');

export function ticketFromItem(item: Record<string, unknown>): Ticket {
  const ticket = withoutStorageAttributes<Ticket>(item, VIEW_ATTRIBUTES);
  // Tickets written before conversations by email existed have no participants or mailbox.
  return {
    ...ticket,
    participants: ticket.participants ?? [],
    // Tickets written before external links existed have none.
    externalLinks: ticket.externalLinks ?? [],
    mailbox: ticket.mailbox ?? null,
    conversation: ticket.conversation ?? null,
    spam: ticket.spam ?? false,
    triage: ticket.triage ?? null,
    pinnedFields: ticket.pinnedFields ?? [],
    ruleBudget: ticket.ruleBudget ?? null,
    sla: ticket.sla ?? null,
    timers: ticket.timers ?? [],
    timerEffectsDone: ticket.timerEffectsDone ?? [],
  };
}

export function eventItem(event: TimelineEvent): Record<string, unknown> {
  return { ...keys.event(event.tenantId, event.ticketNumber, event.id), entity: 'event', ...event };
}

export function eventFromItem(item: Record<string, unknown>): TimelineEvent {
  return withoutStorageAttributes<TimelineEvent>(item);
}

export function putEvents(table: string, events: readonly TimelineEvent[]): TransactItem[] {
  return events.map((event) => ({
    Put: { TableName: table, Item: eventItem(event), ConditionExpression: 'attribute_not_exists(pk)' },
  }));
}

/**
 * Creates the customer or refreshes it without a read: values already on the profile are kept
 * (`if_not_exists`), and each identity is claimed for this customer unless another customer holds it.
 */
export function upsertCustomer(
  table: string,
  tenantId: string,
  upsert: CustomerUpsert,
  now: string,
): TransactItem[] {
  if (!upsert.write) return [];
  const { ref } = upsert;
  const sets = [
    'tenantId = :tenant',
    'id = :id',
    'entity = :entity',
    'createdAt = if_not_exists(createdAt, :now)',
    'updatedAt = :now',
  ];
  const values: Record<string, unknown> = {
    ':tenant': tenantId,
    ':id': ref.id,
    ':entity': 'customer',
    ':now': now,
  };
  const optional: [string, unknown][] = [
    ['email', ref.email],
    ['phone', ref.phone],
    ['#name', ref.name],
    ['organization', upsert.organization ?? organizationOf(ref.email)],
  ];
  // Unknown values are left unset, not set to null: `if_not_exists` must still fill them in later.
  for (const [attribute, value] of optional) {
    if (!value) continue;
    const placeholder = `:${attribute.replace('#', '')}`;
    sets.push(`${attribute} = if_not_exists(${attribute}, ${placeholder})`);
    values[placeholder] = value;
  }
  const identities: TransactItem[] = (
    [
      ['email', ref.email],
      ['phone', ref.phone],
    ] as const
  ).flatMap(([kind, value]) =>
    value
      ? [
          {
            Put: {
              TableName: table,
              Item: { ...keys.identity(tenantId, kind, value), entity: 'identity', customerId: ref.id },
              ConditionExpression: 'attribute_not_exists(pk) OR customerId = :id',
              ExpressionAttributeValues: { ':id': ref.id },
            },
          },
        ]
      : [],
  );
  return [
    {
      Update: {
        TableName: table,
        Key: keys.customer(tenantId, ref.id),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ...(ref.name && { ExpressionAttributeNames: { '#name': 'name' } }),
        ExpressionAttributeValues: values,
      },
    },
    ...identities,
  ];
}
