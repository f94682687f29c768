import { describe, expect, it } from 'vitest';
import { bill } from '../../../functions/core/cost/bill.ts';
import { deploymentFootprint } from '../../../functions/core/cost/footprint.ts';
import { METER_NAMES, type Usage } from '../../../functions/core/cost/meters.ts';
import { PRICE_TABLE } from '../../../functions/core/cost/price-table.ts';
import {
  baselineUsage,
  usageForWorkload,
  usagePerTicket,
  type Workload,
} from '../../../functions/core/cost/workload.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import { queues } from '../../../functions/topology.ts';

const get = (usage: Usage, meter: keyof Usage) => usage[meter] ?? 0;

/** Events reach the metering worker too when the topology has it: 1.5 reporting counter writes each (workload.ts). */
const meteringWru = (events: number) => (queues.some((q) => q.consumer === 'metering') ? 1.5 * events : 0);
/**
 * Consumers the cost model has no figures for (a later capability's worker subscribed to every event, such as
 * webhooks): one read and one small write per event they get (workload.ts UNKNOWN_CONSUMER).
 */
const MODELLED = new Set(['triage', 'routing', 'emailOut', 'metering']);
const unmodelled = (types: readonly string[]) =>
  queues
    .filter((q) => q.consumer !== undefined && !MODELLED.has(q.consumer) && q.detail === undefined)
    .reduce((sum, q) => sum + types.filter((type) => q.events?.includes(type)).length, 0);

describe('the baseline: what runs with no ticket at all', () => {
  it('is the sweeper every minute and the idle queue pollers (hand-computed)', () => {
    const base = baselineUsage(30);
    // 30 days × 1,440 minutes = 43,200 ticks: as many Scheduler invocations and sweeper invocations
    expect(get(base, 'scheduler.invocations')).toBe(43_200);
    expect(get(base, 'lambda.requests')).toBe(43_200);
    // an idle sweep queries 8 shards at 0.5 RRU each = 4 RRU → 172,800 a month (README: "about 173,000")
    expect(get(base, 'dynamodb.rru')).toBe(172_800);
    // 15 empty receives a minute for each polled queue
    expect(get(base, 'sqs.requests')).toBe(deploymentFootprint().polledQueues * 15 * 43_200);
    // sweeper: 256 MB × (40 ms + 1 % × 118.8 ms INIT) = 0.25 GB × 0.041188 s per tick
    expect(get(base, 'lambda.gb_seconds')).toBeCloseTo(43_200 * 0.25 * 0.041188, 6);
    // metering: the sweeper flushes what it measured after every tick (it runs once a minute), its invocation,
    // GB-seconds, log bytes, Scheduler invocation and read units, plus the overhead counter: 6 counter writes
    expect(get(base, 'metering.counter_writes')).toBe(43_200 * 6);
    // log bytes: Lambda's own lines (368) and the handler's lines (320, measured) per invocation
    expect(get(base, 'logs.bytes')).toBe(43_200 * 688);
    // nothing that needs a ticket
    for (const meter of ['api.requests', 'dynamodb.wru', 'events.published', 'ses.mails_in'] as const) {
      expect(get(base, meter)).toBe(0);
    }
    expect(usageForWorkload({ ticketsPerMonth: 0 })).toEqual(
      Object.fromEntries(Object.entries(base).filter(([, q]) => q > 0)),
    );
  });
});

