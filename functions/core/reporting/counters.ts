import type { Channel, TicketSummary } from '../model.ts';

/**
 * Reporting counters: per tenant, day, dimension and counter, each one number that only ever grows by ADD.
 *
 * A counted fact is added under every dimension the ticket belongs to at that moment (the ticket summary of the
 * event carries its group, channel and assignee): the whole tenant (`ALL`), its group (`G#…`), its channel
 * (`C#…`), the group × channel cell (`GC#…#…`) and its assignee (`A#…`). A report for any one filter (none, a
 * group, a channel, both, an agent) then reads exactly its own dimension: one Query per month over the days
 * asked, never more items than days × counters. The price is five ADDs per counted fact.
 */

/** Stands for "none" (no group, unassigned): ids are letters, digits, `_` and `-`, never `~`. */
export const NONE = '~';

export const COUNTERS = {
  created: 'created',
  solved: 'solved',
  /** A solved ticket back to open, pending or on hold. */
  reopened: 'reopened',
  csatResponses: 'csat.responses',
  /** Survey answers with a score of 4 or 5. */
  csatSatisfied: 'csat.satisfied',
} as const;

/** Histogram bucket counters (see histogram.ts). */
export const firstReplyBucket = (index: number) => `frt.${index}`;
export const resolutionBucket = (index: number) => `res.${index}`;
/** SLA metrics fulfilled without breach, per solve; breaches, per `sla.breached` event. */
export const slaMet = (metric: string) => `sla.${metric}.met`;
export const slaBreached = (metric: string) => `sla.${metric}.breached`;
export const escalationCounter = (reason: string) => `esc.${reason}`;
/** Customer effort answers, one counter per effort value (1–7): responses, average and easy share follow. */
export const effortCounter = (effort: number) => `ces.${effort}`;

/** A report's filter; group and channel combine, an agent stands alone. */
export interface ReportFilter {
  readonly group?: string | undefined;
  readonly channel?: Channel | undefined;
  readonly agent?: string | undefined;
}

/** Keeps a value from breaking the `#`-separated sort key. */
const part = (value: string | null | undefined) =>
  value === null || value === undefined || value === '' ? NONE : value.replaceAll('#', '_');

/** The one dimension a filter reads. */
export function dimensionOf(filter: ReportFilter): string {
  if (filter.agent !== undefined) return `A#${part(filter.agent)}`;
  if (filter.group !== undefined && filter.channel !== undefined)
    return `GC#${part(filter.group)}#${part(filter.channel)}`;
  if (filter.group !== undefined) return `G#${part(filter.group)}`;
  if (filter.channel !== undefined) return `C#${part(filter.channel)}`;
  return 'ALL';
}

/** Every dimension a ticket in this state counts under. */
export function dimensionsOf(
  ticket: Partial<Pick<TicketSummary, 'group' | 'channel' | 'assignee'>>,
): readonly string[] {
  const group = part(ticket.group);
  const channel = part(ticket.channel);
  return ['ALL', `G#${group}`, `C#${channel}`, `GC#${group}#${channel}`, `A#${part(ticket.assignee)}`];
}

/** Where one counter lives. */
export interface CounterCell {
  readonly tenantId: string;
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  readonly dimension: string;
  readonly counter: string;
}

/** Counter ADDs, merged per cell (a transaction may touch an item only once). */
export class CounterAdds {
  private readonly cells = new Map<string, { cell: CounterCell; quantity: number }>();

  add(cell: CounterCell, quantity = 1): this {
    if (quantity === 0) return this;
    const key = `${cell.tenantId}\u0000${cell.day}\u0000${cell.dimension}\u0000${cell.counter}`;
    const current = this.cells.get(key);
    if (current) current.quantity += quantity;
    else this.cells.set(key, { cell, quantity });
    return this;
  }

  /** One counter under each of `dimensions`. */
  addAll(tenantId: string, day: string, dimensions: readonly string[], counter: string, quantity = 1): this {
    for (const dimension of dimensions) this.add({ tenantId, day, dimension, counter }, quantity);
    return this;
  }

  merge(other: CounterAdds): this {
    for (const { cell, quantity } of other.entries()) this.add(cell, quantity);
    return this;
  }

  entries(): { readonly cell: CounterCell; readonly quantity: number }[] {
    return [...this.cells.values()]
      .filter((entry) => entry.quantity !== 0)
      .map(({ cell, quantity }) => ({ cell, quantity }));
  }

  get size(): number {
    return this.entries().length;
  }
}
