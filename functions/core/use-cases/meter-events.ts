import type { PublishedEvent } from '../domain-events.ts';
import { usageOf } from '../metering.ts';
import type { UsageStore } from '../ports.ts';

/**
 * Metering: a batch of domain events becomes a handful of counter `ADD`s (per tenant, day and counter), so its
 * cost is a few write units per batch, not per event. Counts are at least once: a batch redelivered after its
 * write succeeded (the worker died before the queue deleted it) counts twice; a failed write counts nothing.
 */
export function makeMeterEvents(deps: { readonly usage: UsageStore }) {
  return async function meterEvents(events: readonly PublishedEvent[]) {
    const usage = usageOf(events);
    await deps.usage.add(usage);
    let writes = 0;
    for (const days of usage.values())
      for (const counts of days.values()) writes += Object.keys(counts).length;
    return { events: events.length, tenants: usage.size, counterWrites: writes };
  };
}
