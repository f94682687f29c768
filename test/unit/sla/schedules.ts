import type { BusinessSchedule, Weekday, WeeklyInterval } from '../../../functions/core/sla/schedule.ts';

/** Shared schedule builders for the SLA tests. */
export const MON_FRI: readonly Weekday[] = [1, 2, 3, 4, 5];
export const EVERY_DAY: readonly Weekday[] = [0, 1, 2, 3, 4, 5, 6];

/** The same intervals on each of `days`, e.g. hours(MON_FRI, ['09:00', '17:00']). */
export function hours(days: readonly Weekday[], ...ranges: [start: string, end: string][]): WeeklyInterval[] {
  return days.flatMap((day) => ranges.map(([start, end]) => ({ day, start, end })));
}

export function schedule(
  timeZone: string,
  weekly: WeeklyInterval[],
  holidays: BusinessSchedule['holidays'] = [],
): BusinessSchedule {
  return { timeZone, weekly, holidays };
}

/** Office hours 09:00–17:00 Monday to Friday. */
export const officeHours = (timeZone: string, holidays: BusinessSchedule['holidays'] = []) =>
  schedule(timeZone, hours(MON_FRI, ['09:00', '17:00']), holidays);

/** Round the clock in a zone, so a day's length shows the DST change. */
export const allDay = (timeZone: string) => schedule(timeZone, hours(EVERY_DAY, ['00:00', '24:00']));

/** ISO (with its offset) → instant, and back in UTC, so expectations read as written. */
export const at = (iso: string) => {
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) throw new Error(`bad test instant ${iso}`);
  return instant;
};
export const iso = (instant: number | null) => (instant === null ? null : new Date(instant).toISOString());
