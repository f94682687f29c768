import { describe, expect, it } from 'vitest';
import { checkCustomFields } from '../../../functions/core/custom-fields.ts';
import { normalizeEmail, normalizePhone, organizationOf } from '../../../functions/core/customers.ts';
import { MAX_EVENT_BODY_CHARS, toDomainEvent } from '../../../functions/core/domain-events.ts';
import type { TimelineEvent } from '../../../functions/core/model.ts';

describe('customer identities', () => {
  it('normalises emails and E.164 phones', () => {
    expect(normalizeEmail('  Ann@Example.COM ')).toBe('ann@example.com');
    expect(normalizePhone('+1 (415) 555-0123')).toBe('+14155550123');
    expect(normalizePhone('4155550123')).toBeNull();
    expect(normalizePhone('+0123456789')).toBeNull();
  });

  it('takes the organisation from the email domain, except public providers', () => {
    expect(organizationOf('ann@acme.example')).toBe('acme.example');
    expect(organizationOf('ann@gmail.com')).toBeNull();
    expect(organizationOf(null)).toBeNull();
  });
});

describe('custom fields', () => {
  const defs = [
    { key: 'plan', type: 'string', title: 'Plan', createdAt: '' },
    { key: 'seats', type: 'number', title: 'Seats', createdAt: '' },
    { key: 'vip', type: 'boolean', title: 'VIP', createdAt: '' },
    { key: 'renewal', type: 'date', title: 'Renewal', createdAt: '' },
  ] as const;

  it('accepts declared fields of the right type, and null to remove', () => {
    expect(
      checkCustomFields(
        { plan: 'pro', seats: 3, vip: true, renewal: '2028-02-29', gone: null as never },
        defs,
      ),
    ).toEqual([{ path: 'customFields.gone', message: expect.stringMatching(/not a declared/) }]);
    expect(checkCustomFields({ plan: null }, defs)).toEqual([]);
  });

  it('names each wrong value', () => {
    const errors = checkCustomFields({ plan: 1, seats: '3', vip: 'yes', renewal: '2027-02-29' }, defs);
    expect(errors.map((e) => e.path)).toEqual([
      'customFields.plan',
      'customFields.seats',
      'customFields.vip',
      'customFields.renewal',
    ]);
  });
});

describe('domain events', () => {
  const base: TimelineEvent = {
    id: '01EV',
    tenantId: 'acme',
    ticketNumber: 4,
    at: '2026-03-02T09:00:00.000Z',
    actor: { type: 'agent', id: 'agt_1' },
    data: { type: 'status_changed', from: 'open', to: 'solved', reason: 'changed by an agent' },
    ticket: {
      number: 4,
      status: 'solved',
      priority: 'normal',
      type: 'question',
      group: null,
      assignee: null,
      requesterId: 'cus_1',
      channel: 'api',
      version: 3,
    },
  };

  it('maps timeline events to versioned domain events', () => {
    expect(toDomainEvent(base)).toEqual({
      id: '01EV',
      type: 'ticket.status_changed',
      version: 1,
      tenantId: 'acme',
      occurredAt: base.at,
      actor: base.actor,
      ticket: base.ticket,
      data: { from: 'open', to: 'solved', reason: 'changed by an agent' },
    });
  });

  it('cuts long comment bodies so the event fits EventBridge', () => {
    const event = toDomainEvent({
      ...base,
      data: { type: 'comment', body: 'x'.repeat(100_000), public: true },
    });
    expect(event.type).toBe('comment.added');
    expect((event.data.body as string).length).toBe(MAX_EVENT_BODY_CHARS);
    expect(event.data.truncated).toBe(true);
  });
});