describe('one ticket, step by step (hand-computed)', () => {
  it('an API ticket nobody answers: create, triage, assignment', () => {
    const one = usagePerTicket({ emailsPerTicket: 0, repliesPerTicket: 0, agentUpdatesPerTicket: 0 });
    // POST /v1/tickets: one request, the authorizer missing its cache one time in four
    expect(get(one, 'api.requests')).toBe(1);
    // events: ticket.created + comment.added (create), ticket.triaged (triage), ticket.assigned (routing)
    expect(get(one, 'events.published')).toBe(4);
    // RRU: create 2 (measured) + triage of ticket.created 4 (rules, model, ticket, first comment)
    //      + routing's assignment 3.5 (ticket, group, agents, settings 0.5) + triage's rules on ticket.assigned 2
    //      (the opening comment.added is left to ticket.created: 0) = 11.5
    const events = ['ticket.created', 'comment.added', 'ticket.triaged', 'ticket.assigned'];
    expect(get(one, 'dynamodb.rru')).toBe(11.5 + unmodelled(events));
    // WRU: create 15 (measured) + triage's verdict 22 + 2 (done marker)
    //      + routing's assignment 22 + 2 + 2 (agent load, group cursor) + 2 (done marker) = 67
    expect(get(one, 'dynamodb.wru')).toBe(67 + meteringWru(4) + unmodelled(events));
    // nothing by mail, nothing timed (no update solves it)
    for (const meter of [
      'ses.mails_in',
      'ses.mails_out',
      'sns.publishes',
      's3.puts',
      'bedrock.calls',
    ] as const) {
      expect(get(one, meter)).toBe(0);
    }
  });

  it('an email ticket with one reply and one solving update', () => {
    const one = usagePerTicket({ emailsPerTicket: 1, repliesPerTicket: 1, agentUpdatesPerTicket: 1 });
    // SES receives one 30 KB mail (one chunk), notifies SNS, stores it in S3; email-in reads it back
    expect(get(one, 'ses.mails_in')).toBe(1);
    expect(get(one, 'ses.chunks_in')).toBe(1);
    expect(get(one, 'sns.publishes')).toBe(1);
    expect(get(one, 's3.puts')).toBe(1);
    expect(get(one, 's3.gets')).toBe(1);
    // mails out: the acknowledgement, the agent's reply and the satisfaction survey on solve
    expect(get(one, 'ses.mails_out')).toBe(3);
    // API: 2 agent actions × 3 reads (queue page, ticket, timeline) + the reply + the update = 8
    expect(get(one, 'api.requests')).toBe(8);
    // events: created, comment, triaged, assigned, email.sent (ack); reply: comment + status open, email.sent;
    // update: status solved, email.sent (survey); auto-close: status closed = 11
    expect(get(one, 'events.published')).toBe(11);
  });

  it('counts attachments in the raw mail, base64-encoded, and keeps them', () => {
    const plain = usagePerTicket({ emailsPerTicket: 1 });
    const attached = usagePerTicket({
      emailsPerTicket: 1,
      attachmentsKbPerTicket: 300,
      attachmentsPerTicket: 2,
    });
    // 30 KB + 300 KB × 4/3 = 430 KB → 2 chunks of 256 KB
    expect(get(attached, 'ses.chunks_in')).toBe(2);
    // the raw mail, then one object per attachment; each attachment downloaded once
    expect(get(attached, 's3.puts') - get(plain, 's3.puts')).toBe(2);
    expect(get(attached, 's3.gets') - get(plain, 's3.gets')).toBe(2);
    // bytes written: 400 KB more of raw MIME and the 300 KB of attachments, each priced as stored 3 months;
    // the attachments' 9 more months of the 12 kept are storage no write pays for: 700 × 3 + 300 × 9 = 4,800
    // KB-months, as before metering measured the writes
    expect(get(attached, 's3.bytes_written') - get(plain, 's3.bytes_written')).toBe(700 * 1024);
    expect(get(attached, 's3.gb_month') - get(plain, 's3.gb_month')).toBeCloseTo(
      (2_700 * 1024) / 1024 ** 3,
      12,
    );
    // a plain 30 KB mail: written once, nothing stored beyond its 3 months
    expect(get(plain, 's3.bytes_written')).toBe(30 * 1024);
    expect(get(plain, 's3.gb_month')).toBe(0);
  });

  it('calls Bedrock once per customer message when triage uses it', () => {
    const builtin = usagePerTicket({ emailsPerTicket: 3 });
    const bedrock = usagePerTicket({ emailsPerTicket: 3, aiTriage: true });
    expect(get(builtin, 'bedrock.calls')).toBe(0);
    // the opening mail and the two replies by mail: 3 calls, 1,200 tokens in and 100 out each
    expect(get(bedrock, 'bedrock.calls')).toBe(3);
    expect(get(bedrock, 'bedrock.input_tokens')).toBe(3_600);
    expect(get(bedrock, 'bedrock.output_tokens')).toBe(300);
    // Lambda bills triage while it waits: 3 × 1 GB × 1 s more
    expect(get(bedrock, 'lambda.gb_seconds') - get(builtin, 'lambda.gb_seconds')).toBeCloseTo(3, 9);
  });

  it('follows the channel mix and the acknowledgement setting', () => {
    const half = usagePerTicket({ emailsPerTicket: 0.5, repliesPerTicket: 2 });
    // half the tickets by mail: 0.5 mails in; out: 0.5 × (acknowledgement + 2 replies + the survey on solve)
    expect(get(half, 'ses.mails_in')).toBe(0.5);
    expect(get(half, 'ses.mails_out')).toBe(2);
    const quiet = usagePerTicket({ emailsPerTicket: 1, repliesPerTicket: 2, acknowledgements: false });
    expect(get(quiet, 'ses.mails_out')).toBe(3);
  });
});

