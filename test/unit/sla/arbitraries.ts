import fc from 'fast-check';
import type { BusinessSchedule, Weekday, WeeklyInterval } from '../../../functions/core/sla/schedule.ts';

/** fast-check generators for the SLA property tests. */

/** Zones with DST (whole hour, 30 minutes, at midnight), without, and with odd offsets. */
export const DST_ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'America/Santiago',
] as const;
export const FIXED_ZONES = { UTC: 0, 'Asia/Kolkata': 330, 'Asia/Kathmandu': 345 } as const;

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** One day's intervals: sorted distinct cut points paired up, so they never overlap (and may touch none). */
const dayIntervals = (day: Weekday): fc.Arbitrary<WeeklyInterval[]> =>
  fc.uniqueArray(fc.integer({ min: 0, max: 1440 }), { maxLength: 6 }).map((cuts) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    const intervals: WeeklyInterval[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) {
      intervals.push({ day, start: hhmm(sorted[i]!), end: hhmm(sorted[i + 1]!) });
    }
    return intervals;
  });

const FIRST_DAY = Date.UTC(2025, 0, 1) / 86_400_000;
const holidayDate = fc
  .integer({ min: FIRST_DAY, max: FIRST_DAY + 3 * 366 })
  .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10));

export const scheduleIn = (zones: readonly string[]): fc.Arbitrary<BusinessSchedule> =>
  fc
    .record({
      timeZone: fc.constantFrom(...zones),
      weekly: fc
        .tuple(...([0, 1, 2, 3, 4, 5, 6] as const).map(dayIntervals))
        .map((days) => days.flat())
        .filter((weekly) => weekly.length > 0),
      holidays: fc.array(
        holidayDate.map((date) => ({ date })),
        { maxLength: 20 },
      ),
    })
    .map((s): BusinessSchedule => s);

export const anySchedule = scheduleIn([...DST_ZONES, ...Object.keys(FIXED_ZONES)]);

/** Open minutes in a plain week, to keep additions within a few weeks however sparse the schedule. */
export function weeklyOpenMinutes(schedule: BusinessSchedule): number {
  const minute = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
  return schedule.weekly.reduce((sum, interval) => sum + minute(interval.end) - minute(interval.start), 0);
}

/** The 2026 DST transitions of DST_ZONES, where the arithmetic is most likely to slip. */
const TRANSITIONS_2026 = [
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:30:00Z',
  '2026-04-05T03:00:00Z',
  '2026-09-06T04:00:00Z',
].map(Date.parse);

/** Instants to the millisecond: anywhere in 2025–2027, or within a day and a half of a 2026 transition. */
export const instant = fc.oneof(
  fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }),
  fc
    .tuple(fc.constantFrom(...TRANSITIONS_2026), fc.integer({ min: -36 * 3_600_000, max: 36 * 3_600_000 }))
    .map(([transition, shift]) => transition + shift),
);

/** A schedule with a count of minutes up to about `weeks` weeks of its open time. */
export const scheduleAndMinutes = (weeks = 4) =>
  anySchedule.chain((schedule) =>
    fc.tuple(fc.constant(schedule), fc.integer({ min: 0, max: weeklyOpenMinutes(schedule) * weeks })),
  );
