import type { ConditionTarget } from '../conditions.ts';
import type { Ticket, TicketSla } from '../model.ts';
import { type Timer, timerSlot } from '../timers.ts';
import { computeSlaMetrics, nextTimers, type SlaMetricState, type SlaTimelineEvent } from './metrics.ts';
import { type SlaPolicy, selectPolicy, targetsFor } from './policy.ts';
import { type BusinessSchedule, CALENDAR_HOURS } from './schedule.ts';

/** The tenant's lifecycle automations (PATCH /v1/settings); hours, null for off. */
export interface LifecycleTimings {
  readonly autoCloseAfterHours: number;
  readonly pendingReminderAfterHours: number | null;
  readonly pendingAutoSolveAfterHours: number | null;
}

/** What planning a ticket's deadlines needs to know about its tenant. */
export interface TimerContext {
  readonly policies: readonly SlaPolicy[];
  readonly schedules: ReadonlyMap<string, BusinessSchedule>;
  readonly lifecycle: LifecycleTimings;
}

export interface TimerPlan {
  readonly sla: TicketSla | null;
  /** Every deadline the ticket should have armed now (effects already applied left out). */
  readonly timers: readonly Timer[];
}

const HOUR_MS = 3_600_000;
const iso = (instant: number | null) => (instant === null ? null : new Date(instant).toISOString());

/** What SLA policy conditions read of a ticket (the shared condition model). */
export const conditionTargetOf = (ticket: Ticket): ConditionTarget => ({ ...ticket, comment: null });

/** The schedule a policy's clocks run on: its business schedule, or calendar hours. */
export function scheduleOf(policy: SlaPolicy, schedules: ReadonlyMap<string, BusinessSchedule>) {
  return policy.scheduleId ? (schedules.get(policy.scheduleId) ?? CALENDAR_HOURS) : CALENDAR_HOURS;
}

/** The SLA metrics of a ticket at `at`, under the policy that applies to it now; null when none applies. */
export function slaOf(
  ticket: Ticket,
  events: readonly SlaTimelineEvent[],
  context: Pick<TimerContext, 'policies' | 'schedules'>,
  at: number,
): { policy: SlaPolicy; states: SlaMetricState[]; sla: TicketSla } | null {
  const policy = selectPolicy(context.policies, conditionTargetOf(ticket));
  if (!policy) return null;
  const states = computeSlaMetrics({
    targets: targetsFor(policy, ticket.priority),
    schedule: scheduleOf(policy, context.schedules),
    events,
    at,
    ...(policy.warnBeforeMinutes !== undefined && { warnBeforeMinutes: policy.warnBeforeMinutes }),
  });
  const running = states.filter((s) => !s.paused && s.fulfilledAt === null);
  const dues = running.flatMap((s) => (s.dueAt === null ? [] : [s.dueAt]));
  const sla: TicketSla = {
    policy: { id: policy.id, name: policy.name },
    metrics: states.map((s) => ({
      metric: s.metric,
      targetMinutes: s.targetMinutes,
      dueAt: iso(s.dueAt),
      elapsedMinutes: Math.round(s.elapsedMinutes * 100) / 100,
      paused: s.paused,
      breached: s.breached,
      fulfilledAt: iso(s.fulfilledAt),
    })),
    breached: running.some((s) => s.breached),
    atRisk: running.some((s) => !s.breached && s.warnAt !== null && s.warnAt <= at),
    nextDueAt: dues.length > 0 ? iso(Math.min(...dues)) : null,
    at: new Date(at).toISOString(),
  };
  return { policy, states, sla };
}

/** When the ticket last went to pending, from its timeline (the pending automations count from then). */
function pendingSince(ticket: Ticket, events: readonly SlaTimelineEvent[]): number | null {
  if (ticket.status !== 'pending') return null;
  for (let i = events.length - 1; i >= 0; i--) {
    const data = events[i]!.data;
    if (data.type === 'status_changed' && data.to === 'pending') return Date.parse(events[i]!.at);
    if (data.type === 'created' && data.status === 'pending') return Date.parse(events[i]!.at);
  }
  return Date.parse(ticket.updatedAt);
}

/**
 * Every deadline a ticket should have armed, from its state and timeline: the SLA warnings and breaches of the
 * running metrics, auto-close of a solved ticket, and the reminder and auto-solve of a pending one. Pure: the
 * same ticket, timeline and settings always give the same plan, so re-planning after any change is safe.
 */
export function planTimers(
  ticket: Ticket,
  events: readonly SlaTimelineEvent[],
  context: TimerContext,
  now: number,
): TimerPlan {
  if (ticket.status === 'closed' || ticket.spam) return { sla: null, timers: [] };
  const base = { tenantId: ticket.tenantId, ticketNumber: ticket.number };
  const timers: Timer[] = [];
  const measured = slaOf(ticket, events, context, now);
  for (const timer of measured ? nextTimers(measured.states) : []) {
    timers.push({
      ...base,
      slot: timerSlot(timer.kind, timer.metric),
      kind: timer.kind,
      metric: timer.metric,
      dueAt: new Date(timer.at).toISOString(),
      effect: timer.key,
    });
  }
  const { lifecycle } = context;
  if (ticket.status === 'solved' && ticket.solvedAt) {
    timers.push({
      ...base,
      slot: 'auto_close',
      kind: 'auto_close',
      metric: null,
      dueAt: new Date(Date.parse(ticket.solvedAt) + lifecycle.autoCloseAfterHours * HOUR_MS).toISOString(),
      effect: `auto_close@${ticket.solvedAt}`,
    });
  }
  const since = pendingSince(ticket, events);
  if (since !== null) {
    const pendingAt = new Date(since).toISOString();
    if (lifecycle.pendingReminderAfterHours !== null) {
      timers.push({
        ...base,
        slot: 'pending_reminder',
        kind: 'pending_reminder',
        metric: null,
        dueAt: new Date(since + lifecycle.pendingReminderAfterHours * HOUR_MS).toISOString(),
        effect: `pending_reminder@${pendingAt}`,
      });
    }
    if (lifecycle.pendingAutoSolveAfterHours !== null) {
      timers.push({
        ...base,
        slot: 'pending_auto_solve',
        kind: 'pending_auto_solve',
        metric: null,
        dueAt: new Date(since + lifecycle.pendingAutoSolveAfterHours * HOUR_MS).toISOString(),
        effect: `pending_auto_solve@${pendingAt}`,
      });
    }
  }
  const done = new Set(ticket.timerEffectsDone);
  return { sla: measured?.sla ?? null, timers: timers.filter((t) => !done.has(t.effect)) };
}
