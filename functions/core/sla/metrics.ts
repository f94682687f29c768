import type { AuthorType, Status, TimelineEventData } from '../model.ts';
import type { Instant } from './business-time.ts';
import {
  pauseSlaClock,
  resumeSlaClock,
  type SlaClock,
  slaDueAt,
  slaElapsedMinutes,
  startSlaClock,
} from './clock.ts';
import { SLA_METRICS, type SlaMetricName, type SlaTargets, warnLeadMinutes } from './policy.ts';
import type { BusinessSchedule } from './schedule.ts';

/**
 * The SLA metric state machine. Metrics are recomputed by replaying the ticket's timeline from the start, so a
 * changed policy or priority (new targets) applies as if it had been in force from creation, as in Zendesk, and
 * nothing but the timeline needs storing. Definitions (time counts only in the schedule's open time):
 *
 * - first_reply: from creation to the first public agent comment.
 * - next_reply: from a customer's public comment that is not yet answered (after the first reply, or after the
 *   ticket was solved once) to the next public agent comment. Later customer comments before that answer do not
 *   restart it; the next one after it starts a new cycle.
 * - periodic_update: from each public agent comment to the next one, while the ticket is unsolved; each public
 *   agent comment fulfils the running cycle and starts the next.
 * - requester_wait: from creation while the ticket is new, open or on_hold (pauses in pending).
 * - agent_work: from creation while the ticket is new or open (pauses in pending and on_hold).
 * - resolution: from creation while the ticket is unsolved.
 *
 * Solving fulfils every running metric. Reopening (solved → open/pending/on_hold) resumes requester_wait,
 * agent_work and resolution where they stopped (their fulfilment is undone); reply metrics restart only with a
 * new comment. Closing stops everything for good. The reply metrics never pause. A metric breaches the instant
 * its elapsed time reaches the target (`dueAt`), unless fulfilled before that instant.
 */

/** The parts of a timeline event the metrics read (a full TimelineEvent fits). */
export interface SlaTimelineEvent {
  readonly at: string;
  readonly actor: { readonly type: AuthorType };
  readonly data: TimelineEventData;
}

export interface SlaMetricState {
  readonly metric: SlaMetricName;
  readonly targetMinutes: number;
  /** When this cycle of the metric started (creation, or the comment that started a reply cycle). */
  readonly startedAt: Instant;
  /**
   * The breach instant: while running, when it breaches (or breached); once fulfilled, when it was due, if that
   * is known; while paused, null unless it already breached (then the breach instant).
   */
  readonly dueAt: Instant | null;
  /** When the breach warning fires; null unless running and not yet breached (or when the lead is 0). */
  readonly warnAt: Instant | null;
  /** Open-time minutes counted so far (to the fulfilment when fulfilled), fractional to the millisecond. */
  readonly elapsedMinutes: number;
  readonly paused: boolean;
  readonly breached: boolean;
  readonly breachedAt: Instant | null;
  readonly fulfilledAt: Instant | null;
}

export interface SlaMetricsInput {
  /** The applying policy's targets for the ticket's priority (see `targetsFor`). */
  readonly targets: SlaTargets;
  /** CALENDAR_HOURS for a calendar-hours policy. */
  readonly schedule: BusinessSchedule;
  /** The ticket's timeline, oldest first. Events after `at` are ignored. */
  readonly events: readonly SlaTimelineEvent[];
  readonly at: Instant;
  readonly warnBeforeMinutes?: number;
}

/** Statuses in which the status-driven metrics count. */
const RUNS_IN: Readonly<Partial<Record<SlaMetricName, readonly Status[]>>> = {
  requester_wait: ['new', 'open', 'on_hold'],
  agent_work: ['new', 'open'],
  resolution: ['new', 'open', 'pending', 'on_hold'],
};
const FROM_CREATION: readonly SlaMetricName[] = ['first_reply', 'requester_wait', 'agent_work', 'resolution'];
const isFinal = (status: Status) => status === 'solved' || status === 'closed';

/** One cycle of one metric, as the replay advances it. */
interface Cycle {
  readonly metric: SlaMetricName;
  readonly startedAt: Instant;
  clock: SlaClock;
  fulfilledAt: Instant | null;
  breachedAt: Instant | null;
  /** The due instant when it was fulfilled while running; null otherwise. */
  dueAtFulfilment: Instant | null;
}

