import { describe, expect, it } from 'vitest';
import type { Agent, AssignmentStrategy } from '../../../functions/core/model.ts';
import {
  chooseAgent,
  type RoutingDecision,
  type RoutingInput,
  requiredSkills,
  rotationOrder,
} from '../../../functions/core/routing/index.ts';
import { agent, MONDAY_NOON_UTC, weekdays } from './fixtures.ts';

const noTicket = { tags: [], triage: null };

function route(
  strategy: AssignmentStrategy,
  agents: readonly Agent[],
  extra: Partial<RoutingInput> = {},
): RoutingDecision {
  return chooseAgent({
    strategy,
    group: 'g1',
    agents,
    ticket: noTicket,
    nowMs: MONDAY_NOON_UTC,
    cursor: null,
    ...extra,
  });
}

/**
 * Routes `count` tickets one after the other the way the I/O side does: store the decision's cursor and, when
 * `countLoad`, add one to the chosen agent's load. Returns how many tickets each agent got.
 */
function simulate(
  strategy: AssignmentStrategy,
  start: readonly Agent[],
  count: number,
  countLoad = false,
): { spread: Record<string, number>; order: (string | null)[] } {
  let agents = [...start];
  let cursor: string | null = null;
  const spread: Record<string, number> = Object.fromEntries(agents.map((a) => [a.id, 0]));
  const order: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const decision = route(strategy, agents, { cursor });
    cursor = decision.cursor;
    order.push(decision.agentId);
    if (decision.agentId === null) continue;
    spread[decision.agentId]! += 1;
    if (countLoad) agents = agents.map((a) => (a.id === decision.agentId ? { ...a, load: a.load + 1 } : a));
  }
  return { spread, order };
}

describe('manual', () => {
  it('never assigns and keeps the cursor', () => {
    expect(route('manual', [agent('ana')], { cursor: 'ana' })).toEqual({
      agentId: null,
      strategy: 'manual',
      reason: 'group assigns manually',
      cursor: 'ana',
    });
  });
});

