import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { makeDynamoDbPorts } from '../../functions/adapters/dynamodb/ports.ts';
import type { Caller } from '../../functions/core/caller.ts';
import { ConcurrentModificationError } from '../../functions/core/errors.ts';
import { AgentUnavailableError, DuplicateEventError } from '../../functions/core/ports.ts';
import { applyPatch } from '../../functions/core/tickets.ts';
import { makeUseCases } from '../../functions/core/use-cases/index.ts';
import { makeDrainQueues, makeRouteTicket, ROUTING_ACTOR } from '../../functions/core/use-cases/routing.ts';

const tables = tableNamesFromEnv();
const ports = makeDynamoDbPorts(documentClient, tables);
const uc = makeUseCases(ports);

function tenant(): Caller {
  const tenantId = `rt-${Math.random().toString(36).slice(2, 10)}`;
  return { tenantId, role: 'admin', keyId: 'key_it', actor: { type: 'agent', id: 'key_it' } };
}

async function setup(caller: Caller, capacity = 2, count = 2) {
  const group = await uc.createGroup(caller, { name: 'Billing', assignment: 'round_robin' });
  const agents = [];
  for (let i = 0; i < count; i++) {
    agents.push(
      await uc.createAgent(caller, { name: `A${i}`, email: `a${i}@s.test`, groups: [group.id], capacity }),
    );
  }
  return { group, agents };
}

const open = (caller: Caller, group?: string) =>
  uc
    .createTicket(caller, {
      subject: 'Invoice',
      comment: { body: 'Wrong amount' },
      requester: { email: 'c@x.test' },
      group,
    })
    .then((r) => r.ticket);

const load = async (caller: Caller, id: string) => (await ports.agents.get(caller.tenantId, id))!.load;

