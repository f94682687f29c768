import type { PublishedEvent } from '../domain-events.ts';
import { usageOf } from '../metering.ts';
import type { ReportStore, UsageStore } from '../ports.ts';
import { factsNeeded, reportWriteOf } from '../reporting/aggregate.ts';

/**
 * Metering: a batch of domain events becomes a handful of counter `ADD`s (per tenant, day and counter), so its
 * cost is a few write units per batch, not per event. Counts are at least once: a batch redelivered after its
 * write succeeded (the worker died before the queue deleted it) counts twice; a failed write counts nothing.
 */
export function makeMeterEvents(deps: { readonly usage: UsageStore; readonly reports?: ReportStore }) {
  return async function meterEvents(events: readonly PublishedEvent[]) {
    // Reporting counters first (core/reporting/aggregate.ts): one batch read of the few tickets solved or
    // answered, then their ADDs together. A failure there retries the batch before finance's counters moved.
    const report = deps.reports ? await meterReports(deps.reports, events) : undefined;
    const usage = usageOf(events);
    await deps.usage.add(usage);
    let writes = 0;
    for (const days of usage.values())
      for (const counts of days.values()) writes += Object.keys(counts).length;
    return { events: events.length, tenants: usage.size, counterWrites: writes, ...report };
  };
}

async function meterReports(reports: ReportStore, events: readonly PublishedEvent[]) {
  const needed = factsNeeded(events);
  const facts = needed.length > 0 ? await reports.ticketFacts(needed) : new Map();
  const written = await reports.add(reportWriteOf(events, facts));
  return { reportCounterWrites: written.counterWrites, firstReplies: written.firstReplies };
}
