import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbReportStore } from '../../functions/adapters/dynamodb/report-store.ts';
import { DynamoDbTicketStore } from '../../functions/adapters/dynamodb/ticket-store.ts';
import { type DomainEvent, toDomainEvent } from '../../functions/core/domain-events.ts';
import type { TimelineEvent } from '../../functions/core/model.ts';
import { CounterAdds, dimensionsOf } from '../../functions/core/reporting/counters.ts';
import { noteEvent } from '../../functions/core/tickets.ts';
import { handler as metering } from '../../functions/handlers/metering.ts';
import { eventBus } from '../../functions/topology.ts';
import { callApi } from '../support/api-call.ts';

/**
 * Reporting end to end on DynamoDB Local: tickets worked over the real API handler, their timeline events
 * published as the dispatcher would (EventBridge envelope in SQS records) to the real metering handler, then
 * the metrics report and the satisfaction survey over the API again.
 */
const commands = new Set<string>();
documentClient.middlewareStack.add(
  (next, context) => async (args) => {
    commands.add(String(context.commandName));
    return next(args);
  },
  { step: 'initialize', name: 'recordReportingCommands' },
);

const tickets = new DynamoDbTicketStore(documentClient, tableNamesFromEnv());
const operatorKey = process.env.DESKLESS_OPERATOR_API_KEY!;
const tenantId = `rpt-${Date.now().toString(36)}`;
let admin: string;
let channelKey: string;

const call = callApi;

