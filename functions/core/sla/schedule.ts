import type { FieldError } from '../errors.ts';

/** 0 = Sunday … 6 = Saturday, as `Date#getDay` counts. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/**
 * One open interval of a weekday, in the schedule's local wall-clock time. `end` may be '24:00' (the interval
 * runs to midnight). An interval never crosses midnight: a night shift is two intervals, '22:00'–'24:00' on one
 * day and '00:00'–'06:00' on the next, which join without a gap.
 */
export interface WeeklyInterval {
  readonly day: Weekday;
  readonly start: string;
  readonly end: string;
}

/** A whole local day (in the schedule's time zone) on which the schedule does not open. */
export interface Holiday {
  readonly date: string;
  readonly name?: string;
}

/**
 * Business hours: when SLA clocks of a business-hours policy run. Instances are treated as immutable (the
 * arithmetic caches what it derives from each one).
 */
export interface BusinessSchedule {
  /** IANA name, e.g. 'Europe/Berlin'. */
  readonly timeZone: string;
  /** Several intervals per day are allowed (a lunch break); they may touch but not overlap. */
  readonly weekly: readonly WeeklyInterval[];
  readonly holidays: readonly Holiday[];
}

const ALL_DAYS: readonly Weekday[] = [0, 1, 2, 3, 4, 5, 6];

/** Calendar hours as a schedule (24×7, UTC, no holidays), so callers treat both kinds of policy alike. */
export const CALENDAR_HOURS: BusinessSchedule = Object.freeze({
  timeZone: 'UTC',
  weekly: Object.freeze(ALL_DAYS.map((day) => Object.freeze({ day, start: '00:00', end: '24:00' }))),
  holidays: Object.freeze([]),
});

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Minutes since local midnight of 'HH:MM' ('24:00' → 1440 when `allowMidnightEnd`), or null when malformed. */
export function parseTimeOfDay(value: unknown, allowMidnightEnd = false): number | null {
  if (typeof value !== 'string') return null;
  if (allowMidnightEnd && value === '24:00') return 1440;
  const match = TIME.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** Days since 1970-01-01 of a real calendar date 'YYYY-MM-DD', or null (rejects 2026-02-30). */
export function parseLocalDate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = DATE.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null;
  return date.getTime() / 86_400_000;
}

/** Whether the runtime's ICU knows the zone. Offsets ('+01:00') are refused: they ignore daylight saving. */
export function isKnownTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone === '' || /^[+-]/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Field errors of a schedule's contents, except "never opens" (the arithmetic copes with that one; see
 * `validateSchedule`). Paths follow the request body: `weekly[2].end`, `holidays[0].date`.
 */
export function scheduleContentErrors(schedule: BusinessSchedule): FieldError[] {
  const errors: FieldError[] = [];
  if (!isKnownTimeZone(schedule.timeZone)) {
    errors.push({ path: 'timeZone', message: `unknown time zone ${JSON.stringify(schedule.timeZone)}` });
  }
  const parsed: { index: number; day: number; start: number; end: number }[] = [];
  schedule.weekly.forEach((interval, index) => {
    const path = `weekly[${index}]`;
    const day = interval.day as unknown;
    const start = parseTimeOfDay(interval.start);
    const end = parseTimeOfDay(interval.end, true);
    const dayOk = Number.isInteger(day) && (day as number) >= 0 && (day as number) <= 6;
    if (!dayOk) errors.push({ path: `${path}.day`, message: 'must be 0 (Sunday) to 6 (Saturday)' });
    if (start === null) errors.push({ path: `${path}.start`, message: 'must be HH:MM, 00:00 to 23:59' });
    if (end === null) errors.push({ path: `${path}.end`, message: 'must be HH:MM, 00:01 to 24:00' });
    if (start === null || end === null || !dayOk) return;
    if (end <= start) {
      errors.push({ path, message: `ends (${interval.end}) at or before it starts (${interval.start})` });
      return;
    }
    parsed.push({ index, day: day as number, start, end });
  });
  // Touching intervals (12:00–13:00 then 13:00–17:00) are fine; sharing even a minute is not.
  parsed.sort((a, b) => a.day - b.day || a.start - b.start);
  for (let i = 1; i < parsed.length; i++) {
    const [previous, current] = [parsed[i - 1]!, parsed[i]!];
    if (previous.day === current.day && current.start < previous.end) {
      const [first, second] = [previous.index, current.index].sort((a, b) => a - b);
      errors.push({ path: `weekly[${second}]`, message: `overlaps weekly[${first}]` });
    }
  }
  schedule.holidays.forEach((holiday, index) => {
    if (parseLocalDate(holiday.date) === null) {
      errors.push({ path: `holidays[${index}].date`, message: 'must be a real date, YYYY-MM-DD' });
    }
    if (holiday.name !== undefined && typeof holiday.name !== 'string') {
      errors.push({ path: `holidays[${index}].name`, message: 'must be a string' });
    }
  });
  return errors;
}

/** Every field error of a schedule; empty when it can be stored. A schedule that never opens is refused. */
export function validateSchedule(schedule: BusinessSchedule): FieldError[] {
  const errors = scheduleContentErrors(schedule);
  if (schedule.weekly.length === 0) {
    errors.push({ path: 'weekly', message: 'needs at least one open interval: this schedule never opens' });
  }
  return errors;
}
