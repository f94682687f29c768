import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  isOpen,
  nextOpening,
} from '../../../functions/core/sla/business-time.ts';
import { allDay, at, iso, officeHours, schedule } from './schedules.ts';

/*
 * The rule under test (business-time.ts): an interval opens and closes at the first instant the local clock reads
 * its start and end. A skipped time therefore means "when the clock jumps past it", a repeated time its first
 * occurrence. All expectations are written with explicit offsets, worked out from the 2026 transitions.
 */
const minutesOfLocalDay = (timeZone: string, from: string, to: string) =>
  businessMinutesBetween(allDay(timeZone), at(from), at(to));

describe('Europe/Berlin, spring forward on Sunday 2026-03-29 (02:00 CET → 03:00 CEST)', () => {
  it('that day has 23 hours of open time round the clock', () => {
    expect(minutesOfLocalDay('Europe/Berlin', '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00')).toBe(
      1380,
    );
  });

  it('calendar-style schedules count real minutes, not wall-clock ones', () => {
    const due = addBusinessMinutes(allDay('Europe/Berlin'), at('2026-03-28T12:00:00+01:00'), 24 * 60);
    expect(iso(due)).toBe(iso(at('2026-03-29T13:00:00+02:00')));
  });

  it('office hours over that weekend: Friday 16:00 + 2 h is Monday 10:00 (now CEST)', () => {
    const due = addBusinessMinutes(officeHours('Europe/Berlin'), at('2026-03-27T16:00:00+01:00'), 120);
    expect(iso(due)).toBe(iso(at('2026-03-30T10:00:00+02:00')));
  });

  it('an interval starting at the non-existent 02:30 opens when the clock jumps, at 03:00 CEST', () => {
    const early = schedule('Europe/Berlin', [{ day: 0, start: '02:30', end: '04:00' }]);
    expect(iso(nextOpening(early, at('2026-03-29T01:30:00+01:00')))).toBe(
      iso(at('2026-03-29T03:00:00+02:00')),
    );
    expect(isOpen(early, at('2026-03-29T01:59:59.999+01:00'))).toBe(false);
    expect(isOpen(early, at('2026-03-29T03:00:00+02:00'))).toBe(true);
    expect(businessMinutesBetween(early, at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toBe(60);
    // An ordinary Sunday has the full 90 minutes.
    expect(businessMinutesBetween(early, at('2026-03-21T00:00:00Z'), at('2026-03-23T00:00:00Z'))).toBe(90);
  });

  it('an interval wholly inside the skipped hour does not open that day', () => {
    const swallowed = schedule('Europe/Berlin', [{ day: 0, start: '02:00', end: '03:00' }]);
    expect(iso(nextOpening(swallowed, at('2026-03-29T00:00:00+01:00')))).toBe(
      iso(at('2026-04-05T02:00:00+02:00')),
    );
  });
});

describe('Europe/Berlin, fall back on Sunday 2026-10-25 (03:00 CEST → 02:00 CET)', () => {
  it('that day has 25 hours of open time round the clock', () => {
    expect(minutesOfLocalDay('Europe/Berlin', '2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00')).toBe(
      1500,
    );
  });

  it('an interval over the repeated hour includes both passes: 02:30 (first) to 04:00 is 150 minutes', () => {
    const early = schedule('Europe/Berlin', [{ day: 0, start: '02:30', end: '04:00' }]);
    expect(iso(nextOpening(early, at('2026-10-25T01:00:00+02:00')))).toBe(
      iso(at('2026-10-25T02:30:00+02:00')),
    );
    expect(isOpen(early, at('2026-10-25T02:15:00+01:00'))).toBe(true);
    expect(businessMinutesBetween(early, at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(150);
  });

  it('an interval ending at a repeated time closes at its first pass', () => {
    const night = schedule('Europe/Berlin', [{ day: 0, start: '01:00', end: '02:30' }]);
    expect(businessMinutesBetween(night, at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(90);
    expect(isOpen(night, at('2026-10-25T02:15:00+02:00'))).toBe(true);
    expect(isOpen(night, at('2026-10-25T02:15:00+01:00'))).toBe(false);
  });

  it('office hours over that weekend: Friday 16:00 CEST + 2 h is Monday 10:00 CET', () => {
    const due = addBusinessMinutes(officeHours('Europe/Berlin'), at('2026-10-23T16:00:00+02:00'), 120);
    expect(iso(due)).toBe(iso(at('2026-10-26T10:00:00+01:00')));
  });
});

describe('America/New_York, 2026 (spring 2026-03-08 02:00 EST → 03:00 EDT; fall 2026-11-01 02:00 EDT → 01:00 EST)', () => {
  const ny = officeHours('America/New_York');

  it('Sunday 2026-03-08 has 23 hours and 2026-11-01 has 25', () => {
    expect(
      minutesOfLocalDay('America/New_York', '2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00'),
    ).toBe(1380);
    expect(
      minutesOfLocalDay('America/New_York', '2026-11-01T00:00:00-04:00', '2026-11-02T00:00:00-05:00'),
    ).toBe(1500);
  });

  it('office hours over the DST weekends keep local opening times', () => {
    expect(iso(addBusinessMinutes(ny, at('2026-03-06T16:00:00-05:00'), 120))).toBe(
      iso(at('2026-03-09T10:00:00-04:00')),
    );
    expect(iso(addBusinessMinutes(ny, at('2026-10-30T16:00:00-04:00'), 120))).toBe(
      iso(at('2026-11-02T10:00:00-05:00')),
    );
    expect(businessMinutesBetween(ny, at('2026-03-06T16:00:00-05:00'), at('2026-03-09T10:00:00-04:00'))).toBe(
      120,
    );
  });

  it('01:30 happens twice on 2026-11-01: an interval starting then opens at the first (EDT) pass', () => {
    const night = schedule('America/New_York', [{ day: 0, start: '01:30', end: '03:00' }]);
    expect(iso(nextOpening(night, at('2026-11-01T00:00:00-04:00')))).toBe(
      iso(at('2026-11-01T01:30:00-04:00')),
    );
    expect(businessMinutesBetween(night, at('2026-10-31T00:00:00Z'), at('2026-11-02T00:00:00Z'))).toBe(150);
  });

  it('02:30 does not exist on 2026-03-08: 02:30–03:30 is open 03:00–03:30 EDT', () => {
    const night = schedule('America/New_York', [{ day: 0, start: '02:30', end: '03:30' }]);
    expect(iso(nextOpening(night, at('2026-03-08T00:00:00-05:00')))).toBe(
      iso(at('2026-03-08T03:00:00-04:00')),
    );
    expect(businessMinutesBetween(night, at('2026-03-07T00:00:00Z'), at('2026-03-09T00:00:00Z'))).toBe(30);
  });
});

describe('Australia/Lord_Howe, a 30-minute DST shift', () => {
  it('spring 2026-10-04 (02:00 → 02:30, +10:30 → +11): the day has 23½ hours', () => {
    expect(
      minutesOfLocalDay('Australia/Lord_Howe', '2026-10-04T00:00:00+10:30', '2026-10-05T00:00:00+11:00'),
    ).toBe(1410);
  });

  it('spring: an interval 02:00–03:00 opens at 02:30 and lasts 30 minutes', () => {
    const s = schedule('Australia/Lord_Howe', [{ day: 0, start: '02:00', end: '03:00' }]);
    expect(iso(nextOpening(s, at('2026-10-04T01:00:00+10:30')))).toBe(iso(at('2026-10-04T02:30:00+11:00')));
    expect(businessMinutesBetween(s, at('2026-10-03T00:00:00Z'), at('2026-10-05T00:00:00Z'))).toBe(30);
  });

  it('fall 2026-04-05 (02:00 → 01:30, +11 → +10:30): the day has 24½ hours', () => {
    expect(
      minutesOfLocalDay('Australia/Lord_Howe', '2026-04-05T00:00:00+11:00', '2026-04-06T00:00:00+10:30'),
    ).toBe(1470);
  });

  it('fall: 01:30–02:00 opens at the first 01:30 and lasts both passes, 60 minutes', () => {
    const s = schedule('Australia/Lord_Howe', [{ day: 0, start: '01:30', end: '02:00' }]);
    expect(iso(nextOpening(s, at('2026-04-05T00:00:00+11:00')))).toBe(iso(at('2026-04-05T01:30:00+11:00')));
    expect(isOpen(s, at('2026-04-05T01:45:00+10:30'))).toBe(true);
    expect(iso(addBusinessMinutes(s, at('2026-04-05T00:00:00+11:00'), 60))).toBe(
      iso(at('2026-04-05T02:00:00+10:30')),
    );
  });
});

describe('America/Santiago, transitions at midnight', () => {
  it('fall 2026-04-05 (Sunday 00:00 → Saturday 23:00): Saturday runs 25 hours, both passes of 23:xx included', () => {
    const saturdays = schedule('America/Santiago', [{ day: 6, start: '00:00', end: '24:00' }]);
    expect(businessMinutesBetween(saturdays, at('2026-04-03T00:00:00Z'), at('2026-04-07T00:00:00Z'))).toBe(
      1500,
    );
    expect(isOpen(saturdays, at('2026-04-04T23:30:00-03:00'))).toBe(true);
    expect(isOpen(saturdays, at('2026-04-04T23:30:00-04:00'))).toBe(true);
    expect(isOpen(saturdays, at('2026-04-05T00:00:00-04:00'))).toBe(false);
    expect(
      minutesOfLocalDay('America/Santiago', '2026-04-05T00:00:00-04:00', '2026-04-06T00:00:00-04:00'),
    ).toBe(1440);
  });

  it('spring 2026-09-06 (00:00 → 01:00): Sunday opens at 01:00, right where Saturday’s 24:00 closes', () => {
    const weekend = schedule('America/Santiago', [
      { day: 6, start: '20:00', end: '24:00' },
      { day: 0, start: '00:00', end: '02:00' },
    ]);
    expect(iso(addBusinessMinutes(weekend, at('2026-09-05T23:00:00-04:00'), 90))).toBe(
      iso(at('2026-09-06T01:30:00-03:00')),
    );
    expect(businessMinutesBetween(weekend, at('2026-09-05T00:00:00Z'), at('2026-09-08T00:00:00Z'))).toBe(
      240 + 60,
    );
  });
});