function record(event: DomainEvent): SQSRecord {
  return {
    messageId: `m-${event.id}-${Math.random().toString(36).slice(2)}`,
    receiptHandle: 'r',
    body: JSON.stringify({
      source: eventBus.source,
      'detail-type': event.type,
      detail: event,
    }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:deskless-metering',
    awsRegion: 'us-east-1',
  };
}

const batch = (events: readonly DomainEvent[]): SQSEvent => ({ Records: events.map(record) });

async function timelineOf(number: number): Promise<TimelineEvent[]> {
  return [...(await tickets.timeline(tenantId, number, { limit: 100 })).items];
}

const newTicket = (extra: Record<string, unknown> = {}) => ({
  subject: 'Broken invoice',
  comment: { body: 'The total is wrong' },
  requester: { email: 'ann@example.com', name: 'Ann' },
  ...extra,
});

let firstDay: string;
let group: string;

beforeAll(async () => {
  const created = await call('POST', '/v1/tenants', operatorKey, { body: { id: tenantId, name: 'Reports' } });
  expect(created.status).toBe(201);
  admin = created.body.apiKey.secret;
  channelKey = (await call('POST', '/v1/api-keys', admin, { body: { name: 'widget', role: 'channel' } })).body
    .secret;
  group = (await call('POST', '/v1/groups', admin, { body: { name: 'Billing' } })).body.id;
});

afterAll(() => {
  // Reports are Queries on their own keys, never a scan (DESIGN.md rule 5).
  expect([...commands].filter((c) => /Scan/.test(c))).toEqual([]);
});

describe('support reporting on DynamoDB Local', () => {
  it('meters batches of real events into counters and reports them', async () => {
    // #1 in Billing: two public replies, then solved. #2 without a group: solved, then reopened.
    const one = (await call('POST', '/v1/tickets', admin, { body: newTicket({ group }) })).body.number;
    const two = (await call('POST', '/v1/tickets', admin, { body: newTicket() })).body.number;
    for (const body of ['Looking into it', 'Fixed the total']) {
      expect((await call('POST', `/v1/tickets/${one}/comments`, admin, { body: { body } })).status).toBe(201);
    }
    await call('POST', `/v1/tickets/${one}/comments`, admin, { body: { body: 'note', public: false } });
    expect((await call('PATCH', `/v1/tickets/${one}`, admin, { body: { status: 'solved' } })).status).toBe(
      200,
    );
    expect((await call('PATCH', `/v1/tickets/${two}`, admin, { body: { status: 'solved' } })).status).toBe(
      200,
    );
    expect((await call('PATCH', `/v1/tickets/${two}`, admin, { body: { status: 'open' } })).status).toBe(200);

    const eventsOne = await timelineOf(one);
    const eventsTwo = await timelineOf(two);
    firstDay = eventsOne[0]!.at.slice(0, 10);
    // An SLA breach with its escalation, as the timer worker records it.
    const ticketOne = (await tickets.get(tenantId, one))!;
    const breach = noteEvent(
      ticketOne,
      { type: 'system', id: 'timers' },
      ticketOne.updatedAt,
      { next: () => 'BREACH1' },
      {
        type: 'sla_breached',
        metric: 'first_reply',
        policy: 'Default',
        dueAt: ticketOne.updatedAt,
        escalation: ['priority → "urgent"'],
      },
    );
    const domain = [...eventsOne, ...eventsTwo, breach].map(toDomainEvent);
    const comments = domain.filter((e) => e.type === 'comment.added');
    const others = domain.filter((e) => e.type !== 'comment.added');

    // Two batches, comments apart: the first reply's marker holds across batches and redeliveries.
    expect(await metering(batch(comments))).toEqual({ batchItemFailures: [] });
    expect(await metering(batch(others))).toEqual({ batchItemFailures: [] });
    expect(await metering(batch(comments))).toEqual({ batchItemFailures: [] });

    const today = new Date().toISOString().slice(0, 10);
    const report = await call('GET', `/v1/reports/metrics?from=${firstDay}&to=${today}`, admin);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      from: firstDay,
      to: today,
      volume: { created: 2, solved: 2, reopened: 1, backlog: 1 },
      resolutionRate: 1,
      csat: { responses: 0, score: null },
      firstReply: { count: 1 },
      resolution: { count: 2 },
      slaCompliance: { first_reply: { met: 0, breached: 1, rate: 0 } },
      escalations: [{ reason: 'first_reply: priority → urgent', count: 1 }],
    });
    // Replied and solved within the test: the first, sub-minute bucket.
    expect(report.body.firstReply.medianMinutes).toBeLessThanOrEqual(1);

    const billing = await call(
      'GET',
      `/v1/reports/metrics?from=${firstDay}&to=${today}&group=${group}`,
      admin,
    );
    expect(billing.body.volume).toEqual({ created: 1, solved: 1, reopened: 0, backlog: 0 });
    const apiChannel = await call(
      'GET',
      `/v1/reports/metrics?from=${firstDay}&to=${today}&group=${group}&channel=api`,
      admin,
    );
    expect(apiChannel.body.volume.created).toBe(1);
    const chat = await call('GET', `/v1/reports/metrics?from=${firstDay}&to=${today}&channel=chat`, admin);
    expect(chat.body.volume.created).toBe(0);
  });

  it('refuses bad report queries with 4xx, and keys that may not read reports', async () => {
    expect((await call('GET', '/v1/reports/metrics?from=yesterday', admin)).status).toBe(400);
    expect((await call('GET', '/v1/reports/metrics?from=2026-03-05&to=2026-03-01', admin)).status).toBe(422);
    expect((await call('GET', '/v1/reports/metrics?agent=agt_1&group=g', admin)).status).toBe(422);
    expect((await call('GET', '/v1/reports/metrics?channel=fax', admin)).status).toBe(400);
    expect((await call('GET', '/v1/reports/metrics', channelKey)).status).toBe(403);
    const other = await call('POST', '/v1/tenants', operatorKey, {
      body: { id: `${tenantId}-b`, name: 'B' },
    });
    const otherReport = await call(
      'GET',
      `/v1/reports/metrics?from=${firstDay}&to=${new Date().toISOString().slice(0, 10)}`,
      other.body.apiKey.secret,
    );
    // Another tenant's counters are not this one's.
    expect(otherReport.body.volume.created).toBe(0);
  });

  it('takes one survey answer per solved ticket through a public, signed link', async () => {
    const n = (await call('POST', '/v1/tickets', admin, { body: newTicket({ group }) })).body.number;
    expect((await call('GET', `/v1/tickets/${n}/survey-link`, admin)).status).toBe(409);
    await call('PATCH', `/v1/tickets/${n}`, admin, { body: { status: 'solved' } });
    const link = await call('GET', `/v1/tickets/${n}/survey-link`, admin, {
      headers: { host: 'desk.example.com', 'x-forwarded-proto': 'https' },
    });
    expect(link.status).toBe(200);
    expect(link.body.url).toBe(`https://desk.example.com/v1/surveys/${link.body.token}`);
    const token: string = link.body.token;

    // Public: no API key. Tampered and malformed tokens, bad scores first.
    const tampered = token.replace(/\.(\d+)\./, (_, ticket) => `.${Number(ticket) + 1}.`);
    expect((await call('POST', `/v1/surveys/${tampered}`, null, { body: { score: 5 } })).status).toBe(404);
    expect((await call('POST', '/v1/surveys/not-a-token', null, { body: { score: 5 } })).status).toBe(400);
    expect((await call('POST', `/v1/surveys/${token}`, null, { body: { score: 6 } })).status).toBe(400);
    expect((await call('POST', `/v1/surveys/${token}`, null, { body: { score: 4, extra: 1 } })).status).toBe(
      400,
    );

    const answered = await call('POST', `/v1/surveys/${token}`, null, {
      body: { score: 5, comment: 'Great' },
    });
    expect(answered.status).toBe(201);
    expect(answered.body).toMatchObject({ ticket: n, score: 5, comment: 'Great' });
    const twice = await call('POST', `/v1/surveys/${token}`, null, { body: { score: 1 } });
    expect(twice.status).toBe(409);
    expect(twice.headers['content-type']).toBe('application/problem+json');

    const today = new Date().toISOString().slice(0, 10);
    const report = await call('GET', `/v1/reports/metrics?from=${today}&to=${today}&group=${group}`, admin);
    expect(report.body.csat).toEqual({ responses: 1, score: 100 });
  });

  it('drops a first reply whose marker exists (a race or a redelivery) and writes the rest; large batches in chunks', async () => {
    const store = new DynamoDbReportStore(documentClient, tableNamesFromEnv());
    const tenant = `${tenantId}-store`;
    const dims = dimensionsOf({ group: 'g1', channel: 'email', assignee: 'agt_1' });
    const firstReply = (number: number) => ({
      ticket: { tenantId: tenant, number },
      at: '2026-03-02T10:00:00.000Z',
      minutes: 60,
      counters: new CounterAdds().addAll(tenant, '2026-03-02', dims, 'frt.6'),
    });
    const base = new CounterAdds().addAll(tenant, '2026-03-02', dims, 'created', 2);
    expect(await store.add({ counters: base, firstReplies: [firstReply(1)] })).toEqual({
      counterWrites: 10,
      firstReplies: 1,
    });
    // Ticket 1's marker exists now: its second first reply cancels the transaction, is dropped, the rest lands.
    expect(await store.add({ counters: base, firstReplies: [firstReply(1), firstReply(2)] })).toEqual({
      counterWrites: 10,
      firstReplies: 1,
    });
    expect(await store.read(tenant, 'ALL', '2026-03-01', '2026-03-31')).toEqual(
      new Map([['2026-03-02', { created: 4, 'frt.6': 2 }]]),
    );

    // 300 distinct counters over two months: several transactions of at most 100 items; reads span both.
    const many = new CounterAdds();
    for (let i = 0; i < 150; i++) {
      many.add({ tenantId: tenant, day: '2026-04-30', dimension: 'ALL', counter: `esc.r${i}` });
      many.add({ tenantId: tenant, day: '2026-05-01', dimension: 'G#g1', counter: `esc.r${i}` }, 2);
    }
    expect((await store.add({ counters: many, firstReplies: [] })).counterWrites).toBe(300);
    const april = await store.read(tenant, 'ALL', '2026-04-01', '2026-05-31');
    expect(Object.keys(april.get('2026-04-30') ?? {})).toHaveLength(150);
    expect(april.has('2026-05-01')).toBe(false);
    const may = await store.read(tenant, 'G#g1', '2026-04-01', '2026-05-31');
    expect(Object.values(may.get('2026-05-01') ?? {}).reduce((a, b) => a + b, 0)).toBe(300);
  });
});
