import type { DomainEvent, PublishedEvent } from '../domain-events.ts';
import {
  COUNTERS,
  CounterAdds,
  dimensionsOf,
  escalationCounter,
  firstReplyBucket,
  resolutionBucket,
  slaBreached,
  slaMet,
} from './counters.ts';
import { bucketOf } from './histogram.ts';

/**
 * From a batch of domain events to reporting counter ADDs (pure). Counted per tenant, UTC day of the event and
 * every dimension the ticket was in then (counters.ts):
 *
 * - `ticket.created` → created;
 * - `ticket.status_changed` to solved → solved, the full resolution time (solved at − created at) in the
 *   resolution histogram, and each SLA metric the ticket fulfilled without a breach as met;
 * - `ticket.status_changed` from solved back to open, pending or on hold → reopened;
 * - the first public agent comment of a ticket → its first reply time (comment at − created at) in the
 *   first-reply histogram. The comment written with the ticket (its description, same instant) is no reply.
 *   "First" is kept by a marker item per ticket, written once (conditionally) in the same transaction as the
 *   counters: see ReportWrite;
 * - `sla.breached` → a breach of its metric, and one escalation per entry of what the escalation did.
 *
 * Times need the ticket's creation instant, which no event but `ticket.created` carries: the worker reads it,
 * with the SLA state and the first-reply marker, for the few tickets of the batch that were solved or got a
 * public agent comment (`factsNeeded`): one BatchGetItem per batch.
 */

export interface TicketRef {
  readonly tenantId: string;
  readonly number: number;
}

export const ticketRefKey = (ref: TicketRef) => `${ref.tenantId}#${ref.number}`;

/** What reporting reads of a ticket (its item and its first-reply marker). */
export interface TicketFacts {
  readonly createdAt: string;
  /** The ticket's SLA metrics as stored now; empty when no policy applies. */
  readonly sla: readonly {
    readonly metric: string;
    readonly breached: boolean;
    readonly fulfilledAt: string | null;
  }[];
  /** Its first reply was counted already (the marker exists). */
  readonly firstReplied: boolean;
}

/** A ticket's first reply: counted only if its marker can still be written (once per ticket). */
export interface FirstReply {
  readonly ticket: TicketRef;
  /** The comment's instant. */
  readonly at: string;
  readonly minutes: number;
  readonly counters: CounterAdds;
}

export interface ReportWrite {
  readonly counters: CounterAdds;
  readonly firstReplies: readonly FirstReply[];
}

const ticketEvents = (events: readonly PublishedEvent[]): DomainEvent[] =>
  events.filter((event): event is DomainEvent => 'ticket' in event && event.ticket !== undefined);

const isSolve = (event: DomainEvent) =>
  event.type === 'ticket.status_changed' && event.data.to === 'solved' && event.data.from !== 'solved';

const isReopen = (event: DomainEvent) =>
  event.type === 'ticket.status_changed' &&
  event.data.from === 'solved' &&
  (event.data.to === 'open' || event.data.to === 'pending' || event.data.to === 'on_hold');

const isAgentReply = (event: DomainEvent) =>
  event.type === 'comment.added' && event.data.public === true && event.actor.type === 'agent';

/** Tickets of the batch whose facts the counters need: those solved or publicly answered by an agent. */
export function factsNeeded(events: readonly PublishedEvent[]): TicketRef[] {
  const refs = new Map<string, TicketRef>();
  for (const event of ticketEvents(events)) {
    if (!isSolve(event) && !isAgentReply(event)) continue;
    const ref = { tenantId: event.tenantId, number: event.ticket.number };
    refs.set(ticketRefKey(ref), ref);
  }
  return [...refs.values()];
}

const minutesBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;

/** A metric name or escalation part as a counter name: bounded, no separators. */
const word = (value: unknown) =>
  typeof value === 'string' && /^[A-Za-z0-9_-]{1,60}$/.test(value) ? value : 'other';

/**
 * An escalation entry of an `sla.breached` event as a reason of few values: `first_reply: priority → urgent`,
 * `first_reply: group → tier2`, `first_reply: tags added`, `first_reply: group kept (set by an agent)`.
 * Tag lists and free text never become counter names.
 */
export function escalationReason(metric: string, entry: string): string {
  const kept = /^(\w+) kept\b/.exec(entry);
  if (kept) return `${metric}: ${word(kept[1])} kept (set by an agent)`;
  const changed = /^(\w+) → (.*)$/.exec(entry);
  if (!changed) return `${metric}: ${word(entry)}`;
  const field = word(changed[1]);
  if (field === 'priority' || field === 'group' || field === 'assignee') {
    let value: unknown = changed[2];
    try {
      value = JSON.parse(changed[2]!);
    } catch {
      // a bare value, as `assignee → agt_1` is written
    }
    return `${metric}: ${field} → ${value === null ? 'none' : word(value)}`;
  }
  if (field === 'tags') return `${metric}: tags added`;
  return `${metric}: ${field} changed`;
}

/** The batch's counter ADDs, and its first replies (each counted once per ticket, see ReportWrite). */
export function reportWriteOf(
  events: readonly PublishedEvent[],
  facts: ReadonlyMap<string, TicketFacts>,
): ReportWrite {
  const counters = new CounterAdds();
  const firsts = new Map<string, DomainEvent>();
  for (const event of ticketEvents(events)) {
    const { tenantId } = event;
    const day = event.occurredAt.slice(0, 10);
    const dims = dimensionsOf(event.ticket);
    const count = (counter: string, quantity = 1) => counters.addAll(tenantId, day, dims, counter, quantity);
    const fact = facts.get(ticketRefKey({ tenantId, number: event.ticket.number }));
    if (event.type === 'ticket.created') count(COUNTERS.created);
    else if (isSolve(event)) {
      count(COUNTERS.solved);
      if (fact) {
        count(resolutionBucket(bucketOf(minutesBetween(fact.createdAt, event.occurredAt))));
        for (const metric of fact.sla) {
          if (!metric.breached && metric.fulfilledAt !== null) count(slaMet(word(metric.metric)));
        }
      }
    } else if (isReopen(event)) count(COUNTERS.reopened);
    else if (isAgentReply(event)) {
      // The ticket's description, written with it, is not a reply; nor is anything after the marker.
      if (!fact || fact.firstReplied || event.occurredAt <= fact.createdAt) continue;
      const key = ticketRefKey({ tenantId, number: event.ticket.number });
      const earlier = firsts.get(key);
      if (!earlier || event.occurredAt < earlier.occurredAt) firsts.set(key, event);
    } else if (event.type === 'sla.breached') {
      const metric = word(event.data.metric);
      count(slaBreached(metric));
      const entries = Array.isArray(event.data.escalation) ? event.data.escalation : [];
      for (const entry of entries) {
        if (typeof entry === 'string') count(escalationCounter(escalationReason(metric, entry)));
      }
    }
  }
  const firstReplies = [...firsts.entries()].map(([key, event]): FirstReply => {
    const createdAt = facts.get(key)!.createdAt;
    const minutes = minutesBetween(createdAt, event.occurredAt);
    return {
      ticket: { tenantId: event.tenantId, number: event.ticket.number },
      at: event.occurredAt,
      minutes,
      counters: new CounterAdds().addAll(
        event.tenantId,
        event.occurredAt.slice(0, 10),
        dimensionsOf(event.ticket),
        firstReplyBucket(bucketOf(minutes)),
      ),
    };
  });
  return { counters, firstReplies };
}
