import type { Agent, WorkingHours } from '../../../functions/core/model.ts';
import type { Weekday } from '../../../functions/core/sla/schedule.ts';

/** Test agents: available, empty, capacity 10, in group g1, any time, unless said otherwise. */
export function agent(id: string, overrides: Partial<Agent> = {}): Agent {
  return {
    tenantId: 't1',
    id,
    name: id.charAt(0).toUpperCase() + id.slice(1),
    email: `${id}@example.com`,
    role: 'agent',
    groups: ['g1'],
    skills: [],
    capacity: 10,
    status: 'available',
    load: 0,
    workingHours: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

/** The same hours Monday to Friday in `timeZone`. */
export function weekdays(timeZone: string, start: string, end: string): WorkingHours {
  const days: Weekday[] = [1, 2, 3, 4, 5];
  return { timeZone, weekly: days.map((day) => ({ day, start, end })) };
}

/** Monday 1 June 2026, 12:00 UTC: inside any office day from Europe to the Americas. */
export const MONDAY_NOON_UTC = Date.parse('2026-06-01T12:00:00Z');
