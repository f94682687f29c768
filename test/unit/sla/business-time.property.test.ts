import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  isOpen,
  nextOpening,
} from '../../../functions/core/sla/business-time.ts';
import { parseLocalDate, parseTimeOfDay } from '../../../functions/core/sla/schedule.ts';
import { wallClockAt } from '../../../functions/core/sla/zone-time.ts';
import {
  anySchedule,
  FIXED_ZONES,
  instant,
  scheduleAndMinutes,
  scheduleIn,
  weeklyOpenMinutes,
} from './arbitraries.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe('addBusinessMinutes and businessMinutesBetween, for any schedule, zone and start', () => {
  it('more minutes never give an earlier due time', () => {
    fc.assert(
      fc.property(scheduleAndMinutes(), fc.nat(2000), instant, ([schedule, m], extra, start) => {
        expect(addBusinessMinutes(schedule, start, m + extra)).toBeGreaterThanOrEqual(
          addBusinessMinutes(schedule, start, m),
        );
      }),
    );
  });

  it('a later start never gives an earlier due time', () => {
    fc.assert(
      fc.property(scheduleAndMinutes(), instant, fc.nat(5 * DAY), ([schedule, m], start, later) => {
        expect(addBusinessMinutes(schedule, start + later, m)).toBeGreaterThanOrEqual(
          addBusinessMinutes(schedule, start, m),
        );
      }),
    );
  });

  it('the business minutes from start to the due time are exactly the minutes added', () => {
    fc.assert(
      fc.property(scheduleAndMinutes(), instant, ([schedule, m], start) => {
        expect(businessMinutesBetween(schedule, start, addBusinessMinutes(schedule, start, m))).toBe(m);
      }),
    );
  });

  it('the due time is inside open time or at an interval end, and is the earliest such instant', () => {
    fc.assert(
      fc.property(scheduleAndMinutes(), instant, ([schedule, m], start) => {
        fc.pre(m > 0);
        const due = addBusinessMinutes(schedule, start, m);
        expect(isOpen(schedule, due - 1)).toBe(true);
        expect(businessMinutesBetween(schedule, start, due - 1)).toBeLessThan(m);
      }),
    );
  });

  it('adding m1 then m2 from there equals adding m1 + m2', () => {
    fc.assert(
      fc.property(scheduleAndMinutes(2), fc.nat(3000), instant, ([schedule, m1], m2, start) => {
        const m2Bounded = m2 % (weeklyOpenMinutes(schedule) * 2 + 1);
        const stepwise = addBusinessMinutes(schedule, addBusinessMinutes(schedule, start, m1), m2Bounded);
        expect(stepwise).toBe(addBusinessMinutes(schedule, start, m1 + m2Bounded));
      }),
    );
  });

  it('elapsed time adds up over consecutive stretches, to the millisecond', () => {
    fc.assert(
      fc.property(anySchedule, instant, fc.nat(10 * DAY), fc.nat(10 * DAY), (schedule, a, ab, bc) => {
        const ms = (from: number, to: number) =>
          Math.round(businessMinutesBetween(schedule, from, to) * MINUTE);
        expect(ms(a, a + ab) + ms(a + ab, a + ab + bc)).toBe(ms(a, a + ab + bc));
        expect(ms(a, a + ab)).toBeLessThanOrEqual(ab);
      }),
    );
  });

  it('nextOpening is the instant itself when open, else an open instant with no open time before it', () => {
    fc.assert(
      fc.property(anySchedule, instant, (schedule, t) => {
        const next = nextOpening(schedule, t);
        expect(next).not.toBeNull();
        if (isOpen(schedule, t)) expect(next).toBe(t);
        else {
          expect(next!).toBeGreaterThan(t);
          expect(isOpen(schedule, next!)).toBe(true);
          expect(businessMinutesBetween(schedule, t, next!)).toBe(0);
        }
      }),
    );
  });
});

/** What the schedule says in words: open when the local clock's weekday and time are inside an interval. */
function openByWallClock(schedule: Parameters<typeof isOpen>[0], wall: number): boolean {
  const day = Math.floor(wall / DAY);
  if (schedule.holidays.some((holiday) => parseLocalDate(holiday.date) === day)) return false;
  const weekday = (((day + 4) % 7) + 7) % 7;
  const minute = (wall - day * DAY) / MINUTE;
  return schedule.weekly.some(
    (interval) =>
      interval.day === weekday &&
      parseTimeOfDay(interval.start)! <= minute &&
      minute < parseTimeOfDay(interval.end, true)!,
  );
}

describe('agreement with a minute-by-minute reading of the local clock', () => {
  const fixedZones = Object.keys(FIXED_ZONES) as (keyof typeof FIXED_ZONES)[];

  it('isOpen matches the wall clock wherever the zone has no transition within two days', () => {
    fc.assert(
      fc.property(anySchedule, instant, (schedule, t) => {
        const offset = (x: number) => wallClockAt(schedule.timeZone, x) - x;
        fc.pre(offset(t - 2 * DAY) === offset(t + 2 * DAY));
        expect(isOpen(schedule, t)).toBe(openByWallClock(schedule, wallClockAt(schedule.timeZone, t)));
      }),
    );
  });

  it('in fixed-offset zones, elapsed minutes over up to two days equal the open minutes counted one by one', () => {
    fc.assert(
      fc.property(scheduleIn(fixedZones), instant, fc.nat(2 * 24 * 60), (schedule, t, length) => {
        const start = Math.floor(t / MINUTE) * MINUTE;
        const offset = FIXED_ZONES[schedule.timeZone as keyof typeof FIXED_ZONES] * MINUTE;
        let counted = 0;
        for (let i = 0; i < length; i++)
          if (openByWallClock(schedule, start + offset + i * MINUTE)) counted++;
        expect(businessMinutesBetween(schedule, start, start + length * MINUTE)).toBe(counted);
      }),
      { numRuns: 50 },
    );
  });
});
