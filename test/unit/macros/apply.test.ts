import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../functions/core/errors.ts';
import { applyMacro } from '../../../functions/core/macros/apply.ts';
import { type Macro, newMacro } from '../../../functions/core/macros/macro.ts';
import type { Actor, Ticket } from '../../../functions/core/model.ts';
import { applyPatch, openTicket } from '../../../functions/core/tickets.ts';
import { sequentialIds } from '../../support/in-memory-ports.ts';

const now = '2026-03-02T09:00:00.000Z';
const later = '2026-03-02T10:00:00.000Z';
const agent: Actor = { type: 'agent', id: 'agt_1' };
const system: Actor = { type: 'system', id: 'rules' };

function ticket(ids = sequentialIds()): Ticket {
  return openTicket(
    {
      tenantId: 'acme',
      number: 7,
      subject: 'Refund please',
      comment: { body: 'I was charged twice', public: true },
      requester: { id: 'cus_1', email: 'ann@example.com', phone: null, name: 'Ann Smith' },
      channel: 'email',
    },
    { type: 'customer', id: 'cus_1' },
    now,
    ids,
  ).ticket;
}

const macro = (input: Parameters<typeof newMacro>[2]): Macro => newMacro('acme', 'mac_1', input, now);

const refund = macro({
  name: 'Refund issued',
  reply: {
    body: 'Hi {{requester.firstName | "there"}}, ticket #{{ticket.number}} is now {{ticket.priority}} and {{ticket.status}}. — {{agent.firstName | "Support"}}',
  },
  actions: [
    { field: 'priority', value: 'high' },
    { field: 'status', value: 'pending' },
    { field: 'add_tags', value: ['refund'] },
  ],
});

describe('applyMacro', () => {
  it('makes one change with one version step: fields, then the reply, then macro_applied', () => {
    const ids = sequentialIds();
    const before = ticket(ids);
    const change = applyMacro(before, refund, {
      actor: agent,
      agent: { name: 'Bo Berg', email: 'bo@acme.test' },
      now: later,
      ids,
    });
    expect(change.ticket).toMatchObject({
      priority: 'high',
      status: 'pending',
      tags: ['refund'],
      version: before.version + 1,
      updatedAt: later,
    });
    expect(change.events.map((e) => e.data.type)).toEqual([
      'field_changed',
      'field_changed',
      'status_changed',
      'comment',
      'macro_applied',
    ]);
    // Every event carries the version the whole change writes.
    expect(new Set(change.events.map((e) => e.ticket.version))).toEqual(new Set([before.version + 1]));
    const comment = change.events.find((e) => e.data.type === 'comment')!;
    // Rendered against the ticket as the field changes left it.
    expect(comment.data).toEqual({
      type: 'comment',
      body: 'Hi Ann, ticket #7 is now high and pending. — Bo',
      public: true,
    });
    expect(comment.actor).toEqual(agent);
    expect(change.events.at(-1)!.data).toEqual({
      type: 'macro_applied',
      macroId: 'mac_1',
      macroName: 'Refund issued',
    });
  });

  it('pins the fields an agent changes with it, but not those the system changes', () => {
    const byAgent = applyMacro(ticket(), refund, {
      actor: agent,
      agent: null,
      now: later,
      ids: sequentialIds(),
    });
    expect(byAgent.ticket.pinnedFields).toEqual(['priority', 'status']);
    const bySystem = applyMacro(ticket(), refund, {
      actor: system,
      agent: null,
      now: later,
      ids: sequentialIds(),
    });
    expect(bySystem.ticket.pinnedFields).toEqual([]);
    const body = bySystem.events.find((e) => e.data.type === 'comment')!.data;
    expect(body).toMatchObject({ body: 'Hi Ann, ticket #7 is now high and pending. — Support' });
  });

  it('writes an internal note for a reply that is not public, and leaves a new ticket new', () => {
    const note = macro({ name: 'Note', reply: { body: 'Checked {{ticket.subject}}', public: false } });
    const before = ticket();
    const change = applyMacro(before, note, { actor: agent, agent: null, now: later, ids: sequentialIds() });
    expect(change.events.map((e) => e.data)).toEqual([
      { type: 'comment', body: 'Checked Refund please', public: false },
      { type: 'macro_applied', macroId: 'mac_1', macroName: 'Note' },
    ]);
    expect(change.ticket.status).toBe('new');
    expect(change.ticket.version).toBe(before.version + 1);
  });

  it('opens a new ticket with a public reply, as an agent reply does', () => {
    const reply = macro({ name: 'Ack', reply: { body: 'On it' } });
    const change = applyMacro(ticket(), reply, {
      actor: agent,
      agent: null,
      now: later,
      ids: sequentialIds(),
    });
    expect(change.ticket.status).toBe('open');
    expect(change.events.map((e) => e.data.type)).toEqual(['comment', 'status_changed', 'macro_applied']);
  });

  it('records the macro even when its actions change nothing, still as one version step', () => {
    const noop = macro({ name: 'Normal', actions: [{ field: 'priority', value: 'normal' }] });
    const before = ticket();
    const change = applyMacro(before, noop, { actor: agent, agent: null, now: later, ids: sequentialIds() });
    expect(change.events.map((e) => e.data.type)).toEqual(['macro_applied']);
    expect(change.ticket).toEqual({ ...before, updatedAt: later, version: before.version + 1 });
  });

  it('writes no comment when the reply renders to nothing', () => {
    const blank = macro({ name: 'Sign', reply: { body: '{{agent.name}}' } });
    const change = applyMacro(ticket(), blank, {
      actor: agent,
      agent: null,
      now: later,
      ids: sequentialIds(),
    });
    expect(change.events.map((e) => e.data.type)).toEqual(['macro_applied']);
  });

  it('refuses a closed ticket with the ticket’s own error', () => {
    const ids = sequentialIds();
    let closed = ticket(ids);
    closed = applyPatch(closed, { status: 'solved' }, agent, now, ids).ticket;
    closed = applyPatch(closed, { status: 'closed' }, system, now, ids).ticket;
    const note = macro({ name: 'Note', reply: { body: 'x', public: false } });
    let error: unknown;
    try {
      applyMacro(closed, note, { actor: agent, agent: null, now: later, ids });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('ticket_closed');
  });
});
