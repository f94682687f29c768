import { describe, expect, it } from 'vitest';
import {
  type Condition,
  type ConditionTarget,
  evaluate,
  globMatches,
  MAX_PATTERN_LENGTH,
  validateConditions,
} from '../../../functions/core/conditions.ts';

const ticket: ConditionTarget = {
  priority: 'high',
  type: 'incident',
  group: 'billing',
  channel: 'email',
  tags: ['VIP', 'refund'],
  status: 'open',
  subject: 'Refund for order 1234',
  customFields: { plan: 'enterprise', seats: 40, renewal: '2026-12-01', trial: false },
  requester: { email: 'Ana@Example.com' },
};

const holds = (field: string, operator: Condition['operator'], value: Condition['value']) =>
  evaluate({ all: [{ field, operator, value }] }, ticket);

describe('evaluate', () => {
  it('matches everything with no conditions or empty lists', () => {
    expect(evaluate(undefined, ticket)).toBe(true);
    expect(evaluate({}, ticket)).toBe(true);
    expect(evaluate({ all: [], any: [] }, ticket)).toBe(true);
  });

  it('needs every "all" and at least one "any"', () => {
    const high = { field: 'priority', operator: 'is', value: 'high' } as const;
    const low = { field: 'priority', operator: 'is', value: 'low' } as const;
    const email = { field: 'channel', operator: 'is', value: 'email' } as const;
    expect(evaluate({ all: [high, email] }, ticket)).toBe(true);
    expect(evaluate({ all: [high, low] }, ticket)).toBe(false);
    expect(evaluate({ any: [low, email] }, ticket)).toBe(true);
    expect(evaluate({ any: [low] }, ticket)).toBe(false);
    expect(evaluate({ all: [high], any: [low] }, ticket)).toBe(false);
  });

  it('compares enums by equality, membership and rank', () => {
    expect(holds('priority', 'is_not', 'urgent')).toBe(true);
    expect(holds('priority', 'in', ['urgent', 'high'])).toBe(true);
    expect(holds('priority', 'greater_than', 'normal')).toBe(true);
    expect(holds('priority', 'greater_than', 'high')).toBe(false);
    expect(holds('priority', 'less_than', 'urgent')).toBe(true);
    expect(holds('status', 'less_than', 'solved')).toBe(true);
    expect(holds('type', 'is', 'incident')).toBe(true);
  });

  it('compares group ids, null meaning no group', () => {
    expect(holds('group', 'is', 'billing')).toBe(true);
    expect(holds('group', 'is', null)).toBe(false);
    expect(holds('group', 'is_not', null)).toBe(true);
    expect(holds('group', 'in', ['support', 'billing'])).toBe(true);
  });

  it('tests tags case-insensitively: contains any of, not_contains none of', () => {
    expect(holds('tags', 'contains', 'vip')).toBe(true);
    expect(holds('tags', 'contains', ['spam', 'refund'])).toBe(true);
    expect(holds('tags', 'not_contains', ['spam', 'refund'])).toBe(false);
    expect(holds('tags', 'not_contains', 'spam')).toBe(true);
  });

  it('compares text case-insensitively, with globs for matches', () => {
    expect(holds('requester.email', 'is', 'ana@example.com')).toBe(true);
    expect(holds('requester.email', 'contains', '@EXAMPLE.')).toBe(true);
    expect(holds('requester.email', 'not_contains', 'example')).toBe(false);
    expect(holds('requester.email', 'matches', '*@example.com')).toBe(true);
    expect(holds('requester.email', 'matches', '*@example.org')).toBe(false);
    expect(holds('requester.email', 'in', ['x@y.z', 'ANA@example.com'])).toBe(true);
    expect(holds('subject', 'matches', 'refund for order ????')).toBe(true);
  });

  it('reads custom fields by type; a missing one matches only negations', () => {
    expect(holds('customFields.plan', 'is', 'enterprise')).toBe(true);
    expect(holds('customFields.seats', 'greater_than', 30)).toBe(true);
    expect(holds('customFields.seats', 'less_than', 30)).toBe(false);
    expect(holds('customFields.renewal', 'less_than', '2027-01-01')).toBe(true);
    expect(holds('customFields.trial', 'is', false)).toBe(true);
    expect(holds('customFields.plan', 'matches', 'enter*')).toBe(true);
    expect(holds('customFields.missing', 'is', 'x')).toBe(false);
    expect(holds('customFields.missing', 'is_not', 'x')).toBe(true);
    expect(holds('customFields.missing', 'not_contains', 'x')).toBe(true);
    expect(holds('customFields.seats', 'greater_than', '30')).toBe(false);
  });

  it('treats an unknown field or an operator the field does not take as false', () => {
    expect(holds('assigned_to', 'is', 'x')).toBe(false);
    expect(holds('tags', 'is', 'vip')).toBe(false);
    expect(holds('triage.sentiment', 'is', 0)).toBe(false);
  });
});

