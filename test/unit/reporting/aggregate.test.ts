import { describe, expect, it } from 'vitest';
import { type DomainEvent, toDomainEvent } from '../../../functions/core/domain-events.ts';
import type { Actor, Ticket } from '../../../functions/core/model.ts';
import {
  escalationReason,
  factsNeeded,
  reportWriteOf,
  type TicketFacts,
} from '../../../functions/core/reporting/aggregate.ts';
import { type CounterAdds, dimensionsOf } from '../../../functions/core/reporting/counters.ts';
import { bucketOf } from '../../../functions/core/reporting/histogram.ts';
import { addComment, applyPatch, noteEvent, openTicket } from '../../../functions/core/tickets.ts';
import { sequentialIds } from '../../support/in-memory-ports.ts';

const ids = sequentialIds();
const agent: Actor = { type: 'agent', id: 'agt_bo' };
const customer: Actor = { type: 'customer', id: 'cus_ann' };
const timers: Actor = { type: 'system', id: 'timers' };

function open(number: number, at: string, opener: Actor = customer, group = 'billing') {
  return openTicket(
    {
      tenantId: 'acme',
      number,
      subject: 'Invoice',
      comment: { body: 'The total is wrong', public: true },
      requester: { id: 'cus_ann', email: 'ann@example.com', phone: null, name: 'Ann' },
      channel: 'email',
      group,
    },
    opener,
    at,
    ids,
  );
}

const facts = (ticket: Ticket, extra: Partial<TicketFacts> = {}): [string, TicketFacts] => [
  `${ticket.tenantId}#${ticket.number}`,
  { createdAt: ticket.createdAt, sla: [], firstReplied: false, ...extra },
];

/** `dimension|day|counter → n` for easy comparison. */
function flat(counters: CounterAdds): Record<string, number> {
  return Object.fromEntries(
    counters
      .entries()
      .map(({ cell, quantity }) => [`${cell.dimension}|${cell.day}|${cell.counter}`, quantity]),
  );
}

const allDimensions = (group: string | null, assignee: string | null) =>
  dimensionsOf({ group, channel: 'email', assignee });