describe('a month of a workload', () => {
  const workloads: Partial<Workload>[] = [
    {},
    { emailsPerTicket: 3, repliesPerTicket: 2, agentUpdatesPerTicket: 3, attachmentsKbPerTicket: 200 },
    { emailsPerTicket: 0.3, aiTriage: true, slaEventsPerTicket: 0.2, monthsOfHistory: 36 },
  ];

  it.each(workloads)('is linear in tickets apart from the baseline (%o)', (workload) => {
    const at = (ticketsPerMonth: number) => usageForWorkload({ ...workload, ticketsPerMonth });
    const [zero, n, twoN] = [at(0), at(40_000), at(80_000)];
    // All but the measured-usage flushes, which the clock bounds (next test).
    for (const meter of METER_NAMES.filter((m) => m !== 'metering.counter_writes')) {
      // usage(2n) − usage(n) = usage(n) − usage(0) = n × one ticket's usage
      const step = get(n, meter) - get(zero, meter);
      expect(get(twoN, meter) - get(n, meter)).toBeCloseTo(step, 6);
      expect(step).toBeCloseTo(40_000 * get(usagePerTicket(workload), meter), 6);
    }
    // and so is the bill, whose fixed part does not move (but for the flushes' few cents)
    const price = (usage: Usage, tickets: number) => bill(usage, PRICE_TABLE, { tickets, days: 30 });
    const [b0, b1, b2] = [price(zero, 0), price(n, 40_000), price(twoN, 80_000)];
    expect(b2.total - b1.total).toBeLessThanOrEqual(b1.total - b0.total);
    expect(b2.total - b1.total).toBeGreaterThan(0.9 * (b1.total - b0.total));
    expect(b1.fixedMonthly).toEqual(b0.fixedMonthly);
    expect(b2.fixedMonthly).toEqual(b0.fixedMonthly);
    // the cost per ticket falls towards the marginal cost as the fixed part spreads
    expect(b2.costPerTicket!).toBeLessThan(b1.costPerTicket!);
  });

  it('writes measured usage once a minute per busy function, after every invocation of a quiet one', () => {
    const writes = (ticketsPerMonth: number) =>
      get(usageForWorkload({ ticketsPerMonth }), 'metering.counter_writes');
    // The worker's own usage counters grow with tickets: created, solved and each mail sent move one, each
    // write with metering's overhead counter (2). Default ticket: created, 4 mails out (acknowledgement, 2
    // replies and the survey on solve), solved → 6 counted events → 12 writes.
    expect(get(usagePerTicket({}), 'metering.counter_writes')).toBe(12);
    const minutes = 30 * 1_440;
    // A quiet month: each of a ticket's invocations flushes (more than a minute apart), so the flushes grow
    // with tickets; a busy one: every function flushes once a minute per container, whatever the tickets.
    const quiet = writes(100) - writes(0) - 100 * 12;
    expect(quiet).toBeGreaterThan(0);
    expect((writes(200) - writes(0) - 200 * 12) / quiet).toBeCloseTo(2, 6);
    const busy = (ticketsPerMonth: number) => writes(ticketsPerMonth) - ticketsPerMonth * 12;
    // 10 functions, 4–12 counters a flush, at most one flush a minute each (the api: a few containers)
    expect(busy(1_000_000)).toBeGreaterThan(10 * minutes * 4);
    expect(busy(1_000_000)).toBeLessThan(10 * minutes * 12 * 3);
    // at most one flush a minute per container: doubling tickets past that changes little
    expect(busy(2_000_000) / busy(1_000_000)).toBeLessThan(1.5);
  });

  it('grows with every kind of work', () => {
    const cost = (workload: Partial<Workload>) =>
      bill(usageForWorkload({ ticketsPerMonth: 10_000, ...workload }), PRICE_TABLE, {
        tickets: 10_000,
        days: 30,
      }).total;
    const base = cost({});
    expect(cost({ emailsPerTicket: 4 })).toBeGreaterThan(base);
    expect(cost({ repliesPerTicket: 5 })).toBeGreaterThan(base);
    expect(cost({ agentUpdatesPerTicket: 5 })).toBeGreaterThan(base);
    expect(cost({ attachmentsKbPerTicket: 2_000, attachmentsPerTicket: 2 })).toBeGreaterThan(base);
    expect(cost({ monthsOfHistory: 24 })).toBeGreaterThan(base);
    expect(cost({ slaEventsPerTicket: 1 })).toBeGreaterThan(base);
  });

  it('scales tickets and clock-driven work to a shorter period', () => {
    const month = usageForWorkload({ ticketsPerMonth: 30_000 });
    const week = usageForWorkload({ ticketsPerMonth: 30_000, days: 7 });
    for (const meter of METER_NAMES) expect(get(week, meter)).toBeCloseTo((get(month, meter) * 7) / 30, 6);
  });

  it('refuses a workload that cannot happen', () => {
    try {
      usageForWorkload({
        ticketsPerMonth: -5,
        emailsPerTicket: Number.NaN,
        days: 0,
        aiTriage: 'yes' as never,
      });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).fieldErrors.map((e) => e.path)).toEqual([
        'ticketsPerMonth',
        'emailsPerTicket',
        'days',
        'aiTriage',
      ]);
    }
  });
});
