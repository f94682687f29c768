import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DOMAIN_EVENT_TYPE_NAMES,
  domainEventSchema,
  eventJsonSchemas,
} from '../../../functions/contracts/events.ts';
import { toDomainEvent } from '../../../functions/core/domain-events.ts';
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
    ];
    const all = [...opened.events, ...patched.events, ...reopened.events, ...linked.events, ...mails].map(
      toDomainEvent,
    );
    expect(new Set(all.map((e) => e.type))).toEqual(new Set(DOMAIN_EVENT_TYPE_NAMES));
    for (const event of all) domainEventSchema(event.type).parse(event);
  });
});
