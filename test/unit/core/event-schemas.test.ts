import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  agentEventSchema,
  DOMAIN_EVENT_TYPE_NAMES,
  domainEventSchema,
  eventJsonSchemas,
} from '../../../functions/contracts/events.ts';
import { availabilityEvent } from '../../../functions/core/agent-events.ts';
import { toAgentDomainEvent, toDomainEvent } from '../../../functions/core/domain-events.ts';
import { addExternalLink } from '../../../functions/core/external-links.ts';
import type { Agent } from '../../../functions/core/model.ts';
import {
  addComment,
  applyPatch,
  linkFollowUp,
  noteEvent,
  openTicket,
} from '../../../functions/core/tickets.ts';
import { sequentialIds } from '../../support/in-memory-ports.ts';

describe('domain event schemas', () => {
  it('match the committed JSON Schemas (run `npm run schemas` after a change)', () => {
    for (const [file, schema] of Object.entries(eventJsonSchemas())) {
      const committed = JSON.parse(readFileSync(`schemas/events/${file}`, 'utf8'));
      expect(committed, file).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  it('describe every event the domain produces', () => {
    const ids = sequentialIds();
    const agent = { type: 'agent', id: 'agt_1' } as const;
    const now = '2026-03-02T09:00:00.000Z';
    const opened = openTicket(
      {
        tenantId: 'acme',
        number: 1,
        subject: 's',
        comment: { body: 'b', public: true },
        requester: { id: 'cus_1', email: 'a@b.test', phone: null, name: null },
        channel: 'email',
        followUpOf: 0,
      },
      agent,
      now,
      ids,
    );
    const patched = applyPatch(
      opened.ticket,
      { priority: 'high', assignee: 'agt_2', status: 'solved' },
      agent,
      now,
      ids,
    );
    const reopened = addComment(
      patched.ticket,
      { body: 'x'.repeat(9000), public: true },
      { type: 'customer', id: 'cus_1' },
      now,
      ids,
    );
    const linked = linkFollowUp({ ...reopened.ticket, status: 'closed' }, 2, agent, now, ids);
    const mails = [
      noteEvent(linked.ticket, agent, now, ids, {
        type: 'email_sent',
        kind: 'reply',
        to: ['a@b.test'],
        cc: [],
        messageId: 'm1@deskless',
        forEvent: 'e1',
      }),
      noteEvent(linked.ticket, agent, now, ids, {
        type: 'email_failed',
        kind: 'acknowledgement',
        to: ['a@b.test'],
        error: 'throttled',
        attempt: 1,
        forEvent: 'e1',
      }),
      noteEvent(linked.ticket, { type: 'system', id: 'email-in' }, now, ids, {
        type: 'email_bounced',
        bouncedMessageId: 'm1@deskless',
        from: 'mailer-daemon@b.test',
        reason: '550 no such user',
        rawKey: 'inbound/x',
      }),
      noteEvent(linked.ticket, { type: 'system', id: 'sms' }, now, ids, {
        type: 'sms_sent',
        to: '+14155550123',
        from: '+14155550100',
        sids: ['SM0123456789abcdef0123456789abcdef'],
        forEvent: 'e1',
      }),
      noteEvent(linked.ticket, { type: 'system', id: 'sms' }, now, ids, {
        type: 'sms_failed',
        to: '+14155550123',
        error: "Twilio 400 (error 21211): The 'To' number is not a valid phone number.",
        status: 400,
        attempt: 1,
        retrying: false,
        forEvent: 'e1',
      }),
    ];
    const system = { type: 'system', id: 'rules', name: 'Outage is urgent' } as const;
    const automation = [
      noteEvent(linked.ticket, { type: 'system', id: 'triage' }, now, ids, {
        type: 'triaged',
        triage: {
          language: 'es',
          sentiment: -0.5,
          intent: 'billing',
          urgency: 'high',
          confidence: { language: 0.9, sentiment: 0.6, intent: 0.7, urgency: 0.8 },
          classifier: 'builtin@1',
        },
        forEvent: opened.events[1]!.id,
      }),
      noteEvent(linked.ticket, system, now, ids, {
        type: 'rule_fired',
        ruleId: 'rul_1',
        ruleName: 'Outage is urgent',
        actions: [{ field: 'priority', value: 'urgent' }],
        skipped: [{ field: 'group', reason: 'set by an agent' }],
      }),
      noteEvent(linked.ticket, system, now, ids, { type: 'rules_halted', firings: 20, reason: 'budget' }),
      noteEvent(linked.ticket, { type: 'system', id: 'routing' }, now, ids, {
        type: 'routing_deferred',
        group: 'grp_1',
        strategy: 'round_robin',
        reason: 'no available agent in group: 2 away',
      }),
      noteEvent(linked.ticket, agent, now, ids, {
        type: 'macro_applied',
        macroId: 'mac_1',
        macroName: 'Thanks',
      }),
      noteEvent(linked.ticket, { type: 'system', id: 'timers' }, now, ids, {
        type: 'sla_warning',
        metric: 'first_reply',
        policy: 'slp_1',
        dueAt: now,
      }),
      noteEvent(linked.ticket, { type: 'system', id: 'timers' }, now, ids, {
        type: 'sla_breached',
        metric: 'first_reply',
        policy: 'slp_1',
        dueAt: now,
        escalation: ['priority → urgent'],
      }),
      noteEvent(linked.ticket, { type: 'system', id: 'timers' }, now, ids, {
        type: 'reminder_sent',
        afterHours: 48,
      }),
      ...addExternalLink(
        linked.ticket,
        { url: 'https://github.com/acme/api/issues/17', title: 'Login fails', externalId: 'acme/api#17' },
        { type: 'system', id: 'key_integration' },
        now,
        ids,
      ).change.events,
    ];
    const all = [
      ...opened.events,
      ...patched.events,
      ...reopened.events,
      ...linked.events,
      ...mails,
      ...automation,
    ].map(toDomainEvent);
    expect(new Set(all.map((e) => e.type))).toEqual(new Set(DOMAIN_EVENT_TYPE_NAMES));
    for (const event of all) domainEventSchema(event.type).parse(event);
  });

  it('describe agent.available, which carries an agent instead of a ticket', () => {
    const agent: Agent = {
      tenantId: 't1',
      id: 'agt_1',
      name: 'Ana',
      email: 'ana@example.com',
      role: 'agent',
      groups: ['grp_1'],
      skills: [],
      capacity: 5,
      status: 'away',
      load: 2,
      workingHours: null,
      createdAt: '2026-03-02T09:00:00.000Z',
      updatedAt: '2026-03-02T09:00:00.000Z',
      version: 1,
    };
    const back = { ...agent, status: 'available' as const, capacity: 8, version: 2 };
    const event = availabilityEvent(agent, back, { type: 'agent', id: 'agt_admin' }, 'ev1', back.updatedAt);
    expect(event?.reason).toBe('back from away; capacity 5 → 8');
    agentEventSchema().parse(toAgentDomainEvent(event!));
    expect(
      availabilityEvent(back, { ...back, name: 'Ana B.' }, { type: 'agent', id: 'x' }, 'ev2', back.updatedAt),
    ).toBeNull();
  });
});
