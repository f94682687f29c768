import { ConcurrentModificationError } from '../errors.ts';
import type { Actor, Ticket } from '../model.ts';
import { type Clock, DuplicateEventError, type Ids, type TicketStore } from '../ports.ts';
import { escalationOutcome } from '../sla/escalation.ts';
import { slaOf } from '../sla/plan.ts';
import type { SlaMetricName } from '../sla/policy.ts';
import { addComment, applyPatch, type Change, combineChanges, noteEvent, withReason } from '../tickets.ts';
import { type TimerContextSource, wholeTimeline } from '../timed-tickets.ts';
import type { DueTimerMessage } from '../timers.ts';

/** The timer worker acts as this system actor on the timeline. */
export const TIMERS_ACTOR: Actor = { type: 'system', id: 'timers', name: 'Deadlines' };

export const REMINDER_TEXT =
  'We are still waiting for your reply to this request. Just answer this message and we will pick it up again.';

export type FireOutcome =
  | { readonly outcome: 'applied'; readonly kind: string; readonly events: readonly string[] }
  | { readonly outcome: 'skipped'; readonly reason: string };

export interface FireTimerDeps {
  /** The timed ticket store (core/timed-tickets.ts): saving re-plans the ticket's deadlines. */
  readonly tickets: TicketStore;
  readonly context: TimerContextSource;
  readonly clock: Clock;
  readonly ids: Ids;
}

/**
 * Applies one due timer, once. The message only says which deadline fell due; the worker re-reads the ticket
 * and decides from its state now: a deadline that moved or was cleared since (a reply fulfilled the SLA, the
 * requester wrote back) does nothing. The effect, the "done" mark of the timer's effect and the re-planned
 * deadlines are one transaction guarded by the ticket's version, with the effect marked consumed: a timer
 * fired twice (a redelivery, two sweeps) changes the ticket once.
 */
export function makeFireTimer(deps: FireTimerDeps) {
  async function effectOf(ticket: Ticket, message: DueTimerMessage, kind: string, now: string) {
    const at = Date.parse(now);
    if (kind === 'sla_warning' || kind === 'sla_breach') {
      const metric = message.slot.split(':')[1] as SlaMetricName;
      const context = await deps.context(ticket.tenantId);
      const measured = slaOf(ticket, await wholeTimeline(deps.tickets, ticket, []), context, at);
      const state = measured?.states.find((s) => s.metric === metric);
      if (!measured || !state || state.fulfilledAt !== null || state.paused || state.dueAt === null) {
        return { skip: `${metric} is no longer running` };
      }
      const dueAt = new Date(state.dueAt).toISOString();
      if (kind === 'sla_warning') {
        const next = { ...ticket, version: ticket.version + 1 };
        return {
          change: {
            ticket: next,
            events: [
              noteEvent(next, TIMERS_ACTOR, now, deps.ids, {
                type: 'sla_warning',
                metric,
                policy: measured.policy.name,
                dueAt,
              }),
            ],
          } satisfies Change,
        };
      }
      if (!state.breached) return { skip: `${metric} is not breached yet (due ${dueAt})` };
      const escalation = measured.policy.escalation;
      // An escalation is automation too: fields an agent set by hand are left alone, and said so.
      const outcome = escalation ? escalationOutcome(ticket, escalation) : { patch: {}, skipped: [] };
      const { patch } = outcome;
      const kept = outcome.skipped.map((s) => `${s.field} kept (set by an agent)`);
      const escalated = withReason(
        applyPatch(ticket, patch, TIMERS_ACTOR, now, deps.ids),
        `SLA breach: ${metric} (policy “${measured.policy.name}”)`,
      );
      const changed = escalated.events.map((e) =>
        e.data.type === 'field_changed'
          ? `${e.data.field} → ${JSON.stringify(e.data.to)}`
          : e.data.type === 'assigned'
            ? `assignee → ${e.data.to}`
            : e.data.type,
      );
      const base =
        escalated.events.length > 0 ? escalated.ticket : { ...ticket, version: ticket.version + 1 };
      const breached = noteEvent(base, TIMERS_ACTOR, now, deps.ids, {
        type: 'sla_breached',
        metric,
        policy: measured.policy.name,
        dueAt,
        escalation: [...changed, ...kept],
      });
      return { change: combineChanges(ticket, [{ ticket: base, events: [breached] }, escalated]) };
    }
    const context = await deps.context(ticket.tenantId);
    if (kind === 'auto_close') {
      if (ticket.status !== 'solved') return { skip: `status is ${ticket.status}, not solved` };
      const hours = context.lifecycle.autoCloseAfterHours;
      return {
        change: withReason(
          applyPatch(ticket, { status: 'closed' }, TIMERS_ACTOR, now, deps.ids),
          `closed automatically ${hours} h after it was solved`,
        ),
      };
    }
    if (ticket.status !== 'pending') return { skip: `status is ${ticket.status}, not pending` };
    if (kind === 'pending_reminder') {
      const hours = context.lifecycle.pendingReminderAfterHours ?? 0;
      // A public comment to the requester (mailed for email tickets); the ticket stays pending.
      const reminded = addComment(ticket, { body: REMINDER_TEXT, public: true }, TIMERS_ACTOR, now, deps.ids);
      const sent = noteEvent(reminded.ticket, TIMERS_ACTOR, now, deps.ids, {
        type: 'reminder_sent',
        afterHours: hours,
      });
      return { change: { ticket: reminded.ticket, events: [...reminded.events, sent] } satisfies Change };
    }
    const hours = context.lifecycle.pendingAutoSolveAfterHours ?? 0;
    return {
      change: withReason(
        applyPatch(ticket, { status: 'solved' }, TIMERS_ACTOR, now, deps.ids),
        `solved automatically after ${hours} h without a reply from the requester`,
      ),
    };
  }

  return async function fireTimer(message: DueTimerMessage): Promise<FireOutcome> {
    for (let attempt = 1; attempt <= 6; attempt++) {
      const ticket = await deps.tickets.get(message.tenantId, message.ticketNumber);
      if (!ticket) return { outcome: 'skipped', reason: 'the ticket does not exist' };
      const armed = ticket.timers.find((t) => t.slot === message.slot);
      if (!armed || armed.effect !== message.effect) {
        return { outcome: 'skipped', reason: 'the deadline moved or was cleared since it was swept' };
      }
      const now = deps.clock.now();
      if (armed.dueAt > now) return { outcome: 'skipped', reason: `not due until ${armed.dueAt}` };
      const effect = await effectOf(ticket, message, armed.kind, now);
      const applied = 'change' in effect ? effect.change : null;
      // Done either way: the effect happened, or there is nothing left for this deadline to do.
      const done = [...ticket.timerEffectsDone, message.effect];
      const change: Change = applied
        ? { ...applied, ticket: { ...applied.ticket, timerEffectsDone: done } }
        : { ticket: { ...ticket, timerEffectsDone: done, version: ticket.version + 1 }, events: [] };
      try {
        await deps.tickets.save(change, ticket.version, {
          consumedEvent: { consumer: 'timer', eventId: message.effect },
        });
        return applied
          ? { outcome: 'applied', kind: armed.kind, events: applied.events.map((e) => e.data.type) }
          : { outcome: 'skipped', reason: (effect as { skip: string }).skip };
      } catch (error) {
        if (error instanceof DuplicateEventError) return { outcome: 'skipped', reason: 'already applied' };
        if (error instanceof ConcurrentModificationError) continue;
        throw error;
      }
    }
    throw new ConcurrentModificationError(`timer ${message.slot} of ticket #${message.ticketNumber}`);
  };
}
