import type { Clock } from '../ports.ts';
import type { LifecycleTimings, TimerContext } from '../sla/plan.ts';
import type { SlaPolicy } from '../sla/policy.ts';
import type { BusinessSchedule } from '../sla/schedule.ts';
import type { TimerContextSource } from '../timed-tickets.ts';

export interface TimerContextReads {
  readonly policies: (tenantId: string) => Promise<readonly SlaPolicy[]>;
  readonly schedules: (tenantId: string) => Promise<readonly (BusinessSchedule & { readonly id: string })[]>;
  readonly lifecycle: (tenantId: string) => Promise<LifecycleTimings>;
}

/**
 * How long a container keeps a tenant's SLA policies, schedules and lifecycle settings: every ticket write
 * plans deadlines with them, and a burst of writes need not read them each time. The API drops its copy when
 * they change (`invalidate`); other functions see a change within this time, and every ticket is re-planned
 * from its whole timeline at its next change anyway.
 */
export const TIMER_CONTEXT_TTL_MS = 5_000;

export type CachedTimerContextSource = TimerContextSource & { invalidate(tenantId: string): void };

/** The tenant's timer context, read together and kept for TIMER_CONTEXT_TTL_MS (real time). */
export function makeTimerContextSource(
  reads: TimerContextReads,
  realNow: Clock['now'] = () => new Date().toISOString(),
): CachedTimerContextSource {
  const cache = new Map<string, { readonly at: number; readonly context: Promise<TimerContext> }>();
  const source = (tenantId: string): Promise<TimerContext> => {
    const now = Date.parse(realNow());
    const hit = cache.get(tenantId);
    if (hit && now - hit.at < TIMER_CONTEXT_TTL_MS) return hit.context;
    const context = Promise.all([
      reads.policies(tenantId),
      reads.schedules(tenantId),
      reads.lifecycle(tenantId),
    ]).then(([policies, schedules, lifecycle]) => ({
      policies,
      schedules: new Map(schedules.map((s) => [s.id, s])),
      lifecycle,
    }));
    cache.set(tenantId, { at: now, context });
    // A failed read is not kept: the next write reads again.
    context.catch(() => cache.delete(tenantId));
    return context;
  };
  return Object.assign(source, { invalidate: (tenantId: string) => void cache.delete(tenantId) });
}
