import type { Meter } from './cost/meters.ts';
import type { PublishedEvent } from './domain-events.ts';

/**
 * Usage metering from the domain events: what each published event says was used, counted per tenant per day.
 * Billing meters (core/cost/meters.ts) come with business counts the cost report divides by (tickets created)
 * and counts that are not money (tickets solved, classifications by the built-in classifier). Meters that no
 * event shows are measured where the work happens (adapters/metering): DynamoDB capacity, Lambda time and
 * logs, events put on the bus (by the dispatcher), S3 writes, Bedrock calls and tokens, and metering's own
 * counter writes (`metering.counter_writes`).
 */
export type UsageCounter = Meter | 'tickets.created' | 'tickets.solved' | 'triage.builtin_calls';

/** Counts per counter for one tenant and one day. */
export type DayUsage = Partial<Record<UsageCounter, number>>;

/** `{ tenantId → { 'YYYY-MM-DD' → counts } }`. */
export type UsageByTenantDay = Map<string, Map<string, DayUsage>>;

function add(usage: UsageByTenantDay, tenantId: string, day: string, counter: UsageCounter, quantity = 1) {
  const days = usage.get(tenantId) ?? new Map<string, DayUsage>();
  usage.set(tenantId, days);
  const counts = days.get(day) ?? {};
  counts[counter] = (counts[counter] ?? 0) + quantity;
  days.set(day, counts);
}

/** What a batch of published events used, per tenant and (UTC) day of the event. */
export function usageOf(events: readonly PublishedEvent[]): UsageByTenantDay {
  const usage: UsageByTenantDay = new Map();
  for (const event of events) {
    if (!('ticket' in event)) continue;
    const day = event.occurredAt.slice(0, 10);
    const count = (counter: UsageCounter, quantity = 1) => add(usage, event.tenantId, day, counter, quantity);
    // Events put on the bus are counted by the dispatcher that puts them (per 64 KB entry chunk), and Bedrock
    // calls by the classifier that makes them (with their tokens): neither is counted again here.
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'ticket.created':
        count('tickets.created');
        break;
      case 'email.sent':
        count('ses.mails_out');
        break;
      case 'ticket.status_changed':
        if (data.to === 'solved') count('tickets.solved');
        break;
    }
  }
  return usage;
}
