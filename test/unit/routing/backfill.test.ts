import { describe, expect, it } from 'vitest';
import type { AssignmentStrategy } from '../../../functions/core/model.ts';
import {
  type BackfillGroup,
  backfillReason,
  groupSkills,
  type QueuedTicket,
  ticketsForAgent,
} from '../../../functions/core/routing/index.ts';
import { agent, MONDAY_NOON_UTC, weekdays } from './fixtures.ts';

const groups = new Map<string, BackfillGroup>([
  ['g1', { assignment: 'round_robin' }],
  ['g2', { assignment: 'manual' }],
  ['g3', { assignment: 'skills', skills: ['es', 'en', 'billing'] }],
  ['g4', { assignment: 'skills' }],
]);

const queued = (number: number, group: string | null, language: string | null = null): QueuedTicket => ({
  number,
  group,
  tags: [],
  language,
});

describe('ticketsForAgent', () => {
  const queue = [1, 2, 3, 4, 5, 6].map((n) => queued(n, 'g1'));

  it('takes the oldest queued tickets, in the given order, up to the free capacity', () => {
    const ana = agent('ana', { load: 7, capacity: 10 });
    expect(
      ticketsForAgent({ agent: ana, queued: queue, nowMs: MONDAY_NOON_UTC, groupsById: groups }),
    ).toEqual([1, 2, 3]);
    const reversed = [...queue].reverse();
    expect(
      ticketsForAgent({ agent: ana, queued: reversed, nowMs: MONDAY_NOON_UTC, groupsById: groups }),
    ).toEqual([6, 5, 4]);
    expect(
      ticketsForAgent({
        agent: agent('bob', { load: 0 }),
        queued: queue,
        nowMs: MONDAY_NOON_UTC,
        groupsById: groups,
      }),
    ).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('takes nothing when the agent is away, full, over capacity or off shift', () => {
    const cases = [
      agent('a', { status: 'away' }),
      agent('b', { load: 10 }),
      agent('c', { load: 11 }),
      agent('d', { capacity: 0 }),
      agent('e', { workingHours: weekdays('America/New_York', '09:00', '17:00') }),
    ];
    for (const who of cases) {
      expect(
        ticketsForAgent({
          agent: who,
          queued: queue,
          nowMs: Date.parse('2026-06-01T22:00:00Z'),
          groupsById: groups,
        }),
      ).toEqual([]);
    }
  });

  it('only takes tickets of the agent’s own groups whose strategy is known and not manual', () => {
    const mixed = [
      queued(1, 'g2'),
      queued(2, 'g9'),
      queued(3, null),
      queued(4, 'g1'),
      queued(5, 'g5'),
      queued(6, 'g1'),
    ];
    const ana = agent('ana', { groups: ['g1', 'g2', 'g5'] });
    expect(
      ticketsForAgent({ agent: ana, queued: mixed, nowMs: MONDAY_NOON_UTC, groupsById: groups }),
    ).toEqual([4, 6]);
  });

  it('reads the strategy from the ticket when given, without groupsById', () => {
    const withStrategy = (n: number, strategyOfGroup: AssignmentStrategy): QueuedTicket => ({
      ...queued(n, 'g1'),
      strategyOfGroup,
    });
    const list = [withStrategy(1, 'manual'), withStrategy(2, 'least_loaded'), queued(3, 'g1')];
    expect(ticketsForAgent({ agent: agent('ana'), queued: list, nowMs: MONDAY_NOON_UTC })).toEqual([2]);
  });

  it('in a skills group, leaves a ticket for a speaker of its language unless nobody in the group speaks it', () => {
    const list = [
      queued(1, 'g3', 'es'), // Ana lacks es, others in g3 have it: waits
      queued(2, 'g3', 'en'),
      queued(3, 'g3', 'und'),
      queued(4, 'g3', null),
      queued(5, 'g3', 'de'), // nobody in g3 speaks de: Ana takes it
      queued(6, 'g4', 'es'), // g4's skills unknown: waits for a speaker
      queued(7, 'g4', 'EN'),
      queued(8, 'g1', 'es'), // round robin group: language is no requirement
    ];
    const ana = agent('ana', { groups: ['g1', 'g3', 'g4'], skills: ['en'] });
    expect(ticketsForAgent({ agent: ana, queued: list, nowMs: MONDAY_NOON_UTC, groupsById: groups })).toEqual(
      [2, 3, 4, 5, 7, 8],
    );
  });

  it('never takes the same ticket twice', () => {
    const list = [queued(1, 'g1'), queued(1, 'g1'), queued(2, 'g1')];
    expect(
      ticketsForAgent({ agent: agent('ana'), queued: list, nowMs: MONDAY_NOON_UTC, groupsById: groups }),
    ).toEqual([1, 2]);
  });
});

describe('groupSkills and backfillReason', () => {
  it('collects the skills of a group’s agents', () => {
    const agents = [
      agent('a', { groups: ['g3'], skills: ['es', 'Key Accounts'] }),
      agent('b', { groups: ['g3'], skills: ['es', 'en'] }),
      agent('c', { groups: ['g1'], skills: ['de'] }),
    ];
    expect(groupSkills(agents, 'g3').sort()).toEqual(['en', 'es', 'key_accounts']);
  });

  it('says who had room', () => {
    expect(backfillReason(agent('ana', { name: 'Ana' }), 3)).toBe(
      'backfill: Ana had room (3/10); oldest queued ticket first',
    );
  });
});