/** Replays the timeline up to `at` and returns the latest cycle of each targeted metric that has started. */
export function computeSlaMetrics(input: SlaMetricsInput): SlaMetricState[] {
  const { schedule, targets, at } = input;
  const cycles = new Map<SlaMetricName, Cycle>();
  const running = (cycle: Cycle) => cycle.fulfilledAt === null && cycle.clock.runningSince !== null;

  /** Records the breach if the running stretch reached the target by `t`. */
  const checkBreach = (cycle: Cycle, t: Instant) => {
    if (cycle.breachedAt !== null || !running(cycle)) return;
    const due = slaDueAt(schedule, cycle.clock, t);
    if (due !== null && due <= t) cycle.breachedAt = due;
  };
  const pause = (cycle: Cycle, t: Instant) => {
    checkBreach(cycle, t);
    cycle.clock = pauseSlaClock(schedule, cycle.clock, t);
  };
  const fulfil = (cycle: Cycle | undefined, t: Instant) => {
    if (!cycle || cycle.fulfilledAt !== null) return;
    checkBreach(cycle, t);
    cycle.dueAtFulfilment = running(cycle) ? slaDueAt(schedule, cycle.clock, t) : null;
    cycle.clock = pauseSlaClock(schedule, cycle.clock, t);
    cycle.fulfilledAt = t;
  };
  const start = (metric: SlaMetricName, t: Instant) => {
    const target = targets[metric];
    if (target === undefined) return;
    cycles.set(metric, {
      metric,
      startedAt: t,
      clock: startSlaClock(target, t),
      fulfilledAt: null,
      breachedAt: null,
      dueAtFulfilment: null,
    });
  };
  /** Runs or pauses the status-driven metrics for `status` (reopening undoes their fulfilment). */
  const followStatus = (status: Status, t: Instant, reopened: boolean) => {
    for (const [metric, statuses] of Object.entries(RUNS_IN) as [SlaMetricName, readonly Status[]][]) {
      const cycle = cycles.get(metric);
      if (!cycle) continue;
      if (reopened && cycle.fulfilledAt !== null) {
        cycle.fulfilledAt = null;
        cycle.dueAtFulfilment = null;
      }
      if (cycle.fulfilledAt !== null) continue;
      if (statuses.includes(status)) cycle.clock = resumeSlaClock(cycle.clock, t);
      else pause(cycle, t);
    }
  };

  let status: Status | null = null;
  let agentReplied = false;
  let solvedOnce = false;
  for (const event of input.events) {
    const t = Date.parse(event.at);
    if (Number.isNaN(t)) continue;
    if (t > at || status === 'closed') break;
    const { data } = event;
    if (data.type === 'created') {
      if (status !== null) continue;
      status = data.status;
      for (const metric of FROM_CREATION) start(metric, t);
      if (isFinal(status)) {
        for (const cycle of cycles.values()) fulfil(cycle, t);
        solvedOnce = true;
      } else followStatus(status, t, false);
      continue;
    }
    if (status === null) continue;
    if (data.type === 'comment' && data.public && event.actor.type === 'agent') {
      fulfil(cycles.get('first_reply'), t);
      fulfil(cycles.get('next_reply'), t);
      fulfil(cycles.get('periodic_update'), t);
      if (!isFinal(status)) start('periodic_update', t);
      agentReplied = true;
    } else if (data.type === 'comment' && data.public && event.actor.type === 'customer') {
      const nextReply = cycles.get('next_reply');
      const answered = nextReply === undefined || nextReply.fulfilledAt !== null;
      if ((agentReplied || solvedOnce) && answered) start('next_reply', t);
    } else if (data.type === 'status_changed' && data.to !== status) {
      const from: Status = status;
      status = data.to;
      if (isFinal(status)) {
        for (const cycle of cycles.values()) fulfil(cycle, t);
        solvedOnce = true;
      } else followStatus(status, t, from === 'solved');
    }
  }
  return SLA_METRICS.flatMap((metric) => {
    const cycle = cycles.get(metric);
    return cycle ? [stateAt(cycle)] : [];
  });

  function stateAt(cycle: Cycle): SlaMetricState {
    checkBreach(cycle, at);
    const isRunning = running(cycle);
    const fulfilled = cycle.fulfilledAt !== null;
    const { targetMinutes } = cycle.clock;
    let dueAt: Instant | null;
    if (isRunning) dueAt = slaDueAt(schedule, cycle.clock, at) ?? cycle.breachedAt;
    else if (fulfilled) dueAt = cycle.breachedAt ?? cycle.dueAtFulfilment;
    else dueAt = cycle.breachedAt;
    let warnAt: Instant | null = null;
    const lead = warnLeadMinutes(targetMinutes, input.warnBeforeMinutes);
    if (isRunning && cycle.breachedAt === null && lead > 0) {
      warnAt = slaDueAt(schedule, { ...cycle.clock, targetMinutes: targetMinutes - lead }, at);
    }
    return {
      metric: cycle.metric,
      targetMinutes,
      startedAt: cycle.startedAt,
      dueAt,
      warnAt,
      elapsedMinutes: slaElapsedMinutes(schedule, cycle.clock, at),
      paused: !fulfilled && !isRunning,
      breached: cycle.breachedAt !== null,
      breachedAt: cycle.breachedAt,
      fulfilledAt: cycle.fulfilledAt,
    };
  }
}

export type SlaTimerKind = 'sla_warning' | 'sla_breach';

export interface SlaTimer {
  readonly metric: SlaMetricName;
  readonly kind: SlaTimerKind;
  readonly at: Instant;
  /**
   * Names the one-time effect (`first_reply@<startedAt>:sla_breach`): each cycle warns and breaches at most once,
   * however often its timer is re-armed, so the timer consumer de-duplicates on it.
   */
  readonly key: string;
}

/**
 * What is due to happen next, earliest first: a warning and a breach for each running metric that has not
 * breached (a paused or fulfilled one has nothing due). A warning already in the past is still listed (the
 * sweeper fires it at once; `key` keeps it from firing twice); a warning at or after the breach is left out.
 */
export function nextTimers(states: readonly SlaMetricState[]): SlaTimer[] {
  const timers: SlaTimer[] = [];
  for (const state of states) {
    if (state.paused || state.breached || state.fulfilledAt !== null || state.dueAt === null) continue;
    const key = (kind: SlaTimerKind) => `${state.metric}@${state.startedAt}:${kind}`;
    if (state.warnAt !== null && state.warnAt < state.dueAt) {
      timers.push({ metric: state.metric, kind: 'sla_warning', at: state.warnAt, key: key('sla_warning') });
    }
    timers.push({ metric: state.metric, kind: 'sla_breach', at: state.dueAt, key: key('sla_breach') });
  }
  return timers.sort((a, b) => a.at - b.at);
}
