import type { Agent, WorkingHours } from '../model.ts';
import { isOpen } from '../sla/business-time.ts';
import type { BusinessSchedule } from '../sla/schedule.ts';

/**
 * Why an agent cannot take a ticket right now, as a kind (for counting) and a short text (for people).
 * The kinds are checked in this order, and only the first that applies is reported.
 */
export const INELIGIBILITY_KINDS = ['not_in_group', 'away', 'at_capacity', 'off_shift'] as const;
export type IneligibilityKind = (typeof INELIGIBILITY_KINDS)[number];

export interface Ineligibility {
  readonly kind: IneligibilityKind;
  /** E.g. "away", "at capacity 10/10", "off shift (Europe/Madrid)", "not in group". */
  readonly reason: string;
}

/**
 * Working hours as a business schedule, made once per `WorkingHours` object: the SLA arithmetic caches what
 * it derives from each schedule instance, so the same agent record is compiled once, not once per decision.
 */
const schedules = new WeakMap<WorkingHours, BusinessSchedule>();

function scheduleOf(hours: WorkingHours): BusinessSchedule {
  let schedule = schedules.get(hours);
  if (schedule === undefined) {
    schedule = { timeZone: hours.timeZone, weekly: hours.weekly, holidays: [] };
    schedules.set(hours, schedule);
  }
  return schedule;
}

/**
 * Whether the agent is on shift at `nowMs`: always when they have no working hours. Working hours that cannot
 * be read (an unknown time zone, a malformed interval; the API refuses those, so only old or hand-edited data)
 * count as off shift: routing must not hand work to someone whose hours it cannot tell.
 */
export function isOnShift(agent: Pick<Agent, 'workingHours'>, nowMs: number): boolean {
  if (agent.workingHours === null) return true;
  try {
    return isOpen(scheduleOf(agent.workingHours), nowMs);
  } catch {
    return false;
  }
}

/**
 * The first reason the agent cannot take a ticket of group `groupId` at `nowMs`, or null when they can:
 * they are a member of the group, `available`, below their capacity, and on shift (working hours in their own
 * time zone; none means any time).
 */
export function ineligibility(agent: Agent, groupId: string, nowMs: number): Ineligibility | null {
  if (!agent.groups.includes(groupId)) return { kind: 'not_in_group', reason: 'not in group' };
  if (agent.status !== 'available') return { kind: 'away', reason: 'away' };
  if (!(agent.load < agent.capacity)) {
    return { kind: 'at_capacity', reason: `at capacity ${agent.load}/${agent.capacity}` };
  }
  if (!isOnShift(agent, nowMs)) {
    return { kind: 'off_shift', reason: `off shift (${agent.workingHours?.timeZone ?? 'UTC'})` };
  }
  return null;
}

/**
 * Null when the agent can take a ticket of group `groupId` now, otherwise a short human reason:
 * "not in group", "away", "at capacity 10/10" or "off shift (Europe/Madrid)".
 */
export function whyIneligible(agent: Agent, groupId: string, nowMs: number): string | null {
  return ineligibility(agent, groupId, nowMs)?.reason ?? null;
}

/** Whether the agent can take a ticket of group `groupId` now (`whyIneligible` gives the reason when not). */
export function isEligible(agent: Agent, groupId: string, nowMs: number): boolean {
  return ineligibility(agent, groupId, nowMs) === null;
}

const KIND_LABELS: Readonly<Record<IneligibilityKind, string>> = {
  not_in_group: 'not in group',
  away: 'away',
  at_capacity: 'at capacity',
  off_shift: 'off shift',
};

/**
 * Counts of reasons, most common first (ties in the order of `INELIGIBILITY_KINDS`), e.g.
 * "2 away, 1 at capacity, 1 off shift". Empty string for no reasons.
 */
export function summariseIneligibility(reasons: readonly Ineligibility[]): string {
  const counts = new Map<IneligibilityKind, number>();
  for (const { kind } of reasons) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return INELIGIBILITY_KINDS.filter((kind) => counts.has(kind))
    .sort((a, b) => counts.get(b)! - counts.get(a)!)
    .map((kind) => `${counts.get(kind)} ${KIND_LABELS[kind]}`)
    .join(', ');
}
