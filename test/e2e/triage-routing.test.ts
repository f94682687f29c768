import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCredentials, localRegion } from '../../local/aws-env.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import { apiClient, eventually } from '../support/http-client.ts';

/**
 * Triage and routing as a support team sees them, over HTTP against the local runtime: tickets in three languages
 * are classified, put in the right group by the tenant's rules and handed to agents by the group's strategy;
 * rules fire (and a loop between two rules is stopped); a poison message lands in the DLQ while the rest of its
 * batch is processed.
 */
let runtime: LocalRuntime;
let dataDir: string;
let admin: string;
let channel: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-routing-'));
  runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0, smtpPort: 0 });
  admin = runtime.state.adminApiKey;
  channel = (await api('POST', '/v1/api-keys', admin, { name: 'Web form', role: 'channel' })).body.secret;
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const api = apiClient(() => runtime.apiUrl);

const ticket = (n: number) => api('GET', `/v1/tickets/${n}`, admin).then((r) => r.body);
const timeline = (n: number) =>
  api('GET', `/v1/tickets/${n}/timeline?limit=100`, admin).then(
    (r) => r.body.items as { type: string; actor: { id: string }; data: Record<string, unknown> }[],
  );

async function createTicket(subject: string, body: string, extra: Record<string, unknown> = {}) {
  const created = await api('POST', '/v1/tickets', channel, {
    subject,
    comment: { body },
    requester: { email: `customer-${Math.random().toString(36).slice(2, 8)}@example.org` },
    ...extra,
  });
  expect(created.status).toBe(201);
  return created.body.number as number;
}

