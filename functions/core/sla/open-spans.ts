import { DomainError } from '../errors.ts';
import { type BusinessSchedule, parseLocalDate, parseTimeOfDay, scheduleContentErrors } from './schedule.ts';
import { canonicalTimeZone, DAY_MS, firstInstantAtOrAfter, localDayAt, MINUTE_MS } from './zone-time.ts';

/** An open stretch of real time, [start, end) in epoch ms. */
export type Span = readonly [start: number, end: number];

/** A schedule parsed once: minute ranges per weekday (touching ones merged) and holidays as day numbers. */
interface CompiledSchedule {
  readonly timeZone: string;
  /** Per weekday, [start, end) in minutes since local midnight (end up to 1440). */
  readonly byWeekday: readonly (readonly (readonly [number, number])[])[];
  readonly holidays: ReadonlySet<number>;
  readonly opensAtAll: boolean;
}

/**
 * Days in a row without open time (holidays aside) after which a schedule is taken to never open. Any weekly
 * interval recurs every 7 days and DST can swallow it (an interval inside a skipped hour) at most once a season,
 * so a schedule that opens at all opens within 28 days of any non-holiday day.
 */
const MAX_CLOSED_DAYS = 28;

const compiled = new WeakMap<BusinessSchedule, CompiledSchedule>();

export function compile(schedule: BusinessSchedule): CompiledSchedule {
  const cached = compiled.get(schedule);
  if (cached) return cached;
  const errors = scheduleContentErrors(schedule);
  if (errors.length > 0) throw new DomainError('validation', 'invalid business schedule', errors);
  const byWeekday: [number, number][][] = [[], [], [], [], [], [], []];
  for (const interval of schedule.weekly) {
    byWeekday[interval.day]!.push([parseTimeOfDay(interval.start)!, parseTimeOfDay(interval.end, true)!]);
  }
  for (const day of byWeekday) {
    day.sort((a, b) => a[0] - b[0]);
    // Merge 09:00–12:00 + 12:00–17:00 into one range, so a due time never lands on a seam that is not a close.
    for (let i = day.length - 1; i > 0; i--) {
      if (day[i - 1]![1] === day[i]![0]) day.splice(i - 1, 2, [day[i - 1]![0], day[i]![1]]);
    }
  }
  const result: CompiledSchedule = {
    timeZone: canonicalTimeZone(schedule.timeZone),
    byWeekday,
    holidays: new Set(schedule.holidays.map((holiday) => parseLocalDate(holiday.date)!)),
    opensAtAll: byWeekday.some((day) => day.length > 0),
  };
  compiled.set(schedule, result);
  return result;
}

/** 1970-01-01 was a Thursday (4). */
const weekdayOf = (day: number) => (((day + 4) % 7) + 7) % 7;

/** The open spans of one local day, in order. Empty spans (an interval inside a skipped DST hour) are dropped. */
function spansOfDay(schedule: CompiledSchedule, day: number): Span[] {
  if (schedule.holidays.has(day)) return [];
  const spans: Span[] = [];
  for (const [startMinute, endMinute] of schedule.byWeekday[weekdayOf(day)]!) {
    // '24:00' is simply the next day's 00:00: the wall ms arithmetic carries over.
    const start = firstInstantAtOrAfter(schedule.timeZone, day * DAY_MS + startMinute * MINUTE_MS);
    const end = firstInstantAtOrAfter(schedule.timeZone, day * DAY_MS + endMinute * MINUTE_MS);
    if (end > start) spans.push([start, end]);
  }
  return spans;
}

/**
 * The open spans that end after `from`, in order, the first one clipped to start no earlier than `from`.
 * Walks day by day, interval by interval: cost grows with the days covered, never with the minutes. Ends when
 * the schedule turns out never to open.
 */
export function* openSpansFrom(schedule: CompiledSchedule, from: number): Generator<Span> {
  if (!schedule.opensAtAll) return;
  // Earlier days' spans all end by this day's first midnight, which is at or before `from`.
  let day = localDayAt(schedule.timeZone, from);
  let closedDays = 0;
  for (;;) {
    const spans = spansOfDay(schedule, day);
    for (const [start, end] of spans) {
      if (end > from) yield [Math.max(start, from), end];
    }
    if (spans.length > 0 || schedule.holidays.has(day)) closedDays = 0;
    else if (++closedDays > MAX_CLOSED_DAYS) return;
    day++;
  }
}

/**
 * Whether `instant` lies in an open span. Earlier days' spans end by its day's first midnight; the next day's
 * can hold it only when a fall-back crosses midnight backwards (00:30 → 23:30), but that costs one more look.
 */
export function isInOpenSpan(schedule: CompiledSchedule, instant: number): boolean {
  const day = localDayAt(schedule.timeZone, instant);
  for (let d = day; d <= day + 1; d++) {
    if (spansOfDay(schedule, d).some(([start, end]) => start <= instant && instant < end)) return true;
  }
  return false;
}
