import type { ArmedTimer, Ticket, TimelineEvent } from './model.ts';
import type { Clock, TicketStore } from './ports.ts';
import { planTimers, slaOf, type TimerContext } from './sla/plan.ts';
import type { Change } from './tickets.ts';
import { diffTimers, type Timer } from './timers.ts';

/** The tenant's SLA policies, schedules and lifecycle settings (loaded, possibly cached, by the caller). */
export type TimerContextSource = (tenantId: string) => Promise<TimerContext>;

/** How many applied timer effects a ticket remembers (only the current cycles' matter). */
const MAX_EFFECTS_DONE = 50;

const armed = (timers: readonly Timer[]): ArmedTimer[] =>
  timers.map((t) => ({ slot: t.slot, kind: t.kind, dueAt: t.dueAt, effect: t.effect }));

/** Every event of a ticket's timeline, oldest first, with the change's own new events after them. */
export async function wholeTimeline(
  store: TicketStore,
  ticket: Ticket,
  added: readonly TimelineEvent[],
): Promise<TimelineEvent[]> {
  const events: TimelineEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.timeline(ticket.tenantId, ticket.number, { limit: 200, cursor });
    events.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const known = new Set(events.map((e) => e.id));
  return [...events, ...added.filter((e) => !known.has(e.id))];
}

/**
 * A ticket store whose every write also keeps the ticket's deadlines: the SLA that applies (recomputed from the
 * timeline, so a changed priority, group or status re-plans as if in force from creation) and the TIMER items
 * of its warnings, breaches and lifecycle automations — written, moved or deleted in the change's own
 * transaction (DESIGN.md: timers are data). Use cases save through it unchanged.
 */
export function withTimers(
  store: TicketStore,
  deps: { readonly context: TimerContextSource; readonly clock: Clock },
): TicketStore {
  async function plan(change: Change, events: readonly TimelineEvent[]) {
    const { ticket } = change;
    const context = await deps.context(ticket.tenantId);
    const planned = planTimers(ticket, events, context, Date.parse(deps.clock.now()));
    const diff = diffTimers(ticket.timers, planned.timers);
    const next: Ticket = {
      ...ticket,
      sla: planned.sla,
      timers: armed(planned.timers),
      timerEffectsDone: ticket.timerEffectsDone.slice(-MAX_EFFECTS_DONE),
    };
    return { change: { ticket: next, events: change.events }, timers: diff };
  }

  return {
    nextNumber: (tenantId) => store.nextNumber(tenantId),
    get: (tenantId, number) => store.get(tenantId, number),
    timeline: (tenantId, number, page) => store.timeline(tenantId, number, page),
    event: (tenantId, number, eventId) => store.event(tenantId, number, eventId),
    list: (tenantId, filter, page) => store.list(tenantId, filter, page),
    appendEvents: (events, inboundMessage) => store.appendEvents(events, inboundMessage),

    async create(args) {
      const planned = await plan(args.change, args.change.events);
      await store.create({ ...args, change: planned.change, timers: planned.timers });
      // Callers hold the ticket they created: let them see its SLA and deadlines too.
      Object.assign(args.change.ticket as object, planned.change.ticket);
    },

    async save(change, expectedVersion, options = {}) {
      const events = await wholeTimeline(store, change.ticket, change.events);
      const planned = await plan(change, events);
      await store.save(planned.change, expectedVersion, { ...options, timers: planned.timers });
      Object.assign(change.ticket as object, planned.change.ticket);
    },
  };
}

/**
 * The ticket with its SLA as of now, for reading: elapsed time moves on between writes, and a policy created
 * since the last change may apply. Costs the timeline's Query; only the single-ticket read uses it.
 */
export function makeCurrentSla(
  store: TicketStore,
  deps: { readonly context: TimerContextSource; readonly clock: Clock },
) {
  return async function currentSla(ticket: Ticket): Promise<Ticket> {
    if (ticket.status === 'closed' || ticket.spam) return ticket;
    const context = await deps.context(ticket.tenantId);
    if (context.policies.length === 0) return ticket;
    const events = await wholeTimeline(store, ticket, []);
    const measured = slaOf(ticket, events, context, Date.parse(deps.clock.now()));
    return { ...ticket, sla: measured?.sla ?? null };
  };
}
