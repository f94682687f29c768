import { addBusinessMinutes, businessMinutesBetween, type Instant } from './business-time.ts';
import type { BusinessSchedule } from './schedule.ts';
import { MINUTE_MS } from './zone-time.ts';

/**
 * The state of one SLA metric's clock, small enough to store on the ticket. Time counts only while running
 * and only in the schedule's open time. `elapsedMinutes` is what was banked up to the last pause (or 0); the
 * running stretch since `runningSince` is added on read, so nothing changes while a clock simply runs.
 */
export interface SlaClock {
  readonly targetMinutes: number;
  readonly elapsedMinutes: number;
  /** When the current running stretch began; null while paused. */
  readonly runningSince: Instant | null;
}

/*
 * Elapsed time is kept as a whole number of milliseconds divided by 60,000 and converted back exactly before
 * every addition, so banking a stretch at a pause is the same sum as counting it at the end: a pause and a
 * resume at the same instant, or any number of them, never move the clock by even a floating-point ulp.
 */
const toMs = (minutes: number) => Math.round(minutes * MINUTE_MS);

/** A running clock for a target, started at `at`. */
export function startSlaClock(targetMinutes: number, at: Instant): SlaClock {
  if (!Number.isFinite(targetMinutes) || targetMinutes < 0) {
    throw new RangeError(`SLA target must be a finite number of minutes >= 0, got ${targetMinutes}`);
  }
  return { targetMinutes, elapsedMinutes: 0, runningSince: at };
}

/** Business minutes counted by `at` (the running stretch included; an `at` before it counts nothing). */
export function slaElapsedMinutes(schedule: BusinessSchedule, clock: SlaClock, at: Instant): number {
  if (clock.runningSince === null) return clock.elapsedMinutes;
  const running = toMs(businessMinutesBetween(schedule, clock.runningSince, at));
  return (toMs(clock.elapsedMinutes) + running) / MINUTE_MS;
}

/** Stops the clock at `at`, banking the running stretch. Pausing a paused clock changes nothing. */
export function pauseSlaClock(schedule: BusinessSchedule, clock: SlaClock, at: Instant): SlaClock {
  if (clock.runningSince === null) return clock;
  return { ...clock, elapsedMinutes: slaElapsedMinutes(schedule, clock, at), runningSince: null };
}

/** Restarts a paused clock at `at`. Resuming a running clock changes nothing (it keeps its older start). */
export function resumeSlaClock(clock: SlaClock, at: Instant): SlaClock {
  if (clock.runningSince !== null) return clock;
  return { ...clock, runningSince: at };
}

/**
 * When the target is (or was) reached if the clock runs from `at` on, a paused clock as if resumed at `at`:
 * the instant a timer is armed for. In the past when a running clock passed its target during the current
 * stretch. Null when the banked time already reached the target, i.e. it was reached before the last pause:
 * the clock no longer holds when that happened (the breach timer did).
 */
export function slaDueAt(schedule: BusinessSchedule, clock: SlaClock, at: Instant): Instant | null {
  const bankedMs = toMs(clock.elapsedMinutes);
  const remainingMs = toMs(clock.targetMinutes) - bankedMs;
  if (bankedMs > 0 && remainingMs <= 0) return null;
  // Counting from the start of the running stretch gives the same instant as counting the rest from `at`
  // (additions split), and also the right one when the target fell inside that stretch.
  const from = clock.runningSince ?? at;
  return addBusinessMinutes(schedule, from, Math.max(0, remainingMs) / MINUTE_MS);
}

/** Minutes left before the target at `at`; negative once it is exceeded. */
export function slaRemainingMinutes(schedule: BusinessSchedule, clock: SlaClock, at: Instant): number {
  return (toMs(clock.targetMinutes) - toMs(slaElapsedMinutes(schedule, clock, at))) / MINUTE_MS;
}