describe('round robin', () => {
  const three = [agent('c'), agent('a'), agent('b')];

  it('goes in id order after the cursor, wrapping around, whatever order agents come in', () => {
    expect(route('round_robin', three).agentId).toBe('a');
    expect(route('round_robin', three, { cursor: 'a' }).agentId).toBe('b');
    expect(route('round_robin', three, { cursor: 'b' }).agentId).toBe('c');
    expect(route('round_robin', three, { cursor: 'c' })).toEqual({
      agentId: 'a',
      strategy: 'round_robin',
      reason: 'round robin: next in turn',
      cursor: 'a',
    });
  });

  it('continues after a cursor whose agent has left the group', () => {
    expect(route('round_robin', three, { cursor: 'ab' }).agentId).toBe('b');
    expect(route('round_robin', three, { cursor: 'zz' }).agentId).toBe('a');
    expect(rotationOrder(three, 'ab').map((a) => a.id)).toEqual(['b', 'c', 'a']);
  });

  it('30 tickets over 3 always-eligible agents give exactly 10 each, in turn', () => {
    const { spread, order } = simulate('round_robin', three, 30);
    expect(spread).toEqual({ a: 10, b: 10, c: 10 });
    expect(order.slice(0, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('with one agent away, 15 each to the others and none to the away one', () => {
    const { spread } = simulate('round_robin', [agent('a'), agent('b', { status: 'away' }), agent('c')], 30);
    expect(spread).toEqual({ a: 15, b: 0, c: 15 });
  });

  it('stays fair when loads count and stops at capacity', () => {
    const { spread, order } = simulate(
      'round_robin',
      [agent('a', { capacity: 4 }), agent('b', { capacity: 12 }), agent('c', { capacity: 12 })],
      30,
      true,
    );
    expect(spread).toEqual({ a: 4, b: 12, c: 12 });
    expect(order.filter((id) => id === null)).toHaveLength(2);
  });

  it('names the agents it skipped and why', () => {
    const agents = [
      agent('a', { name: 'Ana', status: 'away' }),
      agent('b', { name: 'Bob', load: 10 }),
      agent('c', { name: 'Cy' }),
    ];
    expect(route('round_robin', agents).reason).toBe(
      'round robin: next in turn; skipped Ana (away), Bob (at capacity 10/10)',
    );
    const many = [...'abcde'].map((id) => agent(id, { status: 'away' })).concat(agent('f'));
    expect(route('round_robin', many).reason).toBe(
      'round robin: next in turn; skipped A (away), B (away), C (away) and 2 more',
    );
  });

  it('ignores agents of other groups', () => {
    const agents = [agent('a', { groups: ['g2'] }), agent('b', { groups: ['g1', 'g2'] })];
    expect(route('round_robin', agents).agentId).toBe('b');
    expect(route('round_robin', agents, { group: 'g2', cursor: 'a' }).agentId).toBe('b');
  });
});

describe('least loaded', () => {
  it('picks the lowest load/capacity ratio, not the lowest load', () => {
    const agents = [agent('a', { load: 2, capacity: 4 }), agent('b', { load: 3, capacity: 10 })];
    expect(route('least_loaded', agents)).toMatchObject({
      agentId: 'b',
      reason: 'least loaded 3/10 (lowest of 2 eligible)',
      cursor: 'b',
    });
  });

  it('breaks an equal ratio by the lower absolute load', () => {
    const agents = [agent('a', { load: 4, capacity: 8 }), agent('b', { load: 2, capacity: 4 })];
    expect(route('least_loaded', agents).agentId).toBe('b');
  });

  it('rotates true ties after the cursor', () => {
    const agents = [agent('a', { load: 1 }), agent('b', { load: 1 }), agent('c', { load: 5 })];
    expect(route('least_loaded', agents).agentId).toBe('a');
    expect(route('least_loaded', agents, { cursor: 'a' })).toMatchObject({
      agentId: 'b',
      reason: 'least loaded 1/10 (lowest of 3 eligible; tied with 1 other, next in turn)',
    });
    expect(route('least_loaded', agents, { cursor: 'b' }).agentId).toBe('a');
  });

  it('skips ineligible agents even when they carry less', () => {
    const agents = [agent('a', { status: 'away' }), agent('b', { load: 9 })];
    expect(route('least_loaded', agents)).toMatchObject({
      agentId: 'b',
      reason: 'least loaded 9/10 (only eligible)',
    });
  });

  it('spreads 30 tickets evenly over equal agents as loads grow', () => {
    const { spread } = simulate('least_loaded', [agent('a'), agent('b'), agent('c')], 30, true);
    expect(spread).toEqual({ a: 10, b: 10, c: 10 });
  });

  it('evens out unequal starting loads first', () => {
    const { order } = simulate('least_loaded', [agent('a', { load: 3 }), agent('b')], 4, true);
    expect(order).toEqual(['b', 'b', 'b', 'a']);
  });
});

describe('skills', () => {
  const spanish = (tags: string[] = []) => ({ tags, triage: { language: 'es' } });

  it('requires the triage language and the tags that some agent of the group has as a skill', () => {
    const members = [agent('a', { skills: ['billing'] }), agent('b', { skills: ['es'] })];
    expect(requiredSkills({ tags: ['vip', 'billing'], language: 'es' }, members)).toEqual(['es', 'billing']);
    expect(requiredSkills({ tags: ['billing'], language: 'und' }, members)).toEqual(['billing']);
    expect(requiredSkills({ tags: ['vip'], language: null }, members)).toEqual([]);
    // Skills written with spaces match the tag form.
    expect(
      requiredSkills({ tags: ['key_accounts'], language: null }, [agent('a', { skills: ['Key Accounts'] })]),
    ).toEqual(['key_accounts']);
  });

  it('prefers agents with every required skill, least loaded among them', () => {
    const agents = [
      agent('a', { skills: ['es'], load: 0 }),
      agent('b', { skills: ['es', 'billing'], load: 5 }),
      agent('c', { skills: ['billing', 'es', 'fr'], load: 2 }),
    ];
    expect(route('skills', agents, { ticket: spanish(['billing', 'vip']) })).toEqual({
      agentId: 'c',
      strategy: 'skills',
      reason: 'skills: matched es, billing; least loaded 2/10 (lowest of 2 eligible with these skills)',
      cursor: 'c',
    });
  });

  it('falls back to the agents matching the most when nobody eligible has them all', () => {
    const agents = [
      agent('a', { skills: ['es', 'billing'], status: 'away' }),
      agent('b', { skills: ['billing'], load: 1 }),
      agent('c', { skills: ['es'], load: 3 }),
      agent('d', { skills: [], load: 0 }),
    ];
    expect(route('skills', agents, { ticket: spanish(['billing']) })).toMatchObject({
      agentId: 'b',
      reason:
        'skills: matched billing, not es (no eligible agent has all of es, billing); least loaded 1/10 (lowest of 2 eligible matching 1 of 2)',
    });
  });

  it('uses least loaded over everyone when nobody has a required skill', () => {
    const agents = [agent('a', { load: 4 }), agent('b', { load: 1 })];
    expect(route('skills', agents, { ticket: spanish() })).toMatchObject({
      agentId: 'b',
      reason: 'skills: no eligible agent has es; least loaded 1/10 (lowest of 2 eligible)',
    });
  });

  it('uses least loaded over everyone when nothing is required', () => {
    const agents = [agent('a', { load: 4, skills: ['es'] }), agent('b', { load: 1 })];
    expect(route('skills', agents, { ticket: { tags: ['vip'], triage: { language: 'und' } } })).toMatchObject(
      {
        agentId: 'b',
        reason: 'skills: none required; least loaded 1/10 (lowest of 2 eligible)',
      },
    );
  });

  it('rotates ties within a tier', () => {
    const agents = [agent('a', { skills: ['es'] }), agent('b', { skills: ['es'] }), agent('c')];
    expect(route('skills', agents, { ticket: spanish() }).agentId).toBe('a');
    expect(route('skills', agents, { ticket: spanish(), cursor: 'a' }).agentId).toBe('b');
    expect(route('skills', agents, { ticket: spanish(), cursor: 'b' }).agentId).toBe('a');
  });
});

describe('nobody eligible', () => {
  it('says why, counting reasons, and keeps the cursor', () => {
    const agents = [
      agent('a', { status: 'away' }),
      agent('b', { status: 'away' }),
      agent('c', { load: 10 }),
      agent('d', { workingHours: weekdays('America/New_York', '09:00', '17:00') }),
      agent('e', { groups: ['g2'] }),
    ];
    for (const strategy of ['round_robin', 'least_loaded', 'skills'] as const) {
      expect(route(strategy, agents, { cursor: 'b', nowMs: Date.parse('2026-06-01T22:00:00Z') })).toEqual({
        agentId: null,
        strategy,
        reason: 'no available agent in group: 2 away, 1 at capacity, 1 off shift',
        cursor: 'b',
      });
    }
  });

  it('says so when the group has no agent at all', () => {
    expect(route('round_robin', [agent('a', { groups: ['g2'] })])).toMatchObject({
      agentId: null,
      reason: 'no agent in group',
      cursor: null,
    });
  });
});
