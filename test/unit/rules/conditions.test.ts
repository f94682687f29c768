import { describe, expect, it } from 'vitest';
import {
  type Condition,
  type ConditionTarget,
  evaluate,
  explainConditions,
  operatorsFor,
  validateConditions,
} from '../../../functions/core/conditions.ts';

const base: ConditionTarget = {
  priority: 'normal',
  type: 'question',
  group: 'billing',
  channel: 'email',
  tags: [],
  status: 'open',
  subject: 'Invoice',
  customFields: {},
  requester: { email: 'ann@example.com' },
};

const triaged: ConditionTarget = {
  ...base,
  assignee: 'agt_1',
  comment: 'Please REFUND my order, this is unacceptable',
  triage: { intent: 'refund_request', language: 'es', urgency: 'high', sentiment: -0.6 },
};

const holds = (
  target: ConditionTarget,
  field: string,
  operator: Condition['operator'],
  value: Condition['value'],
) => evaluate({ all: [{ field, operator, value }] }, target);

describe('conditions on the comment of the run', () => {
  it('compares its text case-insensitively, with globs', () => {
    expect(holds(triaged, 'comment', 'contains', 'refund')).toBe(true);
    expect(holds(triaged, 'comment', 'not_contains', 'refund')).toBe(false);
    expect(holds(triaged, 'comment', 'matches', 'please * order*')).toBe(true);
    expect(holds(triaged, 'comment', 'is', 'please refund')).toBe(false);
  });

  it('treats a run without a comment as null: only negations and "is null" hold', () => {
    for (const target of [base, { ...base, comment: null }]) {
      expect(holds(target, 'comment', 'contains', 'refund')).toBe(false);
      expect(holds(target, 'comment', 'not_contains', 'refund')).toBe(true);
      expect(holds(target, 'comment', 'matches', '*')).toBe(false);
      expect(holds(target, 'comment', 'is', null)).toBe(true);
      expect(holds(target, 'comment', 'is_not', null)).toBe(false);
    }
  });
});

describe('conditions on the assignee', () => {
  it('compares ids, null meaning unassigned (a target without one is unassigned)', () => {
    expect(holds(triaged, 'assignee', 'is', 'agt_1')).toBe(true);
    expect(holds(triaged, 'assignee', 'is_not', null)).toBe(true);
    expect(holds(triaged, 'assignee', 'in', ['agt_2', 'agt_1'])).toBe(true);
    expect(holds(base, 'assignee', 'is', null)).toBe(true);
    expect(holds({ ...base, assignee: null }, 'assignee', 'is_not', 'agt_1')).toBe(true);
    expect(holds(base, 'assignee', 'in', ['agt_1'])).toBe(false);
  });

  it('takes only is, is_not and in', () => {
    expect(operatorsFor('assignee')).toEqual(['is', 'is_not', 'in']);
    expect(holds(triaged, 'assignee', 'contains', 'agt')).toBe(false);
  });
});

describe('conditions on triage', () => {
  it('reads intent as text, language as a code', () => {
    expect(holds(triaged, 'triage.intent', 'is', 'refund_request')).toBe(true);
    expect(holds(triaged, 'triage.intent', 'contains', 'refund')).toBe(true);
    expect(holds(triaged, 'triage.intent', 'matches', 'refund_*')).toBe(true);
    expect(holds(triaged, 'triage.intent', 'not_contains', 'billing')).toBe(true);
    expect(holds(triaged, 'triage.intent', 'in', ['billing', 'refund_request'])).toBe(true);
    expect(holds(triaged, 'triage.language', 'is', 'ES')).toBe(true);
    expect(holds(triaged, 'triage.language', 'in', ['en', 'fr'])).toBe(false);
    expect(holds(triaged, 'triage.language', 'is_not', 'en')).toBe(true);
  });

  it('ranks urgency low < normal < high < urgent', () => {
    expect(holds(triaged, 'triage.urgency', 'greater_than', 'normal')).toBe(true);
    expect(holds(triaged, 'triage.urgency', 'greater_than', 'high')).toBe(false);
    expect(holds(triaged, 'triage.urgency', 'less_than', 'urgent')).toBe(true);
    expect(holds(triaged, 'triage.urgency', 'is', 'high')).toBe(true);
  });

  it('compares sentiment with a threshold', () => {
    expect(holds(triaged, 'triage.sentiment', 'less_than', -0.5)).toBe(true);
    expect(holds(triaged, 'triage.sentiment', 'less_than', -0.6)).toBe(false);
    expect(holds(triaged, 'triage.sentiment', 'greater_than', 0)).toBe(false);
  });

  it('a triaged ticket without an intent matches "is null" and the negations', () => {
    const noIntent = { ...triaged, triage: { ...triaged.triage!, intent: null } };
    expect(holds(noIntent, 'triage.intent', 'is', null)).toBe(true);
    expect(holds(noIntent, 'triage.intent', 'contains', 'refund')).toBe(false);
    expect(holds(noIntent, 'triage.intent', 'not_contains', 'refund')).toBe(true);
  });

  it('before triage, every triage condition is false except is_not and not_contains', () => {
    for (const target of [base, { ...base, triage: null }]) {
      expect(holds(target, 'triage.intent', 'is', null)).toBe(false);
      expect(holds(target, 'triage.intent', 'contains', 'refund')).toBe(false);
      expect(holds(target, 'triage.intent', 'not_contains', 'refund')).toBe(true);
      expect(holds(target, 'triage.language', 'is_not', 'en')).toBe(true);
      expect(holds(target, 'triage.language', 'in', ['en'])).toBe(false);
      expect(holds(target, 'triage.urgency', 'less_than', 'urgent')).toBe(false);
      expect(holds(target, 'triage.urgency', 'is_not', 'low')).toBe(true);
      expect(holds(target, 'triage.sentiment', 'less_than', 1)).toBe(false);
      expect(holds(target, 'triage.sentiment', 'greater_than', -1)).toBe(false);
    }
  });
});

