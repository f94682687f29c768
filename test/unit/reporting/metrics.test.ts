import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import { toDomainEvent } from '../../../functions/core/domain-events.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import type { Actor, TimelineEvent } from '../../../functions/core/model.ts';
import { metricsReport } from '../../../functions/core/reporting/metrics.ts';
import { addComment, applyPatch, openTicket } from '../../../functions/core/tickets.ts';
import { makeMeterEvents } from '../../../functions/core/use-cases/meter-events.ts';
import { makeGetReportMetrics } from '../../../functions/core/use-cases/reports.ts';
import { FakeClock, memoryPorts, sequentialIds } from '../../support/in-memory-ports.ts';

const caller: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_1',
  actor: { type: 'agent', id: 'agt_bo' },
};

describe('the metrics report from counters', () => {
  it('derives rates, percentiles, SLA compliance and escalations', () => {
    const report = metricsReport(
      '2026-03-01',
      '2026-03-31',
      new Map<string, Record<string, number>>([
        [
          '2026-03-02',
          {
            created: 8,
            solved: 5,
            reopened: 1,
            'csat.responses': 3,
            'csat.satisfied': 2,
            'ces.6': 2,
            'ces.3': 1,
            'frt.2': 4,
            'res.11': 5,
            'sla.first_reply.met': 3,
            'sla.first_reply.breached': 1,
            'esc.first_reply: priority → urgent': 1,
          },
        ],
        ['2026-03-03', { created: 2, solved: 3, 'esc.first_reply: tags added': 2, 'sla.resolution.met': 2 }],
      ]),
    );
    expect(report).toEqual({
      from: '2026-03-01',
      to: '2026-03-31',
      volume: { created: 10, solved: 8, reopened: 1, backlog: 3 },
      resolutionRate: 0.8,
      csat: { responses: 3, score: 66.7 },
      ces: { responses: 3, average: 5, easyShare: 0.667 },
      firstReply: { count: 4, medianMinutes: 3.5, p90Minutes: 4.7 },
      resolution: { count: 5, medianMinutes: 1080, p90Minutes: 1368 },
      slaCompliance: {
        first_reply: { met: 3, breached: 1, rate: 0.75 },
        resolution: { met: 2, breached: 0, rate: 1 },
      },
      escalations: [
        { reason: 'first_reply: tags added', count: 2 },
        { reason: 'first_reply: priority → urgent', count: 1 },
      ],
    });
  });

  it('says null, not zero, for rates and times it cannot know', () => {
    expect(metricsReport('2026-03-01', '2026-03-01', new Map())).toEqual({
      from: '2026-03-01',
      to: '2026-03-01',
      volume: { created: 0, solved: 0, reopened: 0, backlog: 0 },
      resolutionRate: null,
      csat: { responses: 0, score: null },
      ces: { responses: 0, average: null, easyShare: null },
      firstReply: { count: 0, medianMinutes: null, p90Minutes: null },
      resolution: { count: 0, medianMinutes: null, p90Minutes: null },
      slaCompliance: {},
      escalations: [],
    });
  });
});

describe('metering feeds the report', () => {
  let ports: ReturnType<typeof memoryPorts>;
  const ids = sequentialIds();
  const agent: Actor = { type: 'agent', id: 'agt_bo' };
  const customer: Actor = { type: 'customer', id: 'cus_ann' };

  beforeEach(() => {
    ports = memoryPorts();
  });

  /** Saves each change as the API would and returns its timeline events. */
  async function lifeOf(
    number: number,
    group: string,
    channel: 'email' | 'chat',
    [replyAfter, solveAfter]: [number, number],
  ) {
    const start = Date.parse('2026-03-02T09:00:00.000Z');
    const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
    const opened = openTicket(
      {
        tenantId: 'acme',
        number,
        subject: 'Help',
        comment: { body: 'Please', public: true },
        requester: { id: 'cus_ann', email: 'ann@example.com', phone: null, name: null },
        channel,
        group,
      },
      customer,
      at(0),
      ids,
    );
    await ports.tickets.create({
      change: opened,
      requester: { ref: opened.ticket.requester, organization: null, write: false },
    });
    const reply = addComment(opened.ticket, { body: 'On it', public: true }, agent, at(replyAfter), ids);
    await ports.tickets.save(reply, opened.ticket.version);
    const solved = applyPatch(reply.ticket, { status: 'solved' }, agent, at(solveAfter), ids);
    await ports.tickets.save(solved, reply.ticket.version);
    const events: TimelineEvent[] = [...opened.events, ...reply.events, ...solved.events];
    return events.map(toDomainEvent);
  }

  it('counts a batch once (first replies even when redelivered) and reports it per dimension', async () => {
    const meter = makeMeterEvents({ usage: ports.usage, reports: ports.reports });
    const one = await lifeOf(1, 'billing', 'email', [30, 120]);
    const two = await lifeOf(2, 'billing', 'chat', [90, 600]);
    const three = await lifeOf(3, 'tech', 'email', [5, 60]);
    const result = await meter([...one, ...two, ...three]);
    expect(result).toMatchObject({ events: one.length * 3, firstReplies: 3 });
    // Redelivered: counters count again (at least once), first replies do not.
    expect((await meter(one)).firstReplies).toBe(0);

    ports.clock = new FakeClock(Date.parse('2026-03-10T00:00:00.000Z'));
    const report = makeGetReportMetrics({ reports: ports.reports, clock: ports.clock });
    const all = await report(caller, { from: '2026-03-01', to: '2026-03-31' });
    expect(all.volume).toEqual({ created: 4, solved: 4, reopened: 0, backlog: 0 });
    expect(all.firstReply.count).toBe(3);
    // 5, 30 and 90 minutes: the median is in the (15, 30] bucket.
    expect(all.firstReply.medianMinutes).toBeGreaterThan(15);
    expect(all.firstReply.medianMinutes).toBeLessThanOrEqual(30);

    const billingEmail = await report(caller, {
      from: '2026-03-01',
      to: '2026-03-31',
      group: 'billing',
      channel: 'email',
    });
    expect(billingEmail.volume).toEqual({ created: 2, solved: 2, reopened: 0, backlog: 0 });
    expect(billingEmail.firstReply).toEqual({ count: 1, medianMinutes: 22.5, p90Minutes: 28.5 });
    const chat = await report(caller, { from: '2026-03-01', to: '2026-03-31', channel: 'chat' });
    expect(chat.volume.created).toBe(1);
    expect(chat.resolution.count).toBe(1);
    const bo = await report(caller, { from: '2026-03-01', to: '2026-03-31', agent: 'agt_bo' });
    // Solves happened while assigned to nobody: the agent dimension holds none of them.
    expect(bo.volume.solved).toBe(0);
    // Defaults: the 30 days up to today.
    expect(await report(caller, {})).toMatchObject({ from: '2026-02-09', to: '2026-03-10' });
    // Another day range sees nothing.
    expect((await report(caller, { from: '2026-04-01', to: '2026-04-02' })).volume.created).toBe(0);
  });

  it('rejects a reversed, too long or ambiguous range as a validation error', async () => {
    const report = makeGetReportMetrics({ reports: ports.reports, clock: ports.clock });
    for (const query of [
      { from: '2026-03-05', to: '2026-03-01' },
      { from: '2025-01-01', to: '2026-03-01' },
      { from: '2026-02-30', to: '2026-03-01' },
      { agent: 'agt_bo', group: 'billing' },
    ]) {
      await expect(report(caller, query)).rejects.toBeInstanceOf(DomainError);
    }
  });
});