describe('reporting counters from domain events', () => {
  it('counts a ticket’s life under every dimension: created, first reply, solved with its resolution time, reopened', () => {
    const opened = open(1, '2026-03-02T09:00:00.000Z');
    const assigned = applyPatch(
      opened.ticket,
      { assignee: 'agt_bo' },
      agent,
      '2026-03-02T09:05:00.000Z',
      ids,
    );
    const reply = addComment(
      assigned.ticket,
      { body: 'Looking', public: true },
      agent,
      '2026-03-02T09:45:00.000Z',
      ids,
    );
    const second = addComment(
      reply.ticket,
      { body: 'Fixed', public: true },
      agent,
      '2026-03-02T10:30:00.000Z',
      ids,
    );
    const note = addComment(
      second.ticket,
      { body: 'internal', public: false },
      agent,
      '2026-03-02T10:31:00.000Z',
      ids,
    );
    const solved = applyPatch(note.ticket, { status: 'solved' }, agent, '2026-03-03T09:00:00.000Z', ids);
    const reopened = addComment(
      solved.ticket,
      { body: 'Still wrong', public: true },
      customer,
      '2026-03-03T12:00:00.000Z',
      ids,
    );
    const events = [
      ...opened.events,
      ...assigned.events,
      ...reply.events,
      ...second.events,
      ...note.events,
      ...solved.events,
      ...reopened.events,
    ].map(toDomainEvent);

    expect(factsNeeded(events)).toEqual([{ tenantId: 'acme', number: 1 }]);
    const write = reportWriteOf(events, new Map([facts(opened.ticket)]));

    const created = allDimensions('billing', null);
    const bo = allDimensions('billing', 'agt_bo');
    const expected: Record<string, number> = {};
    for (const d of created) expected[`${d}|2026-03-02|created`] = 1;
    for (const d of bo) {
      expected[`${d}|2026-03-03|solved`] = 1;
      // Solved 24 hours after creation: exactly 1440 minutes, the top of the (720, 1440] bucket.
      expected[`${d}|2026-03-03|res.${bucketOf(1440)}`] = 1;
      expected[`${d}|2026-03-03|reopened`] = 1;
    }
    expect(flat(write.counters)).toEqual(expected);
    expect(bucketOf(1440)).toBe(11);

    // Only the first public agent comment, 45 minutes after creation, on the day of the reply.
    expect(write.firstReplies).toHaveLength(1);
    const [first] = write.firstReplies;
    expect(first!.ticket).toEqual({ tenantId: 'acme', number: 1 });
    expect(first!.minutes).toBe(45);
    expect(flat(first!.counters)).toEqual(
      Object.fromEntries(bo.map((d) => [`${d}|2026-03-02|frt.${bucketOf(45)}`, 1])),
    );
  });

  it('never counts a first reply twice: the marker wins, the description is no reply, unknown tickets are skipped', () => {
    const byAgent = open(2, '2026-03-02T09:00:00.000Z', agent);
    const reply = addComment(
      byAgent.ticket,
      { body: 'More', public: true },
      agent,
      '2026-03-02T09:10:00.000Z',
      ids,
    );
    const events = [...byAgent.events, ...reply.events].map(toDomainEvent);
    // The description an agent wrote with the ticket (same instant) is not its first reply; the next one is.
    const write = reportWriteOf(events, new Map([facts(byAgent.ticket)]));
    expect(write.firstReplies.map((f) => f.minutes)).toEqual([10]);
    // A marker from an earlier batch: nothing.
    expect(
      reportWriteOf(events, new Map([facts(byAgent.ticket, { firstReplied: true })])).firstReplies,
    ).toEqual([]);
    // No facts (the ticket could not be read): no time, but volume still counts.
    const blind = reportWriteOf(events, new Map());
    expect(blind.firstReplies).toEqual([]);
    expect(flat(blind.counters)['ALL|2026-03-02|created']).toBe(1);
  });

  it('keeps the earliest reply when a batch holds several, whatever their order', () => {
    const opened = open(3, '2026-03-02T09:00:00.000Z');
    const a = addComment(opened.ticket, { body: 'A', public: true }, agent, '2026-03-02T09:20:00.000Z', ids);
    const b = addComment(a.ticket, { body: 'B', public: true }, agent, '2026-03-02T11:00:00.000Z', ids);
    const events = [...b.events, ...a.events].map(toDomainEvent);
    const write = reportWriteOf(events, new Map([facts(opened.ticket)]));
    expect(write.firstReplies.map((f) => f.minutes)).toEqual([20]);
  });

  it('counts SLA met per fulfilled metric at a solve, breaches and what their escalations did', () => {
    const opened = open(4, '2026-03-02T09:00:00.000Z');
    const breached = noteEvent(opened.ticket, timers, '2026-03-02T10:00:00.000Z', ids, {
      type: 'sla_breached',
      metric: 'first_reply',
      policy: 'Default',
      dueAt: '2026-03-02T10:00:00.000Z',
      escalation: [
        'priority → "urgent"',
        'group → "tier2"',
        'tags → ["late","vip"]',
        'assignee kept (set by an agent)',
      ],
    });
    const solved = applyPatch(opened.ticket, { status: 'solved' }, agent, '2026-03-02T12:00:00.000Z', ids);
    const events = [...opened.events, breached, ...solved.events].map(toDomainEvent);
    const write = reportWriteOf(
      events,
      new Map([
        facts(opened.ticket, {
          sla: [
            { metric: 'first_reply', breached: true, fulfilledAt: '2026-03-02T11:00:00.000Z' },
            { metric: 'resolution', breached: false, fulfilledAt: '2026-03-02T12:00:00.000Z' },
            { metric: 'next_reply', breached: false, fulfilledAt: null },
          ],
        }),
      ]),
    );
    const all = Object.fromEntries(
      Object.entries(flat(write.counters))
        .filter(([key]) => key.startsWith('ALL|'))
        .map(([key, n]) => [key.split('|')[2], n]),
    );
    expect(all).toEqual({
      created: 1,
      solved: 1,
      [`res.${bucketOf(180)}`]: 1,
      'sla.first_reply.breached': 1,
      'sla.resolution.met': 1,
      'esc.first_reply: priority → urgent': 1,
      'esc.first_reply: group → tier2': 1,
      'esc.first_reply: tags added': 1,
      'esc.first_reply: assignee kept (set by an agent)': 1,
    });
  });

  it('makes escalation reasons of few values, never tag lists or free text', () => {
    expect(escalationReason('resolution', 'priority → "high"')).toBe('resolution: priority → high');
    expect(escalationReason('resolution', 'assignee → agt_1')).toBe('resolution: assignee → agt_1');
    expect(escalationReason('resolution', 'group → null')).toBe('resolution: group → none');
    expect(escalationReason('resolution', 'tags → ["a","b"]')).toBe('resolution: tags added');
    expect(escalationReason('resolution', 'group → "weird # value"')).toBe('resolution: group → other');
    expect(escalationReason('resolution', 'something odd happened')).toBe('resolution: other');
  });

  it('ignores agent events and events of tickets without a summary’s dimensions (counted as none)', () => {
    const agentEvent = {
      id: 'e1',
      type: 'agent.available',
      version: 1,
      tenantId: 'acme',
      occurredAt: '2026-03-02T09:00:00.000Z',
      actor: agent,
      agent: { id: 'agt_bo', groups: [], skills: [], status: 'available', capacity: 5, load: 0 },
      data: { reason: 'back' },
    } as never;
    const bare = {
      id: 'e2',
      type: 'ticket.created',
      version: 1,
      tenantId: 'acme',
      occurredAt: '2026-03-02T09:00:00.000Z',
      actor: customer,
      ticket: { number: 9, version: 1 },
      data: {},
    } as unknown as DomainEvent;
    const write = reportWriteOf([agentEvent, bare], new Map());
    expect(Object.keys(flat(write.counters)).sort()).toEqual(
      ['A#~', 'ALL', 'C#~', 'G#~', 'GC#~#~'].map((d) => `${d}|2026-03-02|created`).sort(),
    );
  });
});
