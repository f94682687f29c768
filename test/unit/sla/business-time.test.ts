import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../functions/core/errors.ts';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  isOpen,
  nextOpening,
} from '../../../functions/core/sla/business-time.ts';
import { CALENDAR_HOURS } from '../../../functions/core/sla/schedule.ts';
import { at, hours, iso, MON_FRI, officeHours, schedule } from './schedules.ts';

// 2026-01-16 is a Friday; Berlin is on CET (+01:00) all January.
const berlin = officeHours('Europe/Berlin');
const due = (s: Parameters<typeof addBusinessMinutes>[0], start: string, minutes: number) =>
  iso(addBusinessMinutes(s, at(start), minutes));

describe('office hours 09:00–17:00 Monday to Friday, Europe/Berlin', () => {
  it('a 4-hour SLA created Friday 17:00 is due Monday 13:00 local (12:00 UTC)', () => {
    expect(due(berlin, '2026-01-16T17:00:00+01:00', 240)).toBe(iso(at('2026-01-19T13:00:00+01:00')));
    expect(due(berlin, '2026-01-16T17:00:00+01:00', 240)).toBe('2026-01-19T12:00:00.000Z');
  });

  it('a 4-hour SLA created Friday 16:00 uses Friday’s last hour and is due Monday 12:00 local', () => {
    expect(due(berlin, '2026-01-16T16:00:00+01:00', 240)).toBe(iso(at('2026-01-19T12:00:00+01:00')));
  });

  it('created on Saturday evening, counts from Monday’s opening', () => {
    expect(due(berlin, '2026-01-17T19:45:00+01:00', 30)).toBe(iso(at('2026-01-19T09:30:00+01:00')));
  });

  it('a target that uses up Friday’s last minute is due at Friday’s close, not Monday’s opening', () => {
    expect(due(berlin, '2026-01-16T16:00:00+01:00', 60)).toBe(iso(at('2026-01-16T17:00:00+01:00')));
  });

  it('zero minutes is due at once, even while closed', () => {
    expect(due(berlin, '2026-01-17T12:00:00+01:00', 0)).toBe(iso(at('2026-01-17T12:00:00+01:00')));
  });

  it('counts elapsed business minutes across the weekend', () => {
    const minutes = businessMinutesBetween(
      berlin,
      at('2026-01-16T16:00:00+01:00'),
      at('2026-01-19T12:00:00+01:00'),
    );
    expect(minutes).toBe(240);
    expect(
      businessMinutesBetween(berlin, at('2026-01-17T00:00:00+01:00'), at('2026-01-19T00:00:00+01:00')),
    ).toBe(0);
    expect(
      businessMinutesBetween(berlin, at('2026-01-19T12:00:00+01:00'), at('2026-01-16T16:00:00+01:00')),
    ).toBe(0);
  });

  it('knows when it is open and when it next opens', () => {
    expect(isOpen(berlin, at('2026-01-16T09:00:00+01:00'))).toBe(true);
    expect(isOpen(berlin, at('2026-01-16T16:59:59.999+01:00'))).toBe(true);
    expect(isOpen(berlin, at('2026-01-16T17:00:00+01:00'))).toBe(false);
    expect(isOpen(berlin, at('2026-01-17T10:00:00+01:00'))).toBe(false);
    expect(iso(nextOpening(berlin, at('2026-01-16T17:00:00+01:00')))).toBe(
      iso(at('2026-01-19T09:00:00+01:00')),
    );
    expect(iso(nextOpening(berlin, at('2026-01-16T10:15:00+01:00')))).toBe(
      iso(at('2026-01-16T10:15:00+01:00')),
    );
  });

  it('keeps milliseconds', () => {
    expect(due(berlin, '2026-01-19T10:00:00.123+01:00', 30)).toBe(iso(at('2026-01-19T10:30:00.123+01:00')));
    expect(due(berlin, '2026-01-19T16:59:30.500+01:00', 1)).toBe(iso(at('2026-01-20T09:00:30.500+01:00')));
    const between = businessMinutesBetween(
      berlin,
      at('2026-01-19T10:00:00.250+01:00'),
      at('2026-01-19T10:00:00.750+01:00'),
    );
    expect(between).toBe(500 / 60_000);
  });

  it('adds 10,000 minutes (20 days 400 minutes of office hours) and a million, interval by interval', () => {
    expect(due(berlin, '2026-01-05T09:00:00+01:00', 10_000)).toBe(iso(at('2026-02-02T15:40:00+01:00')));
    // 1,000,000 = 2,083 days × 480 + 160: 416 weeks and 3 days after Monday 2026-01-05, then 160 minutes.
    const started = performance.now();
    expect(due(berlin, '2026-01-05T09:00:00+01:00', 1_000_000)).toBe(iso(at('2033-12-29T11:40:00+01:00')));
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses negative and non-finite minutes', () => {
    expect(() => addBusinessMinutes(berlin, 0, -1)).toThrow(RangeError);
    expect(() => addBusinessMinutes(berlin, 0, Number.NaN)).toThrow(RangeError);
    expect(() => addBusinessMinutes(berlin, 0, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('holidays', () => {
  // Good Friday 2026-04-03 and Easter Monday 2026-04-06; Berlin is on CEST.
  const easter = officeHours('Europe/Berlin', [
    { date: '2026-04-03', name: 'Karfreitag' },
    { date: '2026-04-06', name: 'Ostermontag' },
  ]);

  it('skips them whole', () => {
    expect(due(easter, '2026-04-02T16:00:00+02:00', 120)).toBe(iso(at('2026-04-07T10:00:00+02:00')));
    expect(
      businessMinutesBetween(easter, at('2026-04-02T16:00:00+02:00'), at('2026-04-07T10:00:00+02:00')),
    ).toBe(120);
    expect(isOpen(easter, at('2026-04-03T10:00:00+02:00'))).toBe(false);
    expect(iso(nextOpening(easter, at('2026-04-03T10:00:00+02:00')))).toBe(
      iso(at('2026-04-07T09:00:00+02:00')),
    );
  });

  it('are days of the schedule’s own calendar, not of UTC', () => {
    // 2026-12-24T22:00Z is still Thursday the 24th in UTC but already Friday the 25th 11:00 in Auckland.
    const auckland = officeHours('Pacific/Auckland', [{ date: '2026-12-25' }]);
    expect(isOpen(auckland, at('2026-12-24T22:00:00Z'))).toBe(false);
    expect(isOpen(auckland, at('2026-12-23T22:00:00Z'))).toBe(true);
    expect(iso(nextOpening(auckland, at('2026-12-24T22:00:00Z')))).toBe(iso(at('2026-12-28T09:00:00+13:00')));
  });

  it('many in a row (a closed year) are walked through, not taken for a schedule that never opens', () => {
    const days = Array.from({ length: 400 }, (_, i) => ({
      date: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
    }));
    const closed = officeHours('UTC', days);
    expect(iso(nextOpening(closed, at('2026-01-01T00:00:00Z')))).toBe('2027-02-05T09:00:00.000Z');
  });
});

describe('a lunch break (09:00–12:00 and 13:00–17:00)', () => {
  const lunch = schedule('Europe/Berlin', hours(MON_FRI, ['09:00', '12:00'], ['13:00', '17:00']));

  it('does not count the break', () => {
    expect(due(lunch, '2026-01-19T11:00:00+01:00', 90)).toBe(iso(at('2026-01-19T13:30:00+01:00')));
    expect(
      businessMinutesBetween(lunch, at('2026-01-19T11:30:00+01:00'), at('2026-01-19T13:30:00+01:00')),
    ).toBe(60);
    expect(isOpen(lunch, at('2026-01-19T12:30:00+01:00'))).toBe(false);
    expect(iso(nextOpening(lunch, at('2026-01-19T12:30:00+01:00')))).toBe(
      iso(at('2026-01-19T13:00:00+01:00')),
    );
  });

  it('a target ending exactly at the break is due when the break starts', () => {
    expect(due(lunch, '2026-01-19T11:00:00+01:00', 60)).toBe(iso(at('2026-01-19T12:00:00+01:00')));
  });

  it('touching intervals behave as one', () => {
    const split = schedule('UTC', hours(MON_FRI, ['09:00', '12:00'], ['12:00', '17:00']));
    expect(due(split, '2026-01-19T11:00:00Z', 120)).toBe('2026-01-19T13:00:00.000Z');
    expect(isOpen(split, at('2026-01-19T12:00:00Z'))).toBe(true);
  });
});

describe('intervals ending at 24:00', () => {
  it('run to midnight and join the next day’s 00:00 without a gap', () => {
    const nights = schedule('Europe/Berlin', [
      { day: 1, start: '20:00', end: '24:00' },
      { day: 2, start: '00:00', end: '02:00' },
    ]);
    expect(due(nights, '2026-01-19T23:00:00+01:00', 120)).toBe(iso(at('2026-01-20T01:00:00+01:00')));
    expect(isOpen(nights, at('2026-01-20T00:00:00+01:00'))).toBe(true);
    expect(
      businessMinutesBetween(nights, at('2026-01-19T00:00:00+01:00'), at('2026-01-21T00:00:00+01:00')),
    ).toBe(360);
  });

  it('close at midnight when the next day is closed', () => {
    const evenings = schedule('Europe/Berlin', [{ day: 1, start: '20:00', end: '24:00' }]);
    expect(due(evenings, '2026-01-19T23:00:00+01:00', 60)).toBe(iso(at('2026-01-20T00:00:00+01:00')));
    expect(isOpen(evenings, at('2026-01-20T00:00:00+01:00'))).toBe(false);
    expect(due(evenings, '2026-01-19T23:00:00+01:00', 61)).toBe(iso(at('2026-01-26T20:01:00+01:00')));
  });
});

describe('calendar hours', () => {
  it('count every minute', () => {
    expect(due(CALENDAR_HOURS, '2026-03-28T22:30:00.250Z', 60 * 24 * 4)).toBe('2026-04-01T22:30:00.250Z');
    expect(
      businessMinutesBetween(CALENDAR_HOURS, at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z')),
    ).toBe(365 * 24 * 60);
    expect(isOpen(CALENDAR_HOURS, at('2026-07-04T03:00:00Z'))).toBe(true);
  });
});

describe('a schedule with no open time', () => {
  const never = schedule('Europe/Berlin', []);

  it('never opens, counts nothing, and refuses to compute a deadline instead of looping', () => {
    expect(isOpen(never, at('2026-01-19T10:00:00Z'))).toBe(false);
    expect(nextOpening(never, at('2026-01-19T10:00:00Z'))).toBeNull();
    expect(businessMinutesBetween(never, at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'))).toBe(0);
    expect(() => addBusinessMinutes(never, at('2026-01-19T10:00:00Z'), 1)).toThrow(/never opens/);
    expect(addBusinessMinutes(never, at('2026-01-19T10:00:00Z'), 0)).toBe(at('2026-01-19T10:00:00Z'));
  });
});

describe('an invalid schedule', () => {
  it('is refused with its field errors', () => {
    const broken = schedule('Nowhere/Special', [{ day: 1, start: '17:00', end: '09:00' }]);
    try {
      isOpen(broken, 0);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).fieldErrors.map((e) => e.path)).toEqual(['timeZone', 'weekly[0]']);
    }
  });
});