describe('explainConditions', () => {
  it('gives each condition of all, then any, with the value it read and whether it held', () => {
    const results = explainConditions(
      {
        all: [
          { field: 'priority', operator: 'is', value: 'normal' },
          { field: 'triage.urgency', operator: 'greater_than', value: 'high' },
        ],
        any: [
          { field: 'customFields.plan', operator: 'is', value: 'gold' },
          { field: 'comment', operator: 'contains', value: 'refund' },
        ],
      },
      triaged,
    );
    expect(results).toEqual([
      {
        list: 'all',
        index: 0,
        field: 'priority',
        operator: 'is',
        value: 'normal',
        actual: 'normal',
        matched: true,
      },
      {
        list: 'all',
        index: 1,
        field: 'triage.urgency',
        operator: 'greater_than',
        value: 'high',
        actual: 'high',
        matched: false,
      },
      {
        list: 'any',
        index: 0,
        field: 'customFields.plan',
        operator: 'is',
        value: 'gold',
        actual: null,
        matched: false,
      },
      {
        list: 'any',
        index: 1,
        field: 'comment',
        operator: 'contains',
        value: 'refund',
        actual: triaged.comment,
        matched: true,
      },
    ]);
  });

  it('shows null for triage fields before triage', () => {
    const [result] = explainConditions(
      { all: [{ field: 'triage.language', operator: 'is_not', value: 'en' }] },
      base,
    );
    expect(result).toMatchObject({ actual: null, matched: true });
  });
});

describe('validating the new fields', () => {
  it('accepts well-formed conditions on them', () => {
    expect(
      validateConditions({
        all: [
          { field: 'comment', operator: 'matches', value: '*refund*' },
          { field: 'assignee', operator: 'is', value: null },
          { field: 'assignee', operator: 'in', value: ['agt_1', 'agt_2'] },
          { field: 'triage.intent', operator: 'contains', value: 'refund' },
          { field: 'triage.intent', operator: 'is', value: null },
          { field: 'triage.language', operator: 'in', value: ['es', 'und'] },
          { field: 'triage.urgency', operator: 'greater_than', value: 'normal' },
          { field: 'triage.sentiment', operator: 'less_than', value: -0.25 },
        ],
      }),
    ).toEqual([]);
  });

  it('names each bad operator and value by its path', () => {
    const errors = validateConditions({
      all: [
        { field: 'assignee', operator: 'contains', value: 'agt' },
        { field: 'triage.language', operator: 'contains', value: 'e' },
        { field: 'triage.language', operator: 'is', value: 'spanish' },
        { field: 'triage.urgency', operator: 'is', value: 'critical' },
        { field: 'triage.sentiment', operator: 'is', value: 0 },
        { field: 'triage.sentiment', operator: 'greater_than', value: 2 },
        { field: 'triage.sentiment', operator: 'less_than', value: '-0.5' },
        { field: 'comment', operator: 'contains', value: '' },
        { field: 'triage.mood', operator: 'is', value: 'x' },
      ],
    });
    expect(errors.map((e) => e.path)).toEqual([
      'conditions.all[0].operator',
      'conditions.all[1].operator',
      'conditions.all[2].value',
      'conditions.all[3].value',
      'conditions.all[4].operator',
      'conditions.all[5].value',
      'conditions.all[6].value',
      'conditions.all[7].value',
      'conditions.all[8].field',
    ]);
    expect(errors[0]!.message).toBe('assignee takes is, is_not, in');
    expect(errors[5]!.message).toBe('must be a number from -1 to 1');
    expect(errors[3]!.message).toBe('must be one of low, normal, high, urgent');
  });
});

describe('SLA conditions', () => {
  const base = {
    priority: 'normal',
    type: 'question',
    group: null,
    channel: 'api',
    tags: [],
    status: 'open',
    subject: 's',
    customFields: {},
    requester: { email: null },
  } as const;

  it('read the ticket’s SLA state, false when no SLA applies', () => {
    const breached = { ...base, sla: { breached: true, atRisk: false } };
    expect(evaluate({ all: [{ field: 'sla.breached', operator: 'is', value: true }] }, breached)).toBe(true);
    expect(evaluate({ all: [{ field: 'sla.at_risk', operator: 'is', value: true }] }, breached)).toBe(false);
    expect(evaluate({ all: [{ field: 'sla.breached', operator: 'is', value: false }] }, base)).toBe(true);
    expect(
      validateConditions({ all: [{ field: 'sla.breached', operator: 'contains', value: true }] }),
    ).toEqual([{ path: 'conditions.all[0].operator', message: 'sla.breached takes is, is_not' }]);
    expect(validateConditions({ all: [{ field: 'sla.at_risk', operator: 'is', value: 'yes' }] })).toEqual([
      { path: 'conditions.all[0].value', message: 'must be true or false' },
    ]);
  });
});
