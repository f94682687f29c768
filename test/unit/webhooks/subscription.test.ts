import { describe, expect, it } from 'vitest';
import type { DomainEvent, PublishedEvent } from '../../../functions/core/domain-events.ts';
import { AWS_URL_POLICY } from '../../../functions/core/net/public-address.ts';
import { notifiedSubscriptions, targetsOf } from '../../../functions/core/use-cases/webhook-fanout.ts';
import {
  ALL_EVENTS,
  matchesEvent,
  newSubscription,
  patchSubscription,
  RULE_NOTIFICATION,
  rotateSecret,
  SECRET_ROTATION_OVERLAP_MS,
  SUBSCRIBABLE_EVENT_TYPES,
  type Subscription,
  signingSecrets,
  subscriptionInputErrors,
} from '../../../functions/core/webhooks/subscription.ts';

const T0 = '2026-03-02T09:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

const subscription = (id: string, events: string[], enabled = true): Subscription => ({
  ...newSubscription('t', id, { url: 'https://hooks.example.com/x', events, enabled }, `whsec_${id}`, T0),
});

function event(type: string, data: Record<string, unknown> = {}): PublishedEvent {
  return {
    id: `ev_${type}`,
    type: type as DomainEvent['type'],
    version: 1,
    tenantId: 't',
    occurredAt: T0,
    actor: { type: 'system', id: 'rules' },
    ticket: {
      number: 7,
      status: 'open',
      priority: 'high',
      type: 'question',
      group: null,
      assignee: null,
      requesterId: 'cus_1',
      channel: 'api',
      version: 3,
    },
    data,
  };
}

describe('event filter', () => {
  it('takes the types listed, or everything with *', () => {
    expect(matchesEvent(['ticket.created'], 'ticket.created')).toBe(true);
    expect(matchesEvent(['ticket.created'], 'comment.added')).toBe(false);
    expect(matchesEvent([ALL_EVENTS], 'comment.added')).toBe(true);
    expect(matchesEvent([ALL_EVENTS], 'agent.available')).toBe(true);
  });

  it('offers every domain event type and agent.available, not the rule notification', () => {
    expect(SUBSCRIBABLE_EVENT_TYPES).toEqual(
      expect.arrayContaining([
        'ticket.created',
        'comment.added',
        'sla.breached',
        'rule.fired',
        'agent.available',
      ]),
    );
    expect(SUBSCRIBABLE_EVENT_TYPES).not.toContain(RULE_NOTIFICATION);
    expect(new Set(SUBSCRIBABLE_EVENT_TYPES).size).toBe(SUBSCRIBABLE_EVENT_TYPES.length);
  });

  it('makes one payload per enabled subscription that takes the event', () => {
    const subs = [
      subscription('sub_a', ['ticket.created']),
      subscription('sub_b', ['comment.added']),
      subscription('sub_c', [ALL_EVENTS]),
      subscription('sub_d', [ALL_EVENTS], false),
    ];
    const targets = targetsOf(event('ticket.created'), subs);
    expect(targets.map((t) => [t.subscription.id, t.type])).toEqual([
      ['sub_a', 'ticket.created'],
      ['sub_c', 'ticket.created'],
    ]);
    expect(targets[0]!.data).toEqual(event('ticket.created'));
  });

  it('sends a rule notification to the subscriptions a rule named, whatever their events', () => {
    const fired = event('rule.fired', {
      ruleId: 'rul_1',
      ruleName: 'Page on-call',
      actions: [
        { field: 'priority', value: 'urgent' },
        { field: 'notify_webhook', value: 'sub_b' },
        { field: 'notify_webhook', value: 'sub_b' },
        { field: 'notify_webhook', value: 'sub_gone' },
      ],
      skipped: [],
    });
    expect(notifiedSubscriptions(fired)).toEqual(['sub_b', 'sub_gone']);
    const subs = [subscription('sub_a', ['rule.fired']), subscription('sub_b', ['ticket.created'])];
    const targets = targetsOf(fired, subs);
    expect(targets.map((t) => [t.subscription.id, t.type])).toEqual([
      ['sub_a', 'rule.fired'],
      ['sub_b', RULE_NOTIFICATION],
    ]);
    expect(targets[1]!.data).toEqual({
      id: 'ev_rule.fired',
      tenantId: 't',
      occurredAt: T0,
      rule: { id: 'rul_1', name: 'Page on-call', actions: (fired.data as { actions: unknown }).actions },
      ticket: (fired as DomainEvent).ticket,
    });
    // A disabled subscription is not notified either.
    expect(targetsOf(fired, [subscription('sub_b', ['ticket.created'], false)])).toEqual([]);
    expect(
      notifiedSubscriptions(event('ticket.updated', { actions: [{ field: 'notify_webhook', value: 'x' }] })),
    ).toEqual([]);
  });
});

