import { describe, expect, it } from 'vitest';
import {
  MAX_REPLY_CHARS,
  newMacro,
  replaceMacro,
  validateMacroInput,
} from '../../../functions/core/macros/macro.ts';
import type { CustomFieldDefinition } from '../../../functions/core/model.ts';

const fields: CustomFieldDefinition[] = [
  { key: 'plan', type: 'string', title: 'Plan', createdAt: '2026-01-01T00:00:00.000Z' },
];

describe('validateMacroInput', () => {
  it('accepts a reply, actions, or both', () => {
    expect(
      validateMacroInput({ name: 'Thanks', reply: { body: 'Hi {{requester.firstName}}' } }, fields),
    ).toEqual([]);
    expect(
      validateMacroInput({ name: 'Escalate', actions: [{ field: 'priority', value: 'urgent' }] }, fields),
    ).toEqual([]);
    expect(
      validateMacroInput(
        {
          name: 'Pro plan',
          reply: { body: 'On {{ticket.customFields.plan | "your plan"}}', public: false },
          actions: [
            { field: 'customFields.plan', value: 'pro' },
            { field: 'add_tags', value: ['vip'] },
          ],
        },
        fields,
      ),
    ).toEqual([]);
  });

  it('needs a reply or at least one action', () => {
    expect(validateMacroInput({ name: 'Empty' }, fields)).toEqual([
      { path: 'actions', message: 'a macro needs a reply or at least one action' },
    ]);
    expect(validateMacroInput({ name: 'Empty', reply: null, actions: [] }, fields)).toHaveLength(1);
  });

  it('checks the reply body: not blank, not too long, placeholders known', () => {
    expect(validateMacroInput({ name: 'm', reply: { body: '   ' } }, fields)).toEqual([
      { path: 'reply.body', message: 'must not be empty' },
    ]);
    expect(
      validateMacroInput({ name: 'm', reply: { body: 'x'.repeat(MAX_REPLY_CHARS + 1) } }, fields),
    ).toEqual([{ path: 'reply.body', message: `at most ${MAX_REPLY_CHARS} characters` }]);
    const errors = validateMacroInput(
      { name: 'm', reply: { body: 'Hi {{ticket.customFields.region}}' } },
      fields,
    );
    expect(errors.map((e) => e.path)).toEqual(['reply.body']);
    expect(errors[0]!.message).toMatch(/region is not declared/);
  });

  it('checks actions as rules do, with their index in the path', () => {
    const errors = validateMacroInput(
      {
        name: ' ',
        actions: [
          { field: 'priority', value: 'whenever' },
          { field: 'status', value: 'closed' },
          { field: 'customFields.region', value: 'EU' },
          { field: 'colour', value: 'red' },
        ],
      },
      fields,
    );
    expect(errors.map((e) => e.path)).toEqual([
      'name',
      'actions[0].value',
      'actions[1].value',
      'actions[2].value',
      'actions[3].field',
    ]);
  });
});

describe('newMacro and replaceMacro', () => {
  it('normalises the input and replaces a macro whole at the next version', () => {
    const created = newMacro(
      'acme',
      'mac_1',
      { name: '  Thanks ', description: '  ', reply: { body: 'Hi' } },
      '2026-03-02T09:00:00.000Z',
    );
    expect(created).toEqual({
      tenantId: 'acme',
      id: 'mac_1',
      name: 'Thanks',
      description: null,
      reply: { body: 'Hi', public: true },
      actions: [],
      active: true,
      createdAt: '2026-03-02T09:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z',
      version: 1,
    });
    const replaced = replaceMacro(
      created,
      { name: 'Escalate', actions: [{ field: 'priority', value: 'high' }], active: false },
      '2026-03-02T10:00:00.000Z',
    );
    expect(replaced).toMatchObject({
      id: 'mac_1',
      name: 'Escalate',
      reply: null,
      actions: [{ field: 'priority', value: 'high' }],
      active: false,
      createdAt: '2026-03-02T09:00:00.000Z',
      updatedAt: '2026-03-02T10:00:00.000Z',
      version: 2,
    });
  });
});
