import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../functions/core/errors.ts';
import type { Actor, Ticket } from '../../../functions/core/model.ts';
import {
  addComment,
  applyPatch,
  linkFollowUp,
  normalizeTags,
  openTicket,
} from '../../../functions/core/tickets.ts';
import { sequentialIds } from '../../support/in-memory-ports.ts';

const agent: Actor = { type: 'agent', id: 'agt_1' };
const customer: Actor = { type: 'customer', id: 'cus_1', email: 'ann@example.com', name: 'Ann' };
const T0 = '2026-03-02T09:00:00.000Z';
const T1 = '2026-03-02T09:05:00.000Z';

function open(overrides: Partial<Parameters<typeof openTicket>[0]> = {}) {
  return openTicket(
    {
      tenantId: 'acme',
      number: 7,
      subject: '  Printer on fire ',
      comment: { body: 'It is burning.', public: true },
      requester: { id: 'cus_1', email: 'ann@example.com', phone: null, name: 'Ann' },
      channel: 'api',
      tags: ['Hardware', 'hardware', ' urgent fix '],
      ...overrides,
    },
    agent,
    T0,
    sequentialIds(),
  );
}

function withStatus(ticket: Ticket, status: Ticket['status']): Ticket {
  return { ...ticket, status };
}

describe('opening a ticket', () => {
  it('starts new, at version 1, with defaults and normalised tags', () => {
    const { ticket, events } = open();
    expect(ticket).toMatchObject({
      number: 7,
      subject: 'Printer on fire',
      status: 'new',
      priority: 'normal',
      type: 'question',
      tags: ['hardware', 'urgent_fix'],
      version: 1,
      createdAt: T0,
      updatedAt: T0,
      links: [],
    });
    expect(events.map((e) => e.data.type)).toEqual(['created', 'comment']);
  });

  it('records the public first comment as the requester’s and an internal one as the opener’s', () => {
    expect(open().events[1]!.actor).toMatchObject({ type: 'customer', id: 'cus_1' });
    const internal = open({ comment: { body: 'note', public: false } });
    expect(internal.events[1]!.actor).toEqual(agent);
    expect(internal.events[1]!.data).toEqual({ type: 'comment', body: 'note', public: false });
  });

  it('links a follow-up to the closed ticket it continues', () => {
    const { ticket, events } = open({ followUpOf: 3 });
    expect(ticket.links).toEqual([{ kind: 'follow_up_of', number: 3 }]);
    expect(events.at(-1)!.data).toEqual({ type: 'linked', link: 'follow_up_of', number: 3 });
  });

  it('gives events ids that sort in the order they happened', () => {
    const ids = open().events.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('patching a ticket', () => {
  const base = withStatus(open().ticket, 'open');

  it('records each changed field old → new and bumps the version once', () => {
    const { ticket, events } = applyPatch(
      base,
      { priority: 'urgent', type: 'incident', tags: ['a'], customFields: { plan: 'pro' }, group: 'grp_1' },
      agent,
      T1,
      sequentialIds(),
    );
    expect(ticket).toMatchObject({
      priority: 'urgent',
      type: 'incident',
      tags: ['a'],
      group: 'grp_1',
      version: 2,
      updatedAt: T1,
    });
    expect(events.map((e) => e.data)).toEqual([
      { type: 'field_changed', field: 'priority', from: 'normal', to: 'urgent' },
      { type: 'field_changed', field: 'type', from: 'question', to: 'incident' },
      { type: 'field_changed', field: 'group', from: null, to: 'grp_1' },
      { type: 'field_changed', field: 'tags', from: ['hardware', 'urgent_fix'], to: ['a'] },
      { type: 'field_changed', field: 'customFields', from: {}, to: { plan: 'pro' } },
    ]);
    expect(events.every((e) => e.ticket.version === 2)).toBe(true);
  });

  it('writes nothing when nothing changes', () => {
    const change = applyPatch(
      base,
      { priority: 'normal', tags: ['hardware', 'urgent_fix'] },
      agent,
      T1,
      sequentialIds(),
    );
    expect(change.events).toEqual([]);
    expect(change.ticket).toBe(base);
  });

  it('removes a custom field set to null', () => {
    const withField = { ...base, customFields: { plan: 'pro', seats: 3 } };
    const { ticket } = applyPatch(withField, { customFields: { plan: null } }, agent, T1, sequentialIds());
    expect(ticket.customFields).toEqual({ seats: 3 });
  });

  it('records assignment as its own event', () => {
    const { events } = applyPatch(base, { assignee: 'agt_2' }, agent, T1, sequentialIds());
    expect(events.map((e) => e.data)).toEqual([{ type: 'assigned', from: null, to: 'agt_2' }]);
  });

  it('opens a new ticket when an agent first works on it', () => {
    const fresh = open().ticket;
    const { ticket, events } = applyPatch(fresh, { priority: 'high' }, agent, T1, sequentialIds());
    expect(ticket.status).toBe('open');
    expect(events.map((e) => e.data.type)).toEqual(['field_changed', 'status_changed']);
  });

  it('stamps solvedAt and closedAt, and clears solvedAt on reopen', () => {
    const solved = applyPatch(base, { status: 'solved' }, agent, T1, sequentialIds()).ticket;
    expect(solved.solvedAt).toBe(T1);
    const closed = applyPatch(solved, { status: 'closed' }, agent, T1, sequentialIds()).ticket;
    expect(closed).toMatchObject({ status: 'closed', solvedAt: T1, closedAt: T1 });
    const reopened = applyPatch(solved, { status: 'open' }, agent, T1, sequentialIds()).ticket;
    expect(reopened.solvedAt).toBeNull();
  });

  it('rejects an invalid transition with the reason', () => {
    expect(() => applyPatch(base, { status: 'new' }, agent, T1, sequentialIds())).toThrowError(
      expect.objectContaining({
        code: 'invalid_transition',
        message: expect.stringContaining('never goes back to new'),
      }),
    );
    expect(() => applyPatch(base, { status: 'closed' }, agent, T1, sequentialIds())).toThrowError(
      /only a solved ticket can be closed/,
    );
  });

  it('refuses any change to a closed ticket', () => {
    const closed = withStatus(base, 'closed');
    expect(() => applyPatch(closed, { priority: 'high' }, agent, T1, sequentialIds())).toThrowError(
      DomainError,
    );
    try {
      applyPatch(closed, { priority: 'high' }, agent, T1, sequentialIds());
    } catch (error) {
      expect((error as DomainError).code).toBe('ticket_closed');
    }
  });
});

describe('comments', () => {
  const base = open().ticket;

  it.each(['pending', 'on_hold', 'solved'] as const)(
    'a customer’s public reply reopens a %s ticket',
    (status) => {
      const { ticket, events } = addComment(
        withStatus(base, status),
        { body: 'any news?', public: true },
        customer,
        T1,
        sequentialIds(),
      );
      expect(ticket.status).toBe('open');
      expect(events.map((e) => e.data)).toEqual([
        { type: 'comment', body: 'any news?', public: true },
        { type: 'status_changed', from: status, to: 'open', reason: 'the customer replied' },
      ]);
    },
  );

  it('an internal note changes no status', () => {
    const { ticket, events } = addComment(
      withStatus(base, 'pending'),
      { body: 'ping eng', public: false },
      agent,
      T1,
      sequentialIds(),
    );
    expect(ticket.status).toBe('pending');
    expect(events).toHaveLength(1);
  });

  it('customers cannot write internal notes', () => {
    expect(() => addComment(base, { body: 'x', public: false }, customer, T1, sequentialIds())).toThrowError(
      /customers cannot write internal notes/,
    );
  });

  it('nobody comments on a closed ticket', () => {
    expect(() =>
      addComment(withStatus(base, 'closed'), { body: 'x', public: true }, agent, T1, sequentialIds()),
    ).toThrowError(/closed/);
  });

  it('the closed ticket only gains a link to its follow-up', () => {
    const closed = { ...withStatus(base, 'closed'), closedAt: T0 };
    const { ticket, events } = linkFollowUp(closed, 12, customer, T1, sequentialIds());
    expect(ticket).toEqual({
      ...closed,
      links: [{ kind: 'followed_up_by', number: 12 }],
      version: closed.version + 1,
    });
    expect(events.map((e) => e.data)).toEqual([{ type: 'linked', link: 'followed_up_by', number: 12 }]);
  });
});

describe('tags', () => {
  it('are lower-case, unique, spaces as underscores', () => {
    expect(normalizeTags([' VIP ', 'vip', 'needs reply', ''])).toEqual(['vip', 'needs_reply']);
  });
});
