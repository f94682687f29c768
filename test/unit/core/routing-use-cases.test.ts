import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import type { DomainEvent } from '../../../functions/core/domain-events.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import type { AssignmentStrategy } from '../../../functions/core/model.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { makeRouteEvent } from '../../../functions/core/use-cases/route-event.ts';
import { makeDrainQueues, makeRouteTicket } from '../../../functions/core/use-cases/routing.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_a',
  actor: { type: 'agent', id: 'key_a' },
};

let ports: ReturnType<typeof memoryPorts>;
let uc: ReturnType<typeof makeUseCases>;
let routeTicket: ReturnType<typeof makeRouteTicket>;
let n = 0;
const once = () => ({ consumer: 'routing', eventId: `ev${++n}` });

beforeEach(() => {
  ports = memoryPorts();
  uc = makeUseCases(ports);
  routeTicket = makeRouteTicket(ports);
});

async function setup(
  assignment: AssignmentStrategy,
  agents: { name: string; status?: 'away'; capacity?: number }[],
) {
  const group = await uc.createGroup(admin, { name: 'Billing', assignment });
  const ids: string[] = [];
  for (const a of agents) {
    const agent = await uc.createAgent(admin, {
      name: a.name,
      email: `${a.name}@s.test`,
      groups: [group.id],
      status: a.status,
      capacity: a.capacity,
    });
    ids.push(agent.id);
  }
  return { group: group.id, agents: ids };
}

const newTicket = (group?: string) =>
  uc
    .createTicket(admin, {
      subject: 'Invoice',
      comment: { body: 'Wrong amount' },
      requester: { email: `c${++n}@x.test` },
      group,
    })
    .then((r) => r.ticket.number);

const agentLoad = async (id: string) => (await ports.agents.get('acme', id))!.load;

describe('routing a ticket', () => {
  it('assigns round robin, keeps load counters and explains the choice', async () => {
    const { group, agents } = await setup('round_robin', [
      { name: 'ana' },
      { name: 'ben' },
      { name: 'cleo' },
    ]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const number = await newTicket(group);
      const outcome = await routeTicket('acme', number, once());
      expect(outcome.outcome).toBe('assigned');
      const ticket = (await ports.tickets.get('acme', number))!;
      counts.set(ticket.assignee!, (counts.get(ticket.assignee!) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([3, 3, 3]);
    for (const id of agents) expect(await agentLoad(id)).toBe(3);
    const assigned = ports.tickets.events.find((e) => e.data.type === 'assigned');
    expect(assigned?.actor).toMatchObject({ type: 'system', id: 'routing' });
    expect(assigned?.data).toMatchObject({
      strategy: 'round_robin',
      reason: expect.stringContaining('Billing:'),
    });
  });

  it('queues the ticket with the reason when nobody can take it, and never passes capacity', async () => {
    const { group, agents } = await setup('least_loaded', [
      { name: 'ana', capacity: 1 },
      { name: 'ben', status: 'away' },
    ]);
    const first = await newTicket(group);
    expect((await routeTicket('acme', first, once())).outcome).toBe('assigned');
    const second = await newTicket(group);
    const outcome = await routeTicket('acme', second, once());
    expect(outcome).toMatchObject({
      outcome: 'queued',
      reason: expect.stringContaining('1 away, 1 at capacity'),
    });
    expect(ports.tickets.events.at(-1)?.data).toMatchObject({ type: 'routing_deferred', group });
    expect(await agentLoad(agents[0]!)).toBe(1);

    // Ana solves her ticket: her slot frees and the queued ticket goes to her, through the event.
    await uc.updateTicket({ ...admin, actor: { type: 'agent', id: agents[0]! } }, first, {
      status: 'solved',
    });
    expect(await agentLoad(agents[0]!)).toBe(0);
    const solved = ports.tickets.events.findLast((e) => e.data.type === 'status_changed')!;
    const routeEvent = makeRouteEvent(ports);
    const event: DomainEvent = {
      id: solved.id,
      type: 'ticket.status_changed',
      version: 1,
      tenantId: 'acme',
      occurredAt: solved.at,
      actor: solved.actor,
      ticket: solved.ticket,
      data: { from: 'open', to: 'solved', reason: 'changed by an agent' },
    };
    expect(await routeEvent(event)).toMatchObject({ outcome: 'drained', assigned: [second] });
    expect((await ports.tickets.get('acme', second))!.assignee).toBe(agents[0]);
  });

  it('handles a redelivered event once, and leaves assigned, solved and manual tickets alone', async () => {
    const { group } = await setup('round_robin', [{ name: 'ana' }]);
    const number = await newTicket(group);
    const event = once();
    expect((await routeTicket('acme', number, event)).outcome).toBe('assigned');
    expect(await routeTicket('acme', number, event)).toMatchObject({ outcome: 'skipped' });
    const manual = await uc.createGroup(admin, { name: 'VIP', assignment: 'manual' });
    const vip = await newTicket(manual.id);
    expect(await routeTicket('acme', vip, once())).toMatchObject({
      outcome: 'skipped',
      reason: 'group VIP assigns manually',
    });
  });

  it('puts ungrouped tickets in the tenant default group, unless an agent chose the group', async () => {
    const { group } = await setup('round_robin', [{ name: 'ana' }]);
    const number = await newTicket();
    expect(await routeTicket('acme', number, once())).toMatchObject({ outcome: 'skipped' });
    await uc.putRoutingSettings(admin, { defaultGroup: group });
    expect((await routeTicket('acme', number, once())).outcome).toBe('assigned');
    const ticket = (await ports.tickets.get('acme', number))!;
    expect(ticket.group).toBe(group);
    const moved = ports.tickets.events.find(
      (e) => e.data.type === 'field_changed' && e.data.field === 'group',
    );
    expect(moved?.data).toMatchObject({ reason: 'the tenant’s default group' });
    await expect(uc.putRoutingSettings(admin, { defaultGroup: 'grp_nope' })).rejects.toBeInstanceOf(
      DomainError,
    );
  });

  it('retries when another worker took the agent’s last slot first', async () => {
    const { group, agents } = await setup('least_loaded', [
      { name: 'ana', capacity: 1 },
      { name: 'ben', capacity: 1 },
    ]);
    const number = await newTicket(group);
    // Between routing's read of the agents and its write, Ana's last slot goes elsewhere.
    const ana = (await ports.agents.get('acme', agents[0]!))!;
    const realAgentsOf = ports.routing.agentsOf.bind(ports.routing);
    let raced = false;
    ports.routing.agentsOf = async (tenantId, groupId) => {
      const seen = await realAgentsOf(tenantId, groupId);
      if (!raced) {
        raced = true;
        ports.agents.agents.set(`acme#${ana.id}`, { ...ana, load: 1 });
      }
      return seen;
    };
    const drain = makeDrainQueues(ports);
    expect((await drain('acme', [group], 'ev-race')).assigned).toEqual([number]);
    expect((await ports.tickets.get('acme', number))!.assignee).toBe(agents[1]);
  });
});
