import { DomainError } from '../errors.ts';
import { compile, isInOpenSpan, openSpansFrom } from './open-spans.ts';
import type { BusinessSchedule } from './schedule.ts';
import { MINUTE_MS } from './zone-time.ts';

/**
 * A moment in time as UTC epoch milliseconds (`Date.parse(iso)`; back with `new Date(instant).toISOString()`).
 * Numbers rather than ISO strings: the arithmetic below is additions, and milliseconds are never rounded away.
 *
 * Open time is a union of spans [open, close). Each weekly interval of each local day becomes one span whose
 * ends are the first instants the local clock reads the interval's start and end (see `firstInstantAtOrAfter`):
 * - spring forward: an interval starting or ending in the skipped hour starts or ends when the clock jumps
 *   (02:30–04:00 in Berlin on 2026-03-29 is open 03:00–04:00 CEST, 60 minutes);
 * - fall back: a time that happens twice means its first occurrence, so an interval spanning the repeated hour
 *   lasts an hour longer (00:00–24:00 is 25 hours), and one that ends inside it closes at the first pass.
 */
export type Instant = number;

/** Whether the schedule is open at `instant` (an opening instant is open, a closing one is not). */
export function isOpen(schedule: BusinessSchedule, instant: Instant): boolean {
  return isInOpenSpan(compile(schedule), instant);
}

/** `instant` itself when open, else the next moment the schedule opens; null when it never opens. */
export function nextOpening(schedule: BusinessSchedule, instant: Instant): Instant | null {
  for (const [start] of openSpansFrom(compile(schedule), instant)) return start;
  return null;
}

/** Minutes → whole milliseconds, the precision everything here keeps. */
const toMs = (minutes: number) => Math.round(minutes * MINUTE_MS);

/**
 * The earliest instant by which `minutes` of open time have passed since `start`: the due time of a target.
 * Zero minutes gives `start`; otherwise the result is inside open time or exactly at a close (a target that
 * uses up Friday's last minute is due Friday 17:00, not Monday 09:00). Throws a validation DomainError when
 * the schedule never opens, and a RangeError for negative or non-finite minutes.
 */
export function addBusinessMinutes(schedule: BusinessSchedule, start: Instant, minutes: number): Instant {
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`business minutes must be a finite number >= 0, got ${minutes}`);
  }
  let remaining = toMs(minutes);
  if (remaining === 0) return start;
  for (const [open, close] of openSpansFrom(compile(schedule), start)) {
    if (remaining <= close - open) return open + remaining;
    remaining -= close - open;
  }
  throw new DomainError('validation', 'the business schedule never opens, so no deadline can be computed', [
    { path: 'weekly', message: 'needs at least one open interval: this schedule never opens' },
  ]);
}

/**
 * Open time between `from` and `to` in minutes, fractional to the millisecond (elapsed business time of a
 * clock). 0 when `to` is not after `from`, or when the schedule never opens.
 */
export function businessMinutesBetween(schedule: BusinessSchedule, from: Instant, to: Instant): number {
  let total = 0;
  if (to <= from) return total;
  for (const [open, close] of openSpansFrom(compile(schedule), from)) {
    if (open >= to) break;
    total += Math.min(close, to) - open;
  }
  return total / MINUTE_MS;
}
