import { describe, expect, it } from 'vitest';
import {
  ineligibility,
  isEligible,
  isOnShift,
  summariseIneligibility,
  whyIneligible,
} from '../../../functions/core/routing/index.ts';
import { agent, MONDAY_NOON_UTC, weekdays } from './fixtures.ts';

const at = (iso: string) => Date.parse(iso);

describe('whyIneligible', () => {
  it('is null for an available member below capacity with no working hours', () => {
    expect(whyIneligible(agent('ana'), 'g1', MONDAY_NOON_UTC)).toBeNull();
    expect(isEligible(agent('ana'), 'g1', MONDAY_NOON_UTC)).toBe(true);
  });

  it('names each reason', () => {
    expect(whyIneligible(agent('ana', { groups: ['g2'] }), 'g1', MONDAY_NOON_UTC)).toBe('not in group');
    expect(whyIneligible(agent('ana', { status: 'away' }), 'g1', MONDAY_NOON_UTC)).toBe('away');
    expect(whyIneligible(agent('ana', { load: 10, capacity: 10 }), 'g1', MONDAY_NOON_UTC)).toBe(
      'at capacity 10/10',
    );
    expect(whyIneligible(agent('ana', { load: 12, capacity: 10 }), 'g1', MONDAY_NOON_UTC)).toBe(
      'at capacity 12/10',
    );
    expect(whyIneligible(agent('ana', { capacity: 0 }), 'g1', MONDAY_NOON_UTC)).toBe('at capacity 0/0');
    const madrid = agent('ana', { workingHours: weekdays('Europe/Madrid', '09:00', '17:00') });
    // 22:00 UTC is midnight in Madrid (CEST, UTC+2).
    expect(whyIneligible(madrid, 'g1', at('2026-06-01T22:00:00Z'))).toBe('off shift (Europe/Madrid)');
    expect(ineligibility(madrid, 'g1', at('2026-06-01T22:00:00Z'))?.kind).toBe('off_shift');
  });

  it('reports the first reason in the order group, status, capacity, shift', () => {
    const everything = agent('ana', {
      groups: [],
      status: 'away',
      load: 10,
      workingHours: weekdays('UTC', '09:00', '10:00'),
    });
    expect(whyIneligible(everything, 'g1', MONDAY_NOON_UTC)).toBe('not in group');
    expect(whyIneligible({ ...everything, groups: ['g1'] }, 'g1', MONDAY_NOON_UTC)).toBe('away');
    expect(whyIneligible({ ...everything, groups: ['g1'], status: 'available' }, 'g1', MONDAY_NOON_UTC)).toBe(
      'at capacity 10/10',
    );
  });
});

describe('working hours across time zones', () => {
  const newYork = agent('nia', { workingHours: weekdays('America/New_York', '09:00', '17:00') });

  it('an agent in New York at 09:00–17:00 Mon–Fri is off shift at 22:00 UTC on a Monday', () => {
    // Summer (EDT, UTC−4): 22:00 UTC is 18:00 in New York.
    expect(whyIneligible(newYork, 'g1', at('2026-06-01T22:00:00Z'))).toBe('off shift (America/New_York)');
    // Winter (EST, UTC−5): 22:00 UTC is 17:00, the closing instant, which is no longer open.
    expect(whyIneligible(newYork, 'g1', at('2026-01-05T22:00:00Z'))).toBe('off shift (America/New_York)');
    expect(whyIneligible(newYork, 'g1', at('2026-01-05T21:59:00Z'))).toBeNull();
  });

  it('follows the agent’s own clock, daylight saving included', () => {
    expect(isOnShift(newYork, at('2026-06-01T13:00:00Z'))).toBe(true); // 09:00 EDT
    expect(isOnShift(newYork, at('2026-06-01T12:59:00Z'))).toBe(false); // 08:59 EDT
    expect(isOnShift(newYork, at('2026-01-05T13:59:00Z'))).toBe(false); // 08:59 EST
    expect(isOnShift(newYork, at('2026-01-05T14:00:00Z'))).toBe(true); // 09:00 EST
    expect(isOnShift(newYork, at('2026-06-06T15:00:00Z'))).toBe(false); // Saturday 11:00
  });

  it('places a Tokyo shift on the previous UTC day', () => {
    const tokyo = agent('taro', { workingHours: weekdays('Asia/Tokyo', '09:00', '17:00') });
    // Tuesday 09:00 in Tokyo (UTC+9) is Monday 00:00 UTC.
    expect(isOnShift(tokyo, at('2026-06-01T00:00:00Z'))).toBe(true);
    expect(isOnShift(tokyo, at('2026-06-01T22:00:00Z'))).toBe(false); // Tuesday 07:00 in Tokyo
    // Monday 09:00 in Tokyo is Sunday 00:00 UTC; Sunday 23:00 UTC is Monday 08:00 in Tokyo.
    expect(isOnShift(tokyo, at('2026-05-31T23:00:00Z'))).toBe(false);
  });

  it('treats a night shift of two touching intervals as one', () => {
    const night = agent('nora', {
      workingHours: {
        timeZone: 'Europe/Madrid',
        weekly: [
          { day: 1, start: '22:00', end: '24:00' },
          { day: 2, start: '00:00', end: '06:00' },
        ],
      },
    });
    expect(isOnShift(night, at('2026-06-01T20:00:00Z'))).toBe(true); // Monday 22:00 CEST
    expect(isOnShift(night, at('2026-06-01T23:30:00Z'))).toBe(true); // Tuesday 01:30
    expect(isOnShift(night, at('2026-06-02T04:00:00Z'))).toBe(false); // Tuesday 06:00
  });

  it('is always on shift without working hours, never with hours it cannot read or no interval', () => {
    expect(isOnShift(agent('ana'), at('2026-06-06T03:00:00Z'))).toBe(true);
    const broken = agent('bob', { workingHours: { timeZone: 'Mars/Olympus', weekly: [] } });
    expect(whyIneligible(broken, 'g1', MONDAY_NOON_UTC)).toBe('off shift (Mars/Olympus)');
    const never = agent('cy', { workingHours: { timeZone: 'UTC', weekly: [] } });
    expect(isOnShift(never, MONDAY_NOON_UTC)).toBe(false);
  });
});

describe('summariseIneligibility', () => {
  it('counts reasons, most common first', () => {
    const reasons = [
      agent('a', { workingHours: weekdays('UTC', '00:00', '01:00') }),
      agent('b', { status: 'away' }),
      agent('c', { load: 10 }),
      agent('d', { status: 'away' }),
    ].map((a) => ineligibility(a, 'g1', MONDAY_NOON_UTC)!);
    expect(summariseIneligibility(reasons)).toBe('2 away, 1 at capacity, 1 off shift');
    expect(summariseIneligibility([])).toBe('');
  });
});