describe('subscription input', () => {
  const errors = (input: Record<string, unknown>, whole = true) =>
    subscriptionInputErrors(input as never, AWS_URL_POLICY, whole);

  it('takes a public https URL and known event types', () => {
    expect(errors({ url: 'https://hooks.example.com/deskless', events: ['ticket.created', '*'] })).toEqual(
      [],
    );
  });

  it('names the URL the outbound policy refuses, with the reason', () => {
    expect(errors({ url: 'https://10.0.0.1/x', events: ['*'] })).toEqual([
      { path: 'url', message: 'must not point at a private, link-local or reserved address' },
    ]);
    expect(errors({ url: 'http://hooks.example.com/x', events: ['*'] })).toEqual([
      { path: 'url', message: 'must use https' },
    ]);
    expect(
      subscriptionInputErrors(
        { url: 'http://127.0.0.1:4000/x', events: ['*'] },
        { allowLoopbackHttp: true },
        true,
      ),
    ).toEqual([]);
  });

  it('names unknown or missing event types', () => {
    expect(
      errors({ url: 'https://hooks.example.com', events: ['ticket.created', 'ticket.exploded'] }),
    ).toEqual([{ path: 'events[1]', message: expect.stringContaining('must be one of ticket.created') }]);
    expect(errors({ url: 'https://hooks.example.com', events: [] })[0]!.path).toBe('events');
    expect(errors({ url: 'https://hooks.example.com', events: [RULE_NOTIFICATION] })[0]!.path).toBe(
      'events[0]',
    );
  });

  it('checks only the fields a patch changes', () => {
    expect(errors({ enabled: false }, false)).toEqual([]);
    expect(errors({ url: 'https://localhost/x' }, false)).toEqual([
      { path: 'url', message: 'must not point at a loopback address' },
    ]);
  });
});

describe('subscriptions', () => {
  it('stores a normalised URL, a single * and a trimmed description', () => {
    const created = newSubscription(
      't',
      'sub_1',
      { url: 'HTTPS://Hooks.Example.com', events: ['ticket.created', '*'], description: '  CRM  ' },
      'whsec_a',
      T0,
    );
    expect(created).toMatchObject({
      url: 'https://hooks.example.com/',
      events: ['*'],
      description: 'CRM',
      enabled: true,
      version: 1,
      secrets: [{ secret: 'whsec_a', createdAt: T0, expiresAt: null }],
    });
    const patched = patchSubscription(
      created,
      { events: ['comment.added', 'comment.added'], description: null },
      later(1),
    );
    expect(patched).toMatchObject({
      events: ['comment.added'],
      description: null,
      version: 2,
      updatedAt: later(1),
    });
  });

  it('rotates secrets: the old one signs beside the new one for a day, then stops', () => {
    const created = subscription('sub_1', ['*']);
    const rotated = rotateSecret(created, 'whsec_new', later(1000));
    expect(signingSecrets(rotated, later(2000))).toEqual(['whsec_new', 'whsec_sub_1']);
    expect(signingSecrets(rotated, later(1000 + SECRET_ROTATION_OVERLAP_MS + 1))).toEqual(['whsec_new']);
    expect(rotated.version).toBe(created.version + 1);
    // Rotating again keeps both rotated-out secrets until they expire, never piling up more.
    const twice = rotateSecret(rotateSecret(rotated, 'whsec_3', later(3000)), 'whsec_4', later(4000));
    expect(twice.secrets.map((s) => s.secret)).toEqual(['whsec_4', 'whsec_3', 'whsec_new']);
    expect(signingSecrets(twice, later(5000))).toHaveLength(3);
  });
});
