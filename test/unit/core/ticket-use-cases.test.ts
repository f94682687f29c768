import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const agentCaller: Caller = {
  tenantId: 'acme',
  role: 'agent',
  keyId: 'key_a',
  actor: { type: 'agent', id: 'agt_1' },
};
const adminCaller: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_b',
  actor: { type: 'agent', id: 'key_b' },
};
const otherTenant: Caller = { ...agentCaller, tenantId: 'globex' };

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
});

const input = (email = 'Ann@Example.com') => ({
  subject: 'Cannot log in',
  comment: { body: 'Password reset mail never arrives.' },
  requester: { email, name: 'Ann' },
});

async function expectDomainError(promise: Promise<unknown>, code: DomainError['code']) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

describe('creating tickets', () => {
  it('numbers tickets per tenant and maps the same address to the same customer', async () => {
    const first = await uc.createTicket(agentCaller, input());
    const second = await uc.createTicket(agentCaller, input('ann@example.com '.trim()));
    const elsewhere = await uc.createTicket(otherTenant, input());
    expect([first.ticket.number, second.ticket.number, elsewhere.ticket.number]).toEqual([1, 2, 1]);
    expect(second.ticket.requester.id).toBe(first.ticket.requester.id);
    expect(first.ticket.requester).toMatchObject({ email: 'ann@example.com', name: 'Ann' });
    const customer = await ports.customers.get('acme', first.ticket.requester.id);
    expect(customer).toMatchObject({ organization: 'example.com' });
  });

  it('rejects a phone that is not E.164 and a requester without any identity', async () => {
    await expectDomainError(
      uc.createTicket(agentCaller, { ...input(), requester: { phone: '12' } }),
      'validation',
    );
    await expectDomainError(
      uc.createTicket(agentCaller, { ...input(), requester: { name: 'x' } }),
      'validation',
    );
  });

  it('checks the group and the declared custom fields', async () => {
    await expectDomainError(uc.createTicket(agentCaller, { ...input(), group: 'grp_nope' }), 'validation');
    const error = await expectDomainError(
      uc.createTicket(agentCaller, { ...input(), customFields: { plan: 'pro' } }),
      'validation',
    );
    expect(error.fieldErrors[0]).toMatchObject({ path: 'customFields.plan' });
    await uc.createCustomField(adminCaller, { key: 'plan', type: 'string' });
    await uc.createCustomField(adminCaller, { key: 'renewal', type: 'date' });
    const ok = await uc.createTicket(agentCaller, {
      ...input(),
      customFields: { plan: 'pro', renewal: '2026-12-31' },
    });
    expect(ok.ticket.customFields).toEqual({ plan: 'pro', renewal: '2026-12-31' });
    await expectDomainError(
      uc.createTicket(agentCaller, { ...input(), customFields: { renewal: '2026-02-30' } }),
      'validation',
    );
  });

  it('replays an idempotent create and refuses the key with another body', async () => {
    const idempotency = { key: 'abc', requestHash: 'h1' };
    const first = await uc.createTicket(agentCaller, input(), { idempotency });
    const again = await uc.createTicket(agentCaller, input(), { idempotency });
    expect(again).toEqual({ ticket: first.ticket, replayed: true });
    expect(ports.tickets.tickets.size).toBe(1);
    await expectDomainError(
      uc.createTicket(agentCaller, input(), { idempotency: { key: 'abc', requestHash: 'h2' } }),
      'idempotency_mismatch',
    );
  });

  it('retries when a concurrent request claims the requester first', async () => {
    ports.tickets.failNextWrite = 1;
    const { ticket } = await uc.createTicket(agentCaller, input());
    expect(ticket.number).toBe(2); // the first number went to the lost attempt
  });
});

