import { describe, expect, it } from 'vitest';
import {
  type BusinessSchedule,
  CALENDAR_HOURS,
  validateSchedule,
} from '../../../functions/core/sla/schedule.ts';
import { hours, MON_FRI, officeHours, schedule } from './schedules.ts';

const pathsOf = (s: BusinessSchedule) => validateSchedule(s).map((error) => error.path);

describe('validateSchedule', () => {
  it('accepts office hours, a lunch break, a 24:00 end, touching intervals and holidays', () => {
    expect(validateSchedule(officeHours('Europe/Berlin'))).toEqual([]);
    const busy = schedule(
      'America/New_York',
      [...hours(MON_FRI, ['09:00', '12:00'], ['13:00', '17:00']), { day: 5, start: '17:00', end: '24:00' }],
      [{ date: '2026-12-25', name: 'Christmas' }, { date: '2028-02-29' }],
    );
    expect(validateSchedule(busy)).toEqual([]);
    expect(validateSchedule(CALENDAR_HOURS)).toEqual([]);
  });

  it('refuses unknown zones and bare offsets', () => {
    expect(pathsOf(officeHours('Mars/Olympus_Mons'))).toEqual(['timeZone']);
    expect(pathsOf(officeHours('+01:00'))).toEqual(['timeZone']);
    expect(pathsOf(officeHours(''))).toEqual(['timeZone']);
  });

  it('refuses malformed times, days out of range and inverted or empty intervals', () => {
    const bad = schedule('UTC', [
      { day: 1, start: '9:00', end: '17:00' },
      { day: 2, start: '09:00', end: '24:01' },
      { day: 7 as 1, start: '09:00', end: '17:00' },
      { day: 3, start: '17:00', end: '09:00' },
      { day: 4, start: '10:00', end: '10:00' },
      { day: 5, start: '24:00', end: '24:00' },
    ]);
    expect(validateSchedule(bad)).toEqual([
      { path: 'weekly[0].start', message: expect.any(String) },
      { path: 'weekly[1].end', message: expect.any(String) },
      { path: 'weekly[2].day', message: expect.any(String) },
      { path: 'weekly[3]', message: expect.stringContaining('before it starts') },
      { path: 'weekly[4]', message: expect.stringContaining('before it starts') },
      { path: 'weekly[5].start', message: expect.any(String) },
    ]);
  });

  it('refuses overlapping intervals of one day, naming both', () => {
    const overlapping = schedule('UTC', [
      { day: 1, start: '13:00', end: '17:00' },
      { day: 2, start: '09:00', end: '13:30' },
      { day: 1, start: '09:00', end: '13:01' },
    ]);
    expect(validateSchedule(overlapping)).toEqual([{ path: 'weekly[2]', message: 'overlaps weekly[0]' }]);
  });

  it('refuses impossible holiday dates', () => {
    const holidays = [
      { date: '2026-02-30' },
      { date: '2026-1-1' },
      { date: '2027-02-29' },
      { date: '2026-01-01' },
    ];
    expect(pathsOf(officeHours('UTC', holidays))).toEqual([
      'holidays[0].date',
      'holidays[1].date',
      'holidays[2].date',
    ]);
  });

  it('refuses a schedule that never opens', () => {
    expect(pathsOf(schedule('UTC', []))).toEqual(['weekly']);
  });
});

describe('CALENDAR_HOURS', () => {
  it('is open all day every day in UTC, and frozen', () => {
    expect(CALENDAR_HOURS.timeZone).toBe('UTC');
    expect(CALENDAR_HOURS.weekly.map((interval) => [interval.day, interval.start, interval.end])).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((day) => [day, '00:00', '24:00']),
    );
    expect(Object.isFrozen(CALENDAR_HOURS)).toBe(true);
  });
});