describe('globMatches', () => {
  it('handles stars, question marks and escapes', () => {
    expect(globMatches('a*b*c', 'axxbyyc')).toBe(true);
    expect(globMatches('a*b*c', 'axxbyy')).toBe(false);
    expect(globMatches('***', '')).toBe(true);
    expect(globMatches('?', '')).toBe(false);
    expect(globMatches('100\\*', '100*')).toBe(true);
    expect(globMatches('100\\*', '1000')).toBe(false);
    expect(globMatches('a.c', 'abc')).toBe(false);
  });

  it('stays fast on patterns that make backtracking regexes explode', () => {
    const started = performance.now();
    const pattern = `${'*a'.repeat(MAX_PATTERN_LENGTH / 2 - 1)}b`;
    expect(globMatches(pattern, 'a'.repeat(10_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('validateConditions', () => {
  it('accepts a well-formed object, and nothing at all', () => {
    expect(validateConditions(undefined)).toEqual([]);
    expect(
      validateConditions({
        all: [
          { field: 'priority', operator: 'in', value: ['high', 'urgent'] },
          { field: 'customFields.seats', operator: 'greater_than', value: 10 },
        ],
        any: [{ field: 'requester.email', operator: 'matches', value: '*@example.com' }],
      }),
    ).toEqual([]);
  });

  it('names every bad part by its path', () => {
    const errors = validateConditions({
      all: [
        { field: 'nope', operator: 'is', value: 'x' },
        { field: 'priority', operator: 'contains', value: 'hi' },
        { field: 'priority', operator: 'is', value: 'critical' },
        { field: 'tags', operator: 'contains', value: '' },
        { field: 'group', operator: 'in', value: [] },
        { field: 'requester.email', operator: 'matches', value: 'x'.repeat(MAX_PATTERN_LENGTH + 1) },
        { field: 'status', operator: 'is', value: ['open'] },
        { field: 'channel', operator: 'like', value: 'email' },
      ],
      any: 'x',
      extra: 1,
    });
    expect(errors.map((e) => e.path)).toEqual([
      'conditions.extra',
      'conditions.all[0].field',
      'conditions.all[1].operator',
      'conditions.all[2].value',
      'conditions.all[3].value',
      'conditions.all[4].value',
      'conditions.all[5].value',
      'conditions.all[6].value',
      'conditions.all[7].operator',
      'conditions.any',
    ]);
  });

  it('refuses a non-object and too many conditions', () => {
    expect(validateConditions([])).toEqual([{ path: 'conditions', message: expect.any(String) }]);
    const many = Array.from({ length: 51 }, () => ({ field: 'priority', operator: 'is', value: 'low' }));
    expect(validateConditions({ all: many }, 'rule.conditions')).toEqual([
      { path: 'rule.conditions.all', message: 'at most 50 conditions' },
    ]);
  });
});