describe('updating tickets', () => {
  it('applies a patch and records it on the timeline', async () => {
    const { ticket } = await uc.createTicket(agentCaller, input());
    const updated = await uc.updateTicket(agentCaller, ticket.number, {
      status: 'pending',
      priority: 'high',
    });
    expect(updated).toMatchObject({ status: 'pending', priority: 'high', version: 2 });
    const timeline = await uc.getTimeline(agentCaller, ticket.number, { limit: 50 });
    expect(timeline.items.map((e) => e.data.type)).toEqual([
      'created',
      'comment',
      'field_changed',
      'status_changed',
    ]);
  });

  it('answers a stale If-Match with version_mismatch', async () => {
    const { ticket } = await uc.createTicket(agentCaller, input());
    await uc.updateTicket(agentCaller, ticket.number, { priority: 'high' }, 1);
    await expectDomainError(
      uc.updateTicket(agentCaller, ticket.number, { priority: 'low' }, 1),
      'version_mismatch',
    );
  });

  it('retries a lost race without If-Match, and gives up with conflict', async () => {
    const { ticket } = await uc.createTicket(agentCaller, input());
    ports.tickets.failNextWrite = 2;
    expect((await uc.updateTicket(agentCaller, ticket.number, { priority: 'high' })).priority).toBe('high');
    ports.tickets.failNextWrite = 10;
    await expectDomainError(uc.updateTicket(agentCaller, ticket.number, { priority: 'low' }), 'conflict');
    ports.tickets.failNextWrite = 1;
    await expectDomainError(
      uc.updateTicket(agentCaller, ticket.number, { priority: 'low' }, 2),
      'version_mismatch',
    );
  });

  it('checks that the assignee exists', async () => {
    const { ticket } = await uc.createTicket(agentCaller, input());
    await expectDomainError(
      uc.updateTicket(agentCaller, ticket.number, { assignee: 'agt_ghost' }),
      'validation',
    );
    const agent = await uc.createAgent(adminCaller, { name: 'Bo', email: 'bo@acme.test' });
    expect((await uc.updateTicket(agentCaller, ticket.number, { assignee: agent.id })).assignee).toBe(
      agent.id,
    );
  });

  it('does not see another tenant’s tickets', async () => {
    const { ticket } = await uc.createTicket(agentCaller, input());
    await expectDomainError(uc.getTicket(otherTenant, ticket.number), 'not_found');
    await expectDomainError(uc.updateTicket(otherTenant, ticket.number, { priority: 'low' }), 'not_found');
  });
});

describe('comments', () => {
  it('a customer reply written by a channel reopens a pending ticket', async () => {
    const { ticket } = await uc.createTicket(agentCaller, input());
    await uc.updateTicket(agentCaller, ticket.number, { status: 'pending' });
    const channel: Caller = {
      tenantId: 'acme',
      role: 'channel',
      keyId: 'key_c',
      actor: { type: 'system', id: 'key_c' },
    };
    const result = await uc.addComment(channel, ticket.number, {
      body: 'still broken',
      author: { email: 'ann@example.com' },
    });
    expect(result.ticket.status).toBe('open');
    expect(result.comment.actor).toMatchObject({ type: 'customer', id: ticket.requester.id });
  });

  it('agent keys cannot write as a customer', async () => {
    const { ticket } = await uc.createTicket(agentCaller, input());
    await expectDomainError(
      uc.addComment(agentCaller, ticket.number, { body: 'x', author: { email: 'a@b.co' } }),
      'forbidden',
    );
  });

  it('a requester writing to a closed ticket gets a linked follow-up', async () => {
    const { ticket } = await uc.createTicket(agentCaller, {
      ...input(),
      priority: 'high',
      tags: ['billing'],
    });
    await uc.updateTicket(agentCaller, ticket.number, { status: 'solved' });
    await uc.updateTicket(adminCaller, ticket.number, { status: 'closed' });
    const result = await uc.addComment(adminCaller, ticket.number, {
      body: 'it broke again',
      author: { email: 'ann@example.com' },
    });
    expect(result.followUpOf).toBe(ticket.number);
    expect(result.ticket).toMatchObject({
      number: 2,
      status: 'new',
      priority: 'high',
      tags: ['billing'],
      links: [{ kind: 'follow_up_of', number: 1 }],
    });
    const closed = await uc.getTicket(agentCaller, ticket.number);
    expect(closed).toMatchObject({ status: 'closed', links: [{ kind: 'followed_up_by', number: 2 }] });
  });

  it('an agent cannot comment on a closed ticket', async () => {
    const { ticket } = await uc.createTicket(agentCaller, input());
    await uc.updateTicket(agentCaller, ticket.number, { status: 'solved' });
    await uc.updateTicket(agentCaller, ticket.number, { status: 'closed' });
    await expectDomainError(uc.addComment(agentCaller, ticket.number, { body: 'x' }), 'ticket_closed');
  });
});

describe('lists and customers', () => {
  it('filters by status and requester and pages with a cursor', async () => {
    for (let i = 0; i < 5; i++)
      await uc.createTicket(agentCaller, input(i % 2 ? 'bo@globex.test' : 'ann@example.com'));
    await uc.updateTicket(agentCaller, 1, { status: 'pending' });
    expect(
      (await uc.listTickets(agentCaller, { status: 'pending' }, { limit: 10 })).items.map((t) => t.number),
    ).toEqual([1]);
    const page1 = await uc.listTickets(agentCaller, {}, { limit: 3 });
    const page2 = await uc.listTickets(agentCaller, {}, { limit: 3, cursor: page1.nextCursor! });
    expect([...page1.items, ...page2.items]).toHaveLength(5);
    const [bo] = (await uc.findCustomers(agentCaller, { email: 'BO@globex.test' })).items;
    const profile = await uc.getCustomer(agentCaller, bo!.id, { limit: 10 });
    expect(profile.tickets.items.map((t) => t.number).sort()).toEqual([2, 4]);
  });
});
