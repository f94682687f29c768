import { describe, expect, it } from 'vitest';
import type { ConditionTarget } from '../../../functions/core/conditions.ts';
import {
  type SlaPolicy,
  selectPolicy,
  targetsFor,
  validatePolicy,
  warnLeadMinutes,
} from '../../../functions/core/sla/policy.ts';

const ticket = (overrides: Partial<ConditionTarget> = {}): ConditionTarget => ({
  priority: 'normal',
  type: 'question',
  group: null,
  channel: 'email',
  tags: [],
  status: 'new',
  subject: 'Hello',
  customFields: {},
  requester: { email: 'ana@example.com' },
  ...overrides,
});

const policy = (id: string, position: number, conditions: SlaPolicy['conditions'] = {}): SlaPolicy => ({
  id,
  name: id,
  position,
  conditions,
  scheduleId: null,
  targets: { urgent: { first_reply: 30 }, normal: { first_reply: 240, resolution: 2880 } },
});

describe('selectPolicy', () => {
  const vip = policy('vip', 1, { all: [{ field: 'tags', operator: 'contains', value: 'vip' }] });
  const urgent = policy('urgent', 2, { all: [{ field: 'priority', operator: 'is', value: 'urgent' }] });
  const fallback = policy('default', 9);

  it('takes the first matching policy by position, whatever the list order', () => {
    const policies = [fallback, urgent, vip];
    expect(selectPolicy(policies, ticket({ tags: ['vip'], priority: 'urgent' }))?.id).toBe('vip');
    expect(selectPolicy(policies, ticket({ priority: 'urgent' }))?.id).toBe('urgent');
    expect(selectPolicy(policies, ticket())?.id).toBe('default');
  });

  it('returns null when none matches, and breaks position ties by id', () => {
    expect(selectPolicy([vip, urgent], ticket())).toBeNull();
    expect(selectPolicy([policy('b', 1), policy('a', 1)], ticket())?.id).toBe('a');
  });

  it('gives the targets of a priority, empty when it has none', () => {
    expect(targetsFor(fallback, 'normal')).toEqual({ first_reply: 240, resolution: 2880 });
    expect(targetsFor(fallback, 'low')).toEqual({});
  });
});

describe('warnLeadMinutes', () => {
  it('defaults to a quarter of the target, at most an hour', () => {
    expect(warnLeadMinutes(60)).toBe(15);
    expect(warnLeadMinutes(10)).toBe(2.5);
    expect(warnLeadMinutes(480)).toBe(60);
  });

  it('uses the policy lead, never more than the target', () => {
    expect(warnLeadMinutes(480, 90)).toBe(90);
    expect(warnLeadMinutes(30, 90)).toBe(30);
    expect(warnLeadMinutes(30, 0)).toBe(0);
  });
});

describe('validatePolicy', () => {
  const good = {
    name: 'Enterprise',
    position: 0,
    conditions: { all: [{ field: 'customFields.plan', operator: 'is', value: 'enterprise' }] },
    scheduleId: 'office',
    targets: { urgent: { first_reply: 15, resolution: 240 }, low: { next_reply: 1440 } },
    warnBeforeMinutes: 10,
  };

  it('accepts a good policy, with or without its id', () => {
    expect(validatePolicy(good)).toEqual([]);
    expect(validatePolicy({ ...good, id: 'p1', scheduleId: null })).toEqual([]);
  });

  it('names every bad field', () => {
    const errors = validatePolicy({
      name: ' ',
      position: -1,
      conditions: { all: [{ field: 'priority', operator: 'is', value: 'asap' }] },
      scheduleId: 7,
      targets: { critical: {}, high: { first_reply: 0, reply: 5, resolution: 1.5 } },
      warnBeforeMinutes: -5,
      escalation: {},
    });
    expect(errors.map((e) => e.path)).toEqual([
      'escalation',
      'name',
      'position',
      'conditions.all[0].value',
      'scheduleId',
      'warnBeforeMinutes',
      'targets.critical',
      'targets.high.first_reply',
      'targets.high.reply',
      'targets.high.resolution',
    ]);
  });

  it('needs at least one target, and an object', () => {
    expect(validatePolicy({ ...good, targets: { urgent: {} } })).toEqual([
      { path: 'targets', message: 'needs at least one target' },
    ]);
    expect(validatePolicy(null)).toEqual([{ path: '', message: 'must be an object' }]);
  });
});
