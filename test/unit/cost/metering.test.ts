import { describe, expect, it } from 'vitest';
import { toDomainEvent } from '../../../functions/core/domain-events.ts';
import { usageOf } from '../../../functions/core/metering.ts';
import { addComment, applyPatch, noteEvent, openTicket } from '../../../functions/core/tickets.ts';
import { sequentialIds } from '../../support/in-memory-ports.ts';

const ids = sequentialIds();
const now = '2026-03-02T09:00:00.000Z';
const email = {
  messageId: 'm1@example.com',
  from: 'ann@example.com',
  to: ['support@acme.test'],
  cc: [],
  subject: 'Hi',
  text: 'Hello',
  html: null,
  rawKey: 'inbound/1',
  automated: null,
};

describe('metering from domain events', () => {
  it('counts tickets, mails out and solves per tenant and day; events and Bedrock calls are measured elsewhere', () => {
    const opened = openTicket(
      {
        tenantId: 'acme',
        number: 1,
        subject: 'Hi',
        comment: { body: 'Hello', public: true, email },
        requester: { id: 'cus_1', email: 'ann@example.com', phone: null, name: null },
        channel: 'email',
      },
      { type: 'system', id: 'email-in' },
      now,
      ids,
    );
    const agent = { type: 'agent', id: 'agt_1' } as const;
    const replied = addComment(
      opened.ticket,
      { body: 'Done', public: true },
      agent,
      '2026-03-03T10:00:00.000Z',
      ids,
    );
    const solved = applyPatch(replied.ticket, { status: 'solved' }, agent, '2026-03-03T10:01:00.000Z', ids);
    const sent = noteEvent(
      solved.ticket,
      { type: 'system', id: 'email-out' },
      '2026-03-03T10:02:00.000Z',
      ids,
      {
        type: 'email_sent',
        kind: 'reply',
        to: ['ann@example.com'],
        cc: [],
        messageId: 'x',
        forEvent: replied.events[0]!.id,
      },
    );
    const triaged = noteEvent(opened.ticket, { type: 'system', id: 'triage' }, now, ids, {
      type: 'triaged',
      triage: {
        language: 'en',
        sentiment: 0,
        intent: null,
        urgency: 'normal',
        confidence: { language: 1, sentiment: 1, intent: 0, urgency: 1 },
        classifier: 'bedrock:amazon.nova-lite-v1:0#triage-v1',
      },
      forEvent: opened.events[1]!.id,
    });
    const events = [...opened.events, triaged, ...replied.events, ...solved.events, sent].map(toDomainEvent);
    const usage = usageOf(events);
    // The dispatcher counts what it puts on the bus, the Bedrock adapter its calls and tokens: a triaged event
    // by Bedrock or a comment moves no counter here.
    expect(Object.fromEntries(usage.get('acme')!)).toEqual({
      '2026-03-02': { 'tickets.created': 1 },
      '2026-03-03': { 'ses.mails_out': 1, 'tickets.solved': 1 },
    });
  });
});
