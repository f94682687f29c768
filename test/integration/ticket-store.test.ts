import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { encodeCursor } from '../../functions/adapters/dynamodb/cursor.ts';
import { makeDynamoDbPorts } from '../../functions/adapters/dynamodb/ports.ts';
import type { Caller } from '../../functions/core/caller.ts';
import { ConcurrentModificationError, DomainError } from '../../functions/core/errors.ts';
import { applyPatch } from '../../functions/core/tickets.ts';
import { makeUseCases } from '../../functions/core/use-cases/index.ts';

const tables = tableNamesFromEnv();
const ports = makeDynamoDbPorts(documentClient, tables);
const uc = makeUseCases(ports);

function tenant(): Caller {
  const tenantId = `it-${Math.random().toString(36).slice(2, 10)}`;
  return { tenantId, role: 'admin', keyId: 'key_it', actor: { type: 'agent', id: 'agt_it' } };
}

const input = (email = 'ann@example.com', extra = {}) => ({
  subject: 'VPN drops',
  comment: { body: 'Every 10 minutes' },
  requester: { email, name: 'Ann' },
  ...extra,
});

async function itemsOf(pk: string) {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tables.main,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return result.Items ?? [];
}

describe('DynamoDB ticket store', () => {
  it('writes the ticket, its events and its requester in one transaction', async () => {
    const caller = tenant();
    const { ticket } = await uc.createTicket(caller, input());
    const items = await itemsOf(`T#${caller.tenantId}#TKT#${ticket.number}`);
    expect(items.map((i) => i.entity).sort()).toEqual(['event', 'event', 'ticket']);
    expect(await ports.tickets.get(caller.tenantId, ticket.number)).toEqual(ticket);
    const customer = await ports.customers.get(caller.tenantId, ticket.requester.id);
    expect(customer).toMatchObject({ email: 'ann@example.com', name: 'Ann', organization: 'example.com' });
  });

  it('refuses a stale version and writes none of the change', async () => {
    const caller = tenant();
    const { ticket } = await uc.createTicket(caller, input());
    const ids = ports.ids;
    const first = applyPatch(ticket, { priority: 'high' }, caller.actor, ports.clock.now(), ids);
    const second = applyPatch(ticket, { priority: 'low' }, caller.actor, ports.clock.now(), ids);
    await ports.tickets.save(first, ticket.version);
    await expect(ports.tickets.save(second, ticket.version)).rejects.toBeInstanceOf(
      ConcurrentModificationError,
    );
    const timeline = await ports.tickets.timeline(caller.tenantId, ticket.number, { limit: 100 });
    expect(timeline.items.map((e) => e.id)).not.toContain(second.events[0]!.id);
    expect((await ports.tickets.get(caller.tenantId, ticket.number))!.priority).toBe('high');
  });

  it('maps the same customer to one profile, even when created concurrently', async () => {
    const caller = tenant();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => uc.createTicket(caller, input('bo@globex.test'))),
    );
    expect(new Set(results.map((r) => r.ticket.requester.id)).size).toBe(1);
    const numbers = results.map((r) => r.ticket.number).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(8);
    const phone = await uc.createTicket(caller, {
      ...input(),
      requester: { email: 'bo@globex.test', phone: '+14155550100' },
    });
    expect(phone.ticket.requester.id).toBe(results[0]!.ticket.requester.id);
    const byPhone = await ports.customers.findByIdentity(caller.tenantId, { phone: '+14155550100' });
    expect(byPhone?.id).toBe(results[0]!.ticket.requester.id);
  });

  it('writes a returning customer’s profile only when the request teaches it something new', async () => {
    const caller = tenant();
    const first = await uc.createTicket(caller, {
      ...input('cy@example.com'),
      requester: { email: 'cy@example.com' },
    });
    const id = first.ticket.requester.id;
    expect((await ports.customers.get(caller.tenantId, id))?.name).toBeNull();
    await uc.createTicket(caller, {
      ...input('cy@example.com'),
      requester: { email: 'cy@example.com', name: 'Cy' },
    });
    const named = await ports.customers.get(caller.tenantId, id);
    expect(named?.name).toBe('Cy');
    const again = await uc.createTicket(caller, { ...input(), requester: { email: 'cy@example.com' } });
    expect(again.ticket.requester).toMatchObject({ id, name: 'Cy' });
    // Nothing new: the profile was not rewritten.
    expect((await ports.customers.get(caller.tenantId, id))?.updatedAt).toBe(named?.updatedAt);
  });

  it('lists every view with one Query per page and cursors that cover everything once', async () => {
    const caller = tenant();
    const group = await uc.createGroup(caller, { name: 'Billing' });
    const agent = await uc.createAgent(caller, { name: 'Bo', email: 'bo@acme.test' });
    for (let i = 0; i < 7; i++) {
      await uc.createTicket(caller, input(`c${i % 3}@example.com`, i % 2 ? { group: group.id } : {}));
    }
    await uc.updateTicket(caller, 2, { assignee: agent.id, status: 'pending' });
    await uc.updateTicket(caller, 4, { assignee: agent.id });

    const collect = async (filter: Parameters<typeof uc.listTickets>[1]) => {
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await uc.listTickets(caller, filter, { limit: 2, cursor });
        seen.push(...page.items.map((t) => t.number));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    expect(await collect({})).toEqual([4, 2, 7, 6, 5, 3, 1]);
    expect((await collect({ group: group.id })).sort()).toEqual([2, 4, 6]);
    expect(await collect({ group: group.id, status: 'pending' })).toEqual([2]);
    expect(await collect({ assignee: agent.id })).toEqual([4, 2]); // open before pending
    expect(await collect({ status: 'new' })).toEqual([7, 6, 5, 3, 1]);
    const c0 = (await ports.customers.findByIdentity(caller.tenantId, { email: 'c0@example.com' }))!;
    expect((await collect({ requester: c0.id })).sort()).toEqual([1, 4, 7]);
    expect(await collect({ requester: c0.id, status: 'open' })).toEqual([4]);
  });

  it('keeps spam out of every queue until an agent releases it', async () => {
    const caller = tenant();
    const group = await uc.createGroup(caller, { name: 'Sales' });
    const { ticket } = await uc.createTicket(caller, { ...input(), group: group.id, spam: true });
    const numbers = async (filter: Parameters<typeof uc.listTickets>[1]) =>
      (await uc.listTickets(caller, filter, { limit: 10 })).items.map((t) => t.number);
    expect(await numbers({})).toEqual([]);
    expect(await numbers({ status: 'new' })).toEqual([]);
    expect(await numbers({ group: group.id })).toEqual([]);
    expect(await numbers({ status: 'spam' })).toEqual([ticket.number]);
    await uc.updateTicket(caller, ticket.number, { spam: false });
    expect(await numbers({ status: 'spam' })).toEqual([]);
    expect(await numbers({ group: group.id })).toEqual([ticket.number]);
  });

  it('turns a tampered cursor into a validation error, never another partition', async () => {
    const a = tenant();
    const b = tenant();
    await uc.createTicket(b, input());
    const forged = encodeCursor({
      pk: `T#${b.tenantId}#TKT#1`,
      sk: 'META',
      viewAll: `T#${b.tenantId}#TICKETS`,
      activity: '9999',
    })!;
    for (const cursor of [forged, 'not-base64!', 'e30', encodeCursor({ pk: 1 })!]) {
      const error = await uc.listTickets(a, {}, { limit: 5, cursor }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).fieldErrors[0]?.path).toBe('cursor');
    }
  });

  it('keeps an idempotency key to the request that first used it', async () => {
    const caller = tenant();
    const idempotency = { key: 'k1', requestHash: 'hash-a' };
    const [first, second] = await Promise.all([
      uc.createTicket(caller, input(), { idempotency }),
      uc.createTicket(caller, input(), { idempotency }),
    ]);
    expect(second!.ticket.number).toBe(first!.ticket.number);
    expect([first!.replayed, second!.replayed].sort()).toEqual([false, true]);
    const error = await uc
      .createTicket(caller, input(), { idempotency: { key: 'k1', requestHash: 'hash-b' } })
      .catch((e) => e);
    expect((error as DomainError).code).toBe('idempotency_mismatch');
  });

  it('keeps agents’ emails unique per tenant', async () => {
    const caller = tenant();
    const bo = await uc.createAgent(caller, { name: 'Bo', email: 'bo@acme.test' });
    await expect(uc.createAgent(caller, { name: 'Bo 2', email: 'BO@acme.test' })).rejects.toThrow(
      /already exists/,
    );
    const al = await uc.createAgent(caller, { name: 'Al', email: 'al@acme.test' });
    await expect(uc.updateAgent(caller, al.id, { email: 'bo@acme.test' })).rejects.toThrow(/already/);
    const moved = await uc.updateAgent(caller, bo.id, { email: 'bo2@acme.test', status: 'away' });
    expect(moved).toMatchObject({ email: 'bo2@acme.test', status: 'away', version: 2 });
    expect((await uc.createAgent(caller, { name: 'New Bo', email: 'bo@acme.test' })).email).toBe(
      'bo@acme.test',
    );
  });
});