async function group(name: string, assignment: string) {
  const created = await api('POST', '/v1/groups', admin, { name, assignment });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function agent(name: string, groups: string[], extra: Record<string, unknown> = {}) {
  const created = await api('POST', '/v1/agents', admin, {
    name,
    email: `${name.toLowerCase()}@support.test`,
    groups,
    ...extra,
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function rule(name: string, conditions: unknown, actions: unknown) {
  const created = await api('POST', '/v1/rules', admin, { name, conditions, actions });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

describe('triage, rules and routing on the local runtime', () => {
  let billing: string;
  let spanish: string;
  let german: string;
  let billingAgents: string[];
  let away: string;

  it('routes by language and intent, with a fair round robin and nobody away', async () => {
    billing = await group('Billing', 'round_robin');
    spanish = await group('Soporte', 'least_loaded');
    german = await group('Kundendienst', 'skills');
    billingAgents = [
      await agent('Ana', [billing]),
      await agent('Ben', [billing]),
      await agent('Cleo', [billing]),
    ];
    away = await agent('Dev', [billing], { status: 'away' });
    const lucia = await agent('Lucia', [spanish], { skills: ['es'] });
    const jonas = await agent('Jonas', [german], { skills: ['de'] });
    await rule('Spanish to Soporte', { all: [{ field: 'triage.language', operator: 'is', value: 'es' }] }, [
      { field: 'group', value: spanish },
    ]);
    await rule(
      'German to Kundendienst',
      { all: [{ field: 'triage.language', operator: 'is', value: 'de' }] },
      [{ field: 'group', value: german }],
    );
    await rule(
      'English billing',
      {
        all: [
          { field: 'triage.language', operator: 'is', value: 'en' },
          { field: 'triage.intent', operator: 'is', value: 'billing' },
        ],
      },
      [{ field: 'group', value: billing }],
    );

    const es = await createTicket(
      'Factura duplicada',
      'Hola, me han cobrado dos veces la factura de marzo. ¿Pueden revisarlo y devolverme el importe? Gracias.',
    );
    const de = await createTicket(
      'Rechnung falsch',
      'Guten Tag, auf meiner Rechnung für April steht der falsche Betrag. Bitte korrigieren Sie die Rechnung.',
    );
    const english: number[] = [];
    for (let i = 1; i <= 30; i++) {
      english.push(
        await createTicket(
          `Invoice question ${i}`,
          `Hello, my invoice number INV-${1000 + i} shows the wrong VAT amount. Could you send a corrected invoice?`,
        ),
      );
    }

    const settled = await eventually(
      () => Promise.all([es, de, ...english].map(ticket)),
      (tickets) => tickets.every((t) => t.assignee !== null),
      60_000,
    );
    const [esTicket, deTicket, ...englishTickets] = settled;
    expect(esTicket.triage).toMatchObject({ language: 'es', intent: 'billing', classifier: 'builtin@1' });
    expect(esTicket).toMatchObject({ group: spanish, assignee: lucia });
    expect(deTicket.triage).toMatchObject({ language: 'de', intent: 'billing' });
    expect(deTicket).toMatchObject({ group: german, assignee: jonas });

    const spread = new Map<string, number>();
    for (const t of englishTickets) {
      expect(t.triage).toMatchObject({ language: 'en', intent: 'billing' });
      expect(t.group).toBe(billing);
      spread.set(t.assignee, (spread.get(t.assignee) ?? 0) + 1);
    }
    expect(Object.fromEntries(spread)).toEqual(Object.fromEntries(billingAgents.map((id) => [id, 10])));
    expect(spread.has(away)).toBe(false);
    const loads = await Promise.all(billingAgents.map((id) => api('GET', `/v1/agents/${id}`, admin)));
    expect(loads.map((r) => r.body.load)).toEqual([10, 10, 10]);

    // Why it landed there: the classifier, the rule and the strategy are each on the timeline.
    const events = await timeline(english[0]!);
    expect(events.find((e) => e.type === 'triaged')?.data).toMatchObject({
      triage: { classifier: 'builtin@1' },
    });
    expect(events.find((e) => e.type === 'rule_fired')?.data).toMatchObject({ ruleName: 'English billing' });
    expect(events.find((e) => e.type === 'assigned')?.data).toMatchObject({
      strategy: 'round_robin',
      reason: expect.stringContaining('Billing: round robin'),
    });
  }, 120_000);

  it('hands a queued ticket to an agent the moment one becomes available', async () => {
    const night = await group('Night shift', 'round_robin');
    const owl = await agent('Owl', [night], { status: 'away' });
    await rule('Night', { all: [{ field: 'subject', operator: 'contains', value: 'after hours' }] }, [
      { field: 'group', value: night },
    ]);
    const n = await createTicket('Help after hours', 'Nobody is around, is anyone there?');
    const queued = await eventually(
      () => timeline(n),
      (events) => events.some((e) => e.type === 'routing_deferred'),
    );
    expect(queued.find((e) => e.type === 'routing_deferred')?.data.reason).toContain('1 away');
    expect((await ticket(n)).assignee).toBeNull();

    expect((await api('PATCH', `/v1/agents/${owl}`, admin, { status: 'available' })).status).toBe(200);
    const assigned = await eventually(
      () => ticket(n),
      (t) => t.assignee !== null,
    );
    expect(assigned.assignee).toBe(owl);
  }, 60_000);

  it('fires a rule that makes outages urgent, and never overrides an agent’s own priority', async () => {
    await rule(
      'Outage is urgent',
      {
        any: [
          { field: 'subject', operator: 'contains', value: 'outage' },
          { field: 'comment', operator: 'contains', value: 'outage' },
        ],
      },
      [
        { field: 'priority', value: 'urgent' },
        { field: 'add_tags', value: 'outage' },
      ],
    );
    const n = await createTicket(
      'Everything is down',
      'We have a full outage since 10:02, nobody can log in.',
    );
    const urgent = await eventually(
      () => ticket(n),
      (t) => t.priority === 'urgent',
    );
    expect(urgent).toMatchObject({ priority: 'urgent', tags: expect.arrayContaining(['outage']) });
    const changed = (await timeline(n)).find(
      (e) => e.type === 'field_changed' && e.data.field === 'priority',
    );
    expect(changed?.data.reason).toContain('Outage is urgent');

    // An agent lowers it by hand; the customer writes "outage" again; the rule leaves the agent's choice alone.
    expect((await api('PATCH', `/v1/tickets/${n}`, admin, { priority: 'high' })).status).toBe(200);
    await api('POST', `/v1/tickets/${n}/comments`, channel, {
      body: 'Still an outage here.',
      author: { email: urgent.requester.email },
    });
    // The customer's message is triaged again (a second verdict), and the rules ran on it.
    const after = await eventually(
      () => timeline(n),
      (events) => events.filter((e) => e.type === 'triaged').length >= 2,
    );
    const priorityChanges = after.filter((e) => e.type === 'field_changed' && e.data.field === 'priority');
    expect(priorityChanges.map((e) => [e.actor.id, e.data.to])).toEqual([
      ['rules', 'urgent'],
      [expect.any(String), 'high'],
    ]);
    expect((await ticket(n)).priority).toBe('high');
  }, 60_000);

  it('stops a loop between two rules with the per-ticket fire budget', async () => {
    await rule('Ping', { all: [{ field: 'tags', operator: 'contains', value: 'ping' }] }, [
      { field: 'remove_tags', value: 'ping' },
      { field: 'add_tags', value: 'pong' },
    ]);
    await rule('Pong', { all: [{ field: 'tags', operator: 'contains', value: 'pong' }] }, [
      { field: 'remove_tags', value: 'pong' },
      { field: 'add_tags', value: 'ping' },
    ]);
    const n = await createTicket('Loop test', 'Testing two rules that undo each other.', { tags: ['ping'] });
    const events = await eventually(
      () => timeline(n),
      (list) => list.some((e) => e.type === 'rules_halted'),
      60_000,
    );
    const halted = events.filter((e) => e.type === 'rules_halted');
    expect(halted).toHaveLength(1);
    expect(halted[0]?.data.reason).toContain('Ping');
    // The budget holds: no more firings after the halt.
    const fired = events.filter((e) => e.type === 'rule_fired').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await timeline(n)).filter((e) => e.type === 'rule_fired').length).toBe(fired);
    expect((await ticket(n)).ruleBudget.firings).toBeGreaterThan(20);
  }, 90_000);

  it('sends a poison message to the DLQ with its reason and processes the rest of its batch', async () => {
    const n = await createTicket('Batch probe', 'A ticket the probe rule will tag.');
    await eventually(
      () => timeline(n),
      (events) => events.some((e) => e.type === 'triaged'),
    );
    await rule('Probe', { all: [{ field: 'subject', operator: 'contains', value: 'batch probe' }] }, [
      { field: 'add_tags', value: 'probed' },
    ]);
    const current = await ticket(n);

    const sqs = new SQSClient({
      endpoint: runtime.endpoints.sqs,
      region: localRegion,
      credentials: localCredentials,
      useQueueUrlAsEndpoint: false,
    });
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'deskless-triage' }));
    const update = {
      version: '0',
      id: 'probe',
      'detail-type': 'ticket.updated',
      source: 'deskless',
      detail: {
        id: '01PROBE0000000000000000000',
        type: 'ticket.updated',
        version: 1,
        tenantId: 'demo',
        occurredAt: new Date().toISOString(),
        actor: { type: 'agent', id: 'probe' },
        ticket: { number: n, version: current.version, status: current.status },
        data: { field: 'subject', from: 'x', to: 'Batch probe' },
      },
    };
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'poison', MessageBody: '{"detail": "this is not an event"' },
          { Id: 'valid', MessageBody: JSON.stringify(update) },
        ],
      }),
    );
    const tagged = await eventually(
      () => ticket(n),
      (t) => t.tags.includes('probed'),
    );
    expect(tagged.tags).toContain('probed');

    const { QueueUrl: dlq } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'deskless-triage-dlq' }));
    const dead = await eventually(
      () =>
        sqs
          .send(
            new ReceiveMessageCommand({
              QueueUrl: dlq,
              MaxNumberOfMessages: 10,
              MessageAttributeNames: ['All'],
              WaitTimeSeconds: 1,
            }),
          )
          .then((r) => r.Messages ?? []),
      (messages) => messages.length > 0,
    );
    expect(dead[0]?.Body).toBe('{"detail": "this is not an event"');
    expect(dead[0]?.MessageAttributes?.reason?.StringValue).toBe('the body is not JSON');
    expect(dead[0]?.MessageAttributes?.rejectedBy?.StringValue).toBe('triage');
  }, 60_000);
});
