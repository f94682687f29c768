import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import type { LifecycleTimings, TimerContext } from '../../../functions/core/sla/plan.ts';
import type { SlaPolicy } from '../../../functions/core/sla/policy.ts';
import { withTimers } from '../../../functions/core/timed-tickets.ts';
import { diffTimers, TIMER_SHARDS, type Timer, timerShard } from '../../../functions/core/timers.ts';
import { makeFireTimer } from '../../../functions/core/use-cases/fire-timer.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const agent: Caller = { tenantId: 'acme', role: 'agent', keyId: 'k', actor: { type: 'agent', id: 'agt_1' } };
const channel: Caller = { tenantId: 'acme', role: 'channel', keyId: 'c', actor: { type: 'system', id: 'c' } };

const policy = (extra: Partial<SlaPolicy> = {}): SlaPolicy => ({
  id: 'slp_1',
  name: 'Standard',
  position: 0,
  conditions: {},
  scheduleId: null,
  targets: { normal: { first_reply: 30, resolution: 240 }, urgent: { first_reply: 10 } },
  ...extra,
});
const lifecycle: LifecycleTimings = {
  autoCloseAfterHours: 96,
  pendingReminderAfterHours: 24,
  pendingAutoSolveAfterHours: 72,
};

let ports: ReturnType<typeof memoryPorts>;
let context: TimerContext;
let uc: ReturnType<typeof makeUseCases>;
let fire: ReturnType<typeof makeFireTimer>;

beforeEach(() => {
  ports = memoryPorts();
  context = { policies: [policy()], schedules: new Map(), lifecycle };
  const tickets = withTimers(ports.tickets, { context: async () => context, clock: ports.clock });
  uc = makeUseCases({ ...ports, tickets });
  fire = makeFireTimer({ tickets, context: async () => context, clock: ports.clock, ids: ports.ids });
});

const MINUTE = 60_000;
const armedSlots = (number: number) =>
  [...ports.tickets.timerItems.values()]
    .filter((t) => t.ticketNumber === number)
    .map((t): [string, string] => [t.slot, t.dueAt]);

async function openTicket() {
  const { ticket } = await uc.createTicket(channel, {
    subject: 'Cannot pay',
    comment: { body: 'The card form errors out.' },
    requester: { email: 'ann@example.com' },
  });
  return ticket;
}

/** The sweeper's message for the ticket's armed timer in `slot`. */
async function due(number: number, slot: string) {
  const ticket = (await ports.tickets.get('acme', number))!;
  const armed = ticket.timers.find((t) => t.slot === slot)!;
  return {
    tenantId: 'acme',
    ticketNumber: number,
    slot,
    effect: armed.effect,
    dueAt: armed.dueAt,
    claimedAt: armed.dueAt,
  };
}