describe('routing on DynamoDB', () => {
  it('keeps each agent’s load counter in the ticket transactions themselves', async () => {
    const caller = tenant();
    const { agents } = await setup(caller);
    const [a, b] = agents as [(typeof agents)[0], (typeof agents)[0]];
    const ticket = await open(caller);
    await uc.updateTicket(caller, ticket.number, { assignee: a.id });
    expect(await load(caller, a.id)).toBe(1);
    await uc.updateTicket(caller, ticket.number, { assignee: b.id });
    expect([await load(caller, a.id), await load(caller, b.id)]).toEqual([0, 1]);
    await uc.updateTicket(caller, ticket.number, { status: 'solved' });
    expect(await load(caller, b.id)).toBe(0);
    // The customer writes again: the solved ticket reopens, and it occupies its agent again.
    await uc.addComment(caller, ticket.number, { body: 'Still wrong', author: { email: 'c@x.test' } });
    expect(await load(caller, b.id)).toBe(1);
    // An agent update never writes the counter back.
    await uc.updateAgent(caller, b.id, { name: 'B renamed' });
    expect(await load(caller, b.id)).toBe(1);
  });

  it('refuses an automatic assignment past capacity, and a stolen round-robin turn', async () => {
    const caller = tenant();
    const { group, agents } = await setup(caller, 1, 1);
    const agent = agents[0]!;
    const first = await open(caller, group.id);
    const now = new Date().toISOString();
    const ids = ports.ids;
    await ports.tickets.save(
      applyPatch(first, { assignee: agent.id }, ROUTING_ACTOR, now, ids),
      first.version,
      {
        assignment: { withinCapacity: true, roundRobin: { group: group.id, from: null, to: agent.id } },
      },
    );
    const second = await open(caller, group.id);
    const overCapacity = ports.tickets.save(
      applyPatch(second, { assignee: agent.id }, ROUTING_ACTOR, now, ids),
      second.version,
      { assignment: { withinCapacity: true } },
    );
    await expect(overCapacity).rejects.toBeInstanceOf(AgentUnavailableError);
    const staleTurn = ports.tickets.save(
      applyPatch(second, { priority: 'high' }, ROUTING_ACTOR, now, ids),
      second.version,
      { assignment: { withinCapacity: true, roundRobin: { group: group.id, from: null, to: agent.id } } },
    );
    await expect(staleTurn).rejects.toBeInstanceOf(ConcurrentModificationError);
    expect(await load(caller, agent.id)).toBe(1);
    expect((await ports.routing.group(caller.tenantId, group.id))?.cursor).toBe(agent.id);
    // The cursor is routing's bookkeeping: the group as the API shows it does not carry it.
    expect(await ports.groups.get(caller.tenantId, group.id)).not.toHaveProperty('roundRobinCursor');
  });

  it('marks a consumed event in the change’s transaction: the second delivery changes nothing', async () => {
    const caller = tenant();
    const ticket = await open(caller);
    const change = applyPatch(
      ticket,
      { priority: 'high' },
      ROUTING_ACTOR,
      new Date().toISOString(),
      ports.ids,
    );
    const once = { consumer: 'triage', eventId: 'ev-1' };
    await ports.tickets.save(change, ticket.version, { consumedEvent: once });
    const again = applyPatch(
      (await ports.tickets.get(caller.tenantId, ticket.number))!,
      { priority: 'low' },
      ROUTING_ACTOR,
      new Date().toISOString(),
      ports.ids,
    );
    await expect(
      ports.tickets.save(again, change.ticket.version, { consumedEvent: once }),
    ).rejects.toBeInstanceOf(DuplicateEventError);
    expect((await ports.tickets.get(caller.tenantId, ticket.number))?.priority).toBe('high');
  });

  it('lists a group’s queue oldest first and drains it when an agent comes back', async () => {
    const caller = tenant();
    const { group, agents } = await setup(caller, 5, 1);
    const agent = agents[0]!;
    await uc.updateAgent(caller, agent.id, { status: 'away' });
    const queued = [await open(caller, group.id), await open(caller, group.id), await open(caller, group.id)];
    const route = makeRouteTicket(ports);
    for (const t of queued) {
      expect(
        await route(caller.tenantId, t.number, { consumer: 'routing', eventId: `q${t.number}` }),
      ).toMatchObject({
        outcome: 'queued',
      });
    }
    expect(await ports.routing.queued(caller.tenantId, group.id, 10)).toEqual(queued.map((t) => t.number));

    await uc.updateAgent(caller, agent.id, { status: 'available' });
    // The agent's update wrote an outbox item beside the agents: the dispatcher publishes agent.available.
    const outbox = await documentClient.send(
      new QueryCommand({
        TableName: tables.main,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ev)',
        ExpressionAttributeValues: { ':pk': `T#${caller.tenantId}#AGENTS`, ':ev': 'EV#' },
      }),
    );
    expect(outbox.Items?.map((i) => [i.entity, i.type, i.reason])).toEqual([
      ['agent-event', 'agent.available', 'back from away'],
    ]);
    const drained = await makeDrainQueues(ports)(caller.tenantId, [group.id], String(outbox.Items?.[0]?.id));
    expect(drained.assigned).toEqual(queued.map((t) => t.number));
    expect(await ports.routing.queued(caller.tenantId, group.id, 10)).toEqual([]);
    expect(await load(caller, agent.id)).toBe(3);
  });

  it('moves an ungrouped ticket into the default round-robin group and assigns it in one transaction', async () => {
    const caller = tenant();
    const { group, agents } = await setup(caller, 5, 2);
    await uc.putRoutingSettings(caller, { defaultGroup: group.id });
    const ticket = await open(caller);
    const outcome = await makeRouteTicket(ports)(caller.tenantId, ticket.number, {
      consumer: 'routing',
      eventId: 'ev-default',
    });
    expect(outcome).toMatchObject({ outcome: 'assigned', agentId: agents[0]!.id });
    expect(await ports.tickets.get(caller.tenantId, ticket.number)).toMatchObject({
      group: group.id,
      assignee: agents[0]!.id,
      version: ticket.version + 1,
    });
    expect((await ports.routing.group(caller.tenantId, group.id))?.cursor).toBe(agents[0]!.id);
  });
});
