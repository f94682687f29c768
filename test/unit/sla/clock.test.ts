import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { businessMinutesBetween } from '../../../functions/core/sla/business-time.ts';
import {
  pauseSlaClock,
  resumeSlaClock,
  type SlaClock,
  slaDueAt,
  slaElapsedMinutes,
  slaRemainingMinutes,
  startSlaClock,
} from '../../../functions/core/sla/clock.ts';
import { anySchedule, instant } from './arbitraries.ts';
import { at, iso, officeHours } from './schedules.ts';

const berlin = officeHours('Europe/Berlin');
const MINUTE = 60_000;
const ms = (minutes: number) => Math.round(minutes * MINUTE);

describe('an SLA clock on office hours (Europe/Berlin, January: +01:00)', () => {
  // Started Friday 16:00 with a 4-hour target; paused Friday 16:30 (pending), resumed Monday 10:00.
  const started = startSlaClock(240, at('2026-01-16T16:00:00+01:00'));
  const paused = pauseSlaClock(berlin, started, at('2026-01-16T16:30:00+01:00'));
  const resumed = resumeSlaClock(paused, at('2026-01-19T10:00:00+01:00'));

  it('counts only running business time', () => {
    expect(slaElapsedMinutes(berlin, started, at('2026-01-16T16:30:00+01:00'))).toBe(30);
    expect(paused).toEqual({ targetMinutes: 240, elapsedMinutes: 30, runningSince: null });
    expect(slaElapsedMinutes(berlin, paused, at('2026-01-19T12:00:00+01:00'))).toBe(30);
    expect(slaElapsedMinutes(berlin, resumed, at('2026-01-19T11:00:00+01:00'))).toBe(90);
    expect(slaRemainingMinutes(berlin, resumed, at('2026-01-19T11:00:00+01:00'))).toBe(150);
  });

  it('moves the due time by the paused stretch', () => {
    expect(iso(slaDueAt(berlin, started, at('2026-01-16T16:00:00+01:00')))).toBe(
      iso(at('2026-01-19T12:00:00+01:00')),
    );
    expect(iso(slaDueAt(berlin, resumed, at('2026-01-19T11:00:00+01:00')))).toBe(
      iso(at('2026-01-19T13:30:00+01:00')),
    );
    // A paused clock's due time is where it would land if resumed now.
    expect(iso(slaDueAt(berlin, paused, at('2026-01-20T09:00:00+01:00')))).toBe(
      iso(at('2026-01-20T12:30:00+01:00')),
    );
  });

  it('ignores a second pause or resume', () => {
    expect(pauseSlaClock(berlin, paused, at('2026-01-19T09:30:00+01:00'))).toBe(paused);
    expect(resumeSlaClock(resumed, at('2026-01-19T12:00:00+01:00'))).toBe(resumed);
  });

  it('past the target: the exact breach instant while running; null once paused after it', () => {
    const late = at('2026-01-19T15:00:00+01:00');
    expect(iso(slaDueAt(berlin, resumed, late))).toBe(iso(at('2026-01-19T13:30:00+01:00')));
    expect(slaRemainingMinutes(berlin, resumed, late)).toBe(-90);
    const pausedLate = pauseSlaClock(berlin, resumed, late);
    expect(pausedLate.elapsedMinutes).toBe(330);
    expect(slaDueAt(berlin, pausedLate, late)).toBeNull();
  });

  it('refuses a negative or non-finite target', () => {
    expect(() => startSlaClock(-1, 0)).toThrow(RangeError);
    expect(() => startSlaClock(Number.NaN, 0)).toThrow(RangeError);
  });
});

/** A start and then instants in order, each a pause or a resume (repeats included, as at-least-once delivery does). */
const history = fc.record({
  start: instant,
  target: fc.integer({ min: 0, max: 20_000 }),
  steps: fc.array(fc.record({ after: fc.nat(3 * 86_400_000), pause: fc.boolean() }), { maxLength: 12 }),
  endAfter: fc.nat(3 * 86_400_000),
});

describe('pausing and resuming never loses or gains time', () => {
  it('the clock’s elapsed time equals the sum of its running stretches, to the millisecond', () => {
    fc.assert(
      fc.property(anySchedule, history, (schedule, { start, target, steps, endAfter }) => {
        let clock: SlaClock = startSlaClock(target, start);
        let runningSince: number | null = start;
        let now = start;
        let expectedMs = 0;
        for (const step of steps) {
          now += step.after;
          if (step.pause) {
            clock = pauseSlaClock(schedule, clock, now);
            if (runningSince !== null) expectedMs += ms(businessMinutesBetween(schedule, runningSince, now));
            runningSince = null;
          } else {
            clock = resumeSlaClock(clock, now);
            runningSince ??= now;
          }
        }
        const end = now + endAfter;
        if (runningSince !== null) expectedMs += ms(businessMinutesBetween(schedule, runningSince, end));
        expect(ms(slaElapsedMinutes(schedule, clock, end))).toBe(expectedMs);
        expect(slaElapsedMinutes(schedule, clock, end)).toBe(expectedMs / MINUTE);
      }),
    );
  });

  it('a pause and a resume at the same instant change neither elapsed time nor the due time', () => {
    fc.assert(
      fc.property(
        anySchedule,
        instant,
        fc.integer({ min: 1, max: 5_000 }),
        fc.nat(2 * 86_400_000),
        fc.nat(2 * 86_400_000),
        (schedule, start, target, untilBlip, untilRead) => {
          const clock = startSlaClock(target, start);
          const blip = start + untilBlip;
          const blipped = resumeSlaClock(pauseSlaClock(schedule, clock, blip), blip);
          const read = blip + untilRead;
          expect(slaElapsedMinutes(schedule, blipped, read)).toBe(slaElapsedMinutes(schedule, clock, read));
          const due = slaDueAt(schedule, clock, read)!;
          // A blip after the target was reached leaves no record of when: the due time is then unknown.
          if (slaRemainingMinutes(schedule, clock, blip) > 0)
            expect(slaDueAt(schedule, blipped, read)).toBe(due);
          else {
            expect(slaDueAt(schedule, blipped, read)).toBeNull();
            expect(due).toBeLessThanOrEqual(blip);
          }
        },
      ),
    );
  });

  it('the due time of a clock not yet at its target is when its elapsed time reaches the target', () => {
    fc.assert(
      fc.property(anySchedule, history, (schedule, { start, target, steps }) => {
        let clock: SlaClock = startSlaClock(target, start);
        let now = start;
        for (const step of steps) {
          now += step.after;
          clock = step.pause ? pauseSlaClock(schedule, clock, now) : resumeSlaClock(clock, now);
        }
        fc.pre(slaRemainingMinutes(schedule, clock, now) > 0);
        const due = slaDueAt(schedule, clock, now)!;
        const running = resumeSlaClock(clock, now);
        expect(due).toBeGreaterThan(now);
        expect(slaElapsedMinutes(schedule, running, due)).toBe(target);
        expect(slaElapsedMinutes(schedule, running, due - 1)).toBeLessThan(target);
      }),
    );
  });
});
