import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Agent, WorkingHours } from '../../../functions/core/model.ts';
import { chooseAgent, type RoutingInput, skillKey } from '../../../functions/core/routing/index.ts';
import { isOpen } from '../../../functions/core/sla/business-time.ts';
import type { BusinessSchedule, Weekday } from '../../../functions/core/sla/schedule.ts';
import { agent, weekdays } from './fixtures.ts';

const ZONES = ['UTC', 'America/New_York', 'Europe/Madrid', 'Asia/Tokyo', 'Asia/Kathmandu'] as const;
const SKILLS = ['en', 'es', 'de', 'billing', 'refunds', 'vip'] as const;
const GROUPS = ['g1', 'g2'] as const;

/**
 * A pool of working hours per zone: office days, a night shift across midnight, weekends only. The same objects
 * are reused across runs (as one agent record is across decisions), so what the arithmetic derives from them
 * is cached and hundreds of runs stay fast.
 */
const HOURS_POOL: readonly WorkingHours[] = ZONES.flatMap((timeZone) => [
  weekdays(timeZone, '09:00', '17:00'),
  {
    timeZone,
    weekly: ([1, 2, 3, 4, 5] as Weekday[]).flatMap((day) => [
      { day, start: '22:00', end: '24:00' },
      { day: ((day + 1) % 7) as Weekday, start: '00:00', end: '06:00' },
    ]),
  },
  {
    timeZone,
    weekly: [
      { day: 0, start: '10:00', end: '18:00' },
      { day: 6, start: '10:00', end: '18:00' },
    ],
  },
]);

const workingHours: fc.Arbitrary<WorkingHours | null> = fc.option(fc.constantFrom(...HOURS_POOL), {
  freq: 3,
});

const agents: fc.Arbitrary<Agent[]> = fc
  .uniqueArray(
    fc.record({
      id: fc.stringMatching(/^[0-9A-Z]{4}$/),
      groups: fc.subarray([...GROUPS]),
      skills: fc.subarray([...SKILLS]),
      capacity: fc.integer({ min: 0, max: 6 }),
      load: fc.integer({ min: 0, max: 7 }),
      status: fc.constantFrom('available' as const, 'away' as const),
      workingHours,
    }),
    { selector: (a) => a.id, maxLength: 8 },
  )
  .map((records) => records.map((record) => agent(record.id, record)));

const input: fc.Arbitrary<RoutingInput> = agents.chain((list) =>
  fc.record({
    strategy: fc.constantFrom('round_robin' as const, 'least_loaded' as const, 'skills' as const),
    group: fc.constantFrom(...GROUPS),
    agents: fc.constant(list),
    ticket: fc.record({
      tags: fc.subarray(['vip', 'billing', 'refunds', 'other']),
      triage: fc.option(fc.record({ language: fc.constantFrom('en', 'es', 'de', 'fr', 'und') })),
    }),
    nowMs: fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }),
    cursor: fc.option(
      fc.oneof(fc.constantFrom(...list.map((a) => a.id), 'ZZZZ'), fc.stringMatching(/^[0-9A-Z]{4}$/)),
    ),
  }),
);

/** Eligibility spelled out again from the rules, not from the code under test. */
const schedules = new Map<WorkingHours, BusinessSchedule>(
  HOURS_POOL.map((hours) => [hours, { timeZone: hours.timeZone, weekly: hours.weekly, holidays: [] }]),
);

function canTake(a: Agent, group: string, nowMs: number): boolean {
  const onShift = a.workingHours === null || isOpen(schedules.get(a.workingHours)!, nowMs);
  return a.groups.includes(group) && a.status === 'available' && a.load < a.capacity && onShift;
}

const ratio = (a: Agent) => a.load / a.capacity;

describe('chooseAgent, for any agents, loads, hours and tickets', () => {
  it('only ever chooses an available member below capacity and on shift, and keeps the cursor on it', () => {
    fc.assert(
      fc.property(input, (routing) => {
        const decision = chooseAgent(routing);
        if (decision.agentId === null) return;
        const chosen = routing.agents.find((a) => a.id === decision.agentId)!;
        expect(chosen).toBeDefined();
        expect(chosen.groups).toContain(routing.group);
        expect(chosen.status).toBe('available');
        expect(chosen.load).toBeLessThan(chosen.capacity);
        expect(canTake(chosen, routing.group, routing.nowMs)).toBe(true);
        expect(decision.cursor).toBe(chosen.id);
      }),
      { numRuns: 250 },
    );
  });

  it('assigns whenever someone can take the ticket, and otherwise keeps the cursor', () => {
    fc.assert(
      fc.property(input, (routing) => {
        const decision = chooseAgent(routing);
        const anyone = routing.agents.some((a) => canTake(a, routing.group, routing.nowMs));
        expect(decision.agentId !== null).toBe(anyone);
        if (!anyone) {
          expect(decision.cursor).toBe(routing.cursor);
          expect(decision.reason).toMatch(/^no (available )?agent in group/);
        }
      }),
      { numRuns: 250 },
    );
  });

  it('least loaded never passes over a lower ratio; skills never over an agent matching more', () => {
    fc.assert(
      fc.property(input, (routing) => {
        const decision = chooseAgent(routing);
        if (decision.agentId === null) return;
        const chosen = routing.agents.find((a) => a.id === decision.agentId)!;
        const eligible = routing.agents.filter((a) => canTake(a, routing.group, routing.nowMs));
        if (routing.strategy === 'least_loaded') {
          for (const other of eligible) expect(ratio(chosen)).toBeLessThanOrEqual(ratio(other));
        }
        if (routing.strategy === 'skills') {
          const language = routing.ticket.triage?.language;
          const members = routing.agents.filter((a) => a.groups.includes(routing.group));
          const required = new Set(
            routing.ticket.tags.filter((tag) => members.some((m) => m.skills.map(skillKey).includes(tag))),
          );
          if (language !== undefined && language !== 'und') required.add(language);
          const matches = (a: Agent) => [...required].filter((skill) => a.skills.includes(skill)).length;
          for (const other of eligible) {
            expect(matches(chosen)).toBeGreaterThanOrEqual(matches(other));
            if (matches(other) === matches(chosen)) expect(ratio(chosen)).toBeLessThanOrEqual(ratio(other));
          }
        }
      }),
      { numRuns: 250 },
    );
  });

  it('is deterministic and does not depend on the order agents are listed in', () => {
    fc.assert(
      fc.property(input, (routing) => {
        const decision = chooseAgent(routing);
        expect(chooseAgent({ ...routing, agents: [...routing.agents].reverse() })).toEqual(decision);
      }),
      { numRuns: 150 },
    );
  });

  it('round robin over many tickets gives no eligible agent more than one ticket above another', () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 40 }), (routing, count) => {
        const counts = new Map<string, number>();
        let cursor = routing.cursor;
        for (let i = 0; i < count; i++) {
          const decision = chooseAgent({ ...routing, strategy: 'round_robin', cursor });
          cursor = decision.cursor;
          if (decision.agentId !== null)
            counts.set(decision.agentId, (counts.get(decision.agentId) ?? 0) + 1);
        }
        const eligible = routing.agents.filter((a) => canTake(a, routing.group, routing.nowMs));
        const shares = eligible.map((a) => counts.get(a.id) ?? 0);
        if (shares.length > 0) expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
        expect([...counts.values()].reduce((sum, n) => sum + n, 0)).toBe(eligible.length > 0 ? count : 0);
      }),
      { numRuns: 100 },
    );
  });
});
