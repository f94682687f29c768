import type { Meter } from './cost/meters.ts';
import type { PublishedEvent } from './domain-events.ts';

/**
 * Usage metering from the domain events: what each published event says was used, counted per tenant per day.
 * Billing meters (core/cost/meters.ts) come with business counts the cost report divides by (tickets created).
 * Meters that no event shows (DynamoDB capacity, Lambda time) are measured elsewhere.
 */
export type UsageCounter = Meter | 'tickets.created' | 'tickets.solved' | 'metering.counter_writes';

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
    const day = event.occurredAt.slice(0, 10);
    const count = (counter: UsageCounter, quantity = 1) => add(usage, event.tenantId, day, counter, quantity);
    // Every event went through the bus once.
    count('events.published');
    if (!('ticket' in event)) continue;
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
      case 'ticket.triaged': {
        const triage = data.triage as { classifier?: unknown } | undefined;
        if (typeof triage?.classifier === 'string' && triage.classifier.startsWith('bedrock:'))
          count('ai.calls');
        break;
      }
    }
  }
  return usage;
}