describe('deadlines as timers', () => {
  it('arms the warning and breach of each running metric in the ticket’s own transaction', async () => {
    const ticket = await openTicket();
    const created = Date.parse(ticket.createdAt);
    expect(new Map(armedSlots(ticket.number))).toEqual(
      new Map([
        ['sla_warning:first_reply', new Date(created + 22.5 * MINUTE).toISOString()],
        ['sla_breach:first_reply', new Date(created + 30 * MINUTE).toISOString()],
        ['sla_warning:resolution', new Date(created + 180 * MINUTE).toISOString()],
        ['sla_breach:resolution', new Date(created + 240 * MINUTE).toISOString()],
      ]),
    );
    expect(ticket.sla).toMatchObject({ policy: { name: 'Standard' }, breached: false, atRisk: false });
    expect(ticket.sla?.metrics.map((m) => [m.metric, m.targetMinutes])).toEqual([
      ['first_reply', 30],
      ['resolution', 240],
    ]);
  });

  it('moves deadlines when the priority changes and clears them when a reply fulfils the metric', async () => {
    const ticket = await openTicket();
    await uc.updateTicket(agent, ticket.number, { priority: 'urgent' });
    const created = Date.parse(ticket.createdAt);
    expect(new Map(armedSlots(ticket.number)).get('sla_breach:first_reply')).toBe(
      new Date(created + 10 * MINUTE).toISOString(),
    );
    await uc.addComment(agent, ticket.number, { body: 'Looking into it.' });
    expect(armedSlots(ticket.number)).toEqual([]);
  });

  it('breaches once, escalating, and ignores the same timer fired again', async () => {
    context = {
      ...context,
      policies: [policy({ escalation: { priority: 'urgent', addTags: ['breached'] } })],
    };
    const ticket = await openTicket();
    ports.clock.advance(31 * MINUTE);
    const breach = await due(ticket.number, 'sla_breach:first_reply');
    expect(await fire(breach)).toMatchObject({ outcome: 'applied', kind: 'sla_breach' });
    const after = (await ports.tickets.get('acme', ticket.number))!;
    expect(after).toMatchObject({ priority: 'urgent', tags: ['breached'] });
    expect(after.sla?.breached).toBe(true);
    const event = ports.tickets.events.find((e) => e.data.type === 'sla_breached')!;
    expect(event.data).toMatchObject({ metric: 'first_reply', policy: 'Standard' });
    expect(await fire(breach)).toMatchObject({ outcome: 'skipped' });
    expect(ports.tickets.events.filter((e) => e.data.type === 'sla_breached')).toHaveLength(1);
    expect(new Map(armedSlots(ticket.number)).has('sla_breach:first_reply')).toBe(false);
  });

  it('does nothing for a deadline that a reply met before the timer was handled', async () => {
    const ticket = await openTicket();
    const breach = await due(ticket.number, 'sla_breach:first_reply');
    await uc.addComment(agent, ticket.number, { body: 'On it.' });
    ports.clock.advance(31 * MINUTE);
    expect(await fire(breach)).toMatchObject({ outcome: 'skipped' });
    expect(ports.tickets.events.some((e) => e.data.type === 'sla_breached')).toBe(false);
  });

  it('closes a solved ticket after the configured hours, unless the requester wrote back', async () => {
    const ticket = await openTicket();
    await uc.updateTicket(agent, ticket.number, { status: 'solved' });
    const close = await due(ticket.number, 'auto_close');
    ports.clock.advance(96 * 60 * MINUTE);
    expect(await fire(close)).toMatchObject({ outcome: 'applied', kind: 'auto_close' });
    expect((await ports.tickets.get('acme', ticket.number))?.status).toBe('closed');
    expect(armedSlots(ticket.number)).toEqual([]);

    const second = await openTicket();
    await uc.updateTicket(agent, second.number, { status: 'solved' });
    const cancelled = await due(second.number, 'auto_close');
    await uc.addComment(channel, second.number, { body: 'Not fixed', author: { email: 'ann@example.com' } });
    ports.clock.advance(97 * 60 * MINUTE);
    expect(await fire(cancelled)).toMatchObject({ outcome: 'skipped' });
    expect((await ports.tickets.get('acme', second.number))?.status).toBe('open');
  });

  it('reminds the requester of a pending ticket, then solves it, and a reply cancels both', async () => {
    const ticket = await openTicket();
    await uc.updateTicket(agent, ticket.number, { status: 'pending' });
    ports.clock.advance(24 * 60 * MINUTE);
    expect(await fire(await due(ticket.number, 'pending_reminder'))).toMatchObject({ outcome: 'applied' });
    const reminder = ports.tickets.events.findLast((e) => e.data.type === 'comment')!;
    expect(reminder).toMatchObject({ actor: { id: 'timers' }, data: { public: true } });
    expect((await ports.tickets.get('acme', ticket.number))?.status).toBe('pending');
    ports.clock.advance(48 * 60 * MINUTE);
    expect(await fire(await due(ticket.number, 'pending_auto_solve'))).toMatchObject({ outcome: 'applied' });
    expect((await ports.tickets.get('acme', ticket.number))?.status).toBe('solved');

    const other = await openTicket();
    await uc.updateTicket(agent, other.number, { status: 'pending' });
    await uc.addComment(channel, other.number, { body: 'Here you go', author: { email: 'ann@example.com' } });
    expect(new Map(armedSlots(other.number)).has('pending_reminder')).toBe(false);
  });
});

describe('timer bookkeeping', () => {
  it('writes only timers that changed', () => {
    const timer = (slot: string, dueAt: string): Timer => ({
      tenantId: 't',
      ticketNumber: 1,
      slot,
      kind: 'sla_breach',
      metric: 'first_reply',
      dueAt,
      effect: `${slot}@x`,
    });
    const armed = [timer('a', '2026-01-01T00:00:00.000Z'), timer('b', '2026-01-01T00:00:00.000Z')];
    expect(diffTimers(armed, [armed[0]!, timer('c', '2026-01-02T00:00:00.000Z')])).toEqual({
      put: [timer('c', '2026-01-02T00:00:00.000Z')],
      remove: ['b'],
    });
  });

  it('spreads tickets over the shards, and keeps a ticket on one', () => {
    const counts = new Array(TIMER_SHARDS).fill(0);
    for (let n = 1; n <= 8000; n++) counts[timerShard('acme', n)]++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(timerShard('acme', 42)).toBe(timerShard('acme', 42));
  });
});
