import { describe, expect, it } from 'vitest';
import type { CustomFieldDefinition } from '../../../functions/core/model.ts';
import { MAX_NOTE_CHARS, validateRuleInput } from '../../../functions/core/rules/rule.ts';

const declared: CustomFieldDefinition[] = [
  { key: 'plan', type: 'string', title: 'Plan', createdAt: '2026-01-01T00:00:00.000Z' },
];

const valid = {
  name: 'Escalate angry VIPs',
  position: 3,
  active: true,
  conditions: {
    all: [{ field: 'triage.sentiment', operator: 'less_than', value: -0.5 }],
    any: [{ field: 'customFields.plan', operator: 'is', value: 'gold' }],
  },
  actions: [
    { field: 'priority', value: 'urgent' },
    { field: 'customFields.plan', value: 'platinum' },
    { field: 'internal_note', value: 'Call them' },
    { field: 'macro', value: 'mac_01HXYZ' },
  ],
};

describe('validateRuleInput', () => {
  it('accepts a well-formed rule', () => {
    expect(validateRuleInput(valid, declared)).toEqual([]);
    expect(
      validateRuleInput(
        { name: 'Minimal', conditions: {}, actions: [{ field: 'add_tags', value: 'x' }] },
        [],
      ),
    ).toEqual([]);
  });

  it('names every bad part by its path', () => {
    const errors = validateRuleInput(
      {
        name: ' ',
        position: -1,
        active: 'yes',
        conditions: {
          all: [
            { field: 'priority', operator: 'matches', value: 'hi*' },
            { field: 'nope', operator: 'is', value: 'x' },
          ],
        },
        actions: [
          { field: 'priority', value: 'critical' },
          { field: 'internal_note', value: '' },
          { field: 'internal_note', value: 'x'.repeat(MAX_NOTE_CHARS + 1) },
          { field: 'macro', value: 42 },
          { field: 'notify_webhook', value: 'https://example.com' },
          { field: 'launch_rocket', value: true },
          { field: 'customFields.seats', value: 3 },
        ],
        extra: 1,
      },
      declared,
    );
    expect(errors.map((e) => e.path)).toEqual([
      'extra',
      'name',
      'position',
      'active',
      'conditions.all[0].operator',
      'conditions.all[1].field',
      'actions[0].value',
      'actions[1].value',
      'actions[2].value',
      'actions[3].value',
      'actions[4].value',
      'actions[5].field',
      'actions[6].value',
    ]);
    expect(errors.find((e) => e.path === 'actions[4].value')!.message).toBe(
      'must be a webhook subscription id (POST /v1/subscriptions makes one)',
    );
    expect(errors.find((e) => e.path === 'actions[6].value')!.message).toContain('not declared');
  });

  it('needs conditions and at least one action', () => {
    expect(validateRuleInput({ name: 'x', actions: [] }, [])).toEqual([
      { path: 'conditions', message: expect.any(String) },
      { path: 'actions', message: 'a rule needs at least one action' },
    ]);
    expect(validateRuleInput({ name: 'x', conditions: {} }, []).map((e) => e.path)).toEqual(['actions']);
    expect(validateRuleInput('rule', [])).toEqual([{ path: '', message: 'must be an object' }]);
  });

  it('leaves custom field actions to a later check when the declarations are not known (null)', () => {
    const input = { name: 'x', conditions: {}, actions: [{ field: 'customFields.anything', value: 1 }] };
    expect(validateRuleInput(input, null)).toEqual([]);
    expect(validateRuleInput(input, []).map((e) => e.path)).toEqual(['actions[0].value']);
  });
});
