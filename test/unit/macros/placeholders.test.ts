import { describe, expect, it } from 'vitest';
import {
  PLACEHOLDERS,
  type PlaceholderContext,
  placeholderErrors,
  render,
} from '../../../functions/core/macros/placeholders.ts';
import type { CustomFieldDefinition } from '../../../functions/core/model.ts';

const fields: CustomFieldDefinition[] = [
  { key: 'plan', type: 'string', title: 'Plan', createdAt: '2026-01-01T00:00:00.000Z' },
  { key: 'seats', type: 'number', title: 'Seats', createdAt: '2026-01-01T00:00:00.000Z' },
];

const context: PlaceholderContext = {
  ticket: {
    number: 1042,
    subject: 'Invoice total is wrong',
    status: 'on_hold',
    priority: 'high',
    type: 'incident',
    customFields: { plan: 'Pro', seats: 12 },
    requester: { id: 'cus_1', email: 'ann@example.com', phone: null, name: '  Ann  Smith ' },
  },
  agent: { name: 'Bo Berg', email: 'bo@acme.test' },
};

describe('render', () => {
  it('fills in every placeholder, spaces inside the braces allowed', () => {
    const text = [
      '{{ticket.number}}|{{ ticket.subject }}|{{ticket.status}}|{{ticket.priority}}|{{ticket.type}}',
      '{{requester.name}}|{{requester.firstName}}|{{requester.email}}',
      '{{agent.name}}|{{  agent.firstName  }}|{{agent.email}}',
      '{{ticket.customFields.plan}}|{{ticket.customFields.seats}}',
    ].join('\n');
    expect(render(text, context)).toBe(
      [
        '1042|Invoice total is wrong|on hold|high|incident',
        '  Ann  Smith |Ann|ann@example.com',
        'Bo Berg|Bo|bo@acme.test',
        'Pro|12',
      ].join('\n'),
    );
  });

  it('uses the fallback only when the value is missing or blank', () => {
    const text = 'Hi {{requester.firstName | "there"}}, {{agent.name|\'the team\'}}';
    expect(render(text, context)).toBe('Hi Ann, Bo Berg');
    const anonymous: PlaceholderContext = {
      ticket: { ...context.ticket, requester: { ...context.ticket.requester, name: '   ' } },
      agent: null,
    };
    expect(render(text, anonymous)).toBe('Hi there, the team');
  });

  it('renders a missing value without a fallback as nothing', () => {
    const noAgent = { ...context, agent: null };
    expect(render('[{{agent.firstName}}][{{ticket.customFields.region}}]', noAgent)).toBe('[][]');
    expect(render('[{{ticket.customFields.region | "EU"}}]', noAgent)).toBe('[EU]');
  });

  it('keeps escaped quotes and braces inside a fallback', () => {
    expect(render('{{agent.name | "the \\"A\\" team }}"}}!', { ...context, agent: null })).toBe(
      'the "A" team }}!',
    );
  });

  it('keeps text that is not a placeholder as written', () => {
    expect(render('a { b } {{ticket.number', context)).toBe('a { b } {{ticket.number');
    expect(render('{{ticket.number | there}} ok', context)).toBe('{{ticket.number | there}} ok');
  });

  it('never reads object prototype properties as values', () => {
    expect(render('[{{constructor}}][{{ticket.customFields.constructor}}]', context)).toBe('[][]');
  });
});

describe('placeholderErrors', () => {
  it('accepts every known placeholder and declared custom fields', () => {
    const text = `${PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')} {{ticket.customFields.plan | "none"}}`;
    expect(placeholderErrors(text, fields, 'reply.body')).toEqual([]);
    expect(placeholderErrors('no placeholders at all', [], 'reply.body')).toEqual([]);
  });

  it('names an unknown placeholder and lists the known ones', () => {
    const errors = placeholderErrors('Hi {{customer.name}}', fields, 'reply.body');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe('reply.body');
    expect(errors[0]!.message).toContain('{{customer.name}}');
    expect(errors[0]!.message).toContain('{{requester.name}}');
    expect(errors[0]!.message).toContain('{{ticket.customFields.plan}}');
  });

  it('refuses a custom field that is not declared, unless the fields are not known (the edge)', () => {
    const [error] = placeholderErrors('{{ticket.customFields.region}}', fields, 'body');
    expect(error!.message).toMatch(/custom field region is not declared/);
    expect(placeholderErrors('{{ticket.customFields.region}}', null, 'body')).toEqual([]);
    expect(placeholderErrors('{{ticket.customFields.Bad-Key}}', null, 'body')[0]!.message).toMatch(
      /not a custom field key/,
    );
  });

  it('reports an unterminated placeholder', () => {
    const errors = placeholderErrors('Hello {{requester.firstName, bye', [], 'reply.body');
    expect(errors).toEqual([
      { path: 'reply.body', message: expect.stringMatching(/^unterminated placeholder .*close it with }}/) },
    ]);
    // A later placeholder does not close an earlier one.
    expect(placeholderErrors('{{ticket.number and {{ticket.subject}}', [], 'x')[0]!.message).toMatch(
      /unterminated/,
    );
  });

  it('reports malformed and empty placeholders', () => {
    expect(placeholderErrors('{{ticket.number | there}}', [], 'x')[0]!.message).toMatch(
      /malformed placeholder .*fallback in quotes/,
    );
    expect(placeholderErrors('{{ }}', [], 'x')[0]!.message).toMatch(/empty placeholder/);
  });

  it('reports each distinct problem once', () => {
    const errors = placeholderErrors('{{x}} {{x}} {{y}}', [], 'x');
    expect(errors.map((e) => e.message.split(';')[0])).toEqual([
      'unknown placeholder {{x}}',
      'unknown placeholder {{y}}',
    ]);
  });
});
