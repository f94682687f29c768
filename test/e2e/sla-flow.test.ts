import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import { apiClient, eventually, type Json } from '../support/http-client.ts';

/**
 * SLAs and lifecycle automations on the local runtime, with the whole platform's clock running 600 times faster
 * (a simulated minute every 100 ms) and starting on a Friday evening: deadlines fire from timers swept every
 * simulated minute, exactly as the EventBridge Scheduler schedule sweeps them in AWS.
 */
const SPEED = 600;
/** Friday 28 November 2025, 17:30 in Berlin (16:30 UTC). */
const START = '2025-11-28T16:30:00.000Z';
const MINUTE_REAL_MS = 60_000 / SPEED;

let runtime: LocalRuntime;
let dataDir: string;
let admin: string;
let agentKey: string;
let channel: string;

const api = apiClient(() => runtime.apiUrl);

const ticket = (n: number) => api('GET', `/v1/tickets/${n}`, admin).then((r) => r.body);
const timeline = (n: number) =>
  api('GET', `/v1/tickets/${n}/timeline?limit=100`, admin).then(
    (r) => r.body.items as { type: string; at: string; data: Record<string, unknown> }[],
  );
const metric = (t: Json, name: string) => t.sla?.metrics.find((m: { metric: string }) => m.metric === name);

async function openTicket(
  subject: string,
  requester = `c${Math.random().toString(36).slice(2, 8)}@example.org`,
) {
  const created = await api('POST', '/v1/tickets', channel, {
    subject,
    comment: { body: 'Something is wrong, please help.' },
    requester: { email: requester },
  });
  expect(created.status).toBe(201);
  return { number: created.body.number as number, requester };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-sla-'));
  runtime = await startLocalRuntime({
    dataDir,
    inMemory: true,
    port: 0,
    smtpPort: 0,
    env: { DESKLESS_CLOCK_SPEED: String(SPEED), DESKLESS_CLOCK_START: START },
  });
  admin = runtime.state.adminApiKey;
  channel = (await api('POST', '/v1/api-keys', admin, { name: 'Form', role: 'channel' })).body.secret;
  const escalations = await api('POST', '/v1/groups', admin, { name: 'Escalations' });
  const agent = await api('POST', '/v1/agents', admin, { name: 'Bo', email: 'bo@support.test' });
  agentKey = (await api('POST', '/v1/api-keys', admin, { name: 'Bo', role: 'agent', agentId: agent.body.id }))
    .body.secret;
  const berlin = await api('POST', '/v1/schedules', admin, {
    name: 'Berlin office',
    timeZone: 'Europe/Berlin',
    weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' })),
  });
  expect(berlin.status, JSON.stringify(berlin.body)).toBe(201);
  const office = await api('POST', '/v1/sla-policies', admin, {
    name: 'Office hours',
    position: 0,
    conditions: { all: [{ field: 'subject', operator: 'contains', value: 'office' }] },
    schedule: berlin.body.id,
    targets: { normal: { firstReplyMinutes: 60 } },
  });
  expect(office.status, JSON.stringify(office.body)).toBe(201);
  const standard = await api('POST', '/v1/sla-policies', admin, {
    name: 'Standard',
    position: 1,
    targets: {
      normal: { firstReplyMinutes: 30, requesterWaitMinutes: 600 },
      urgent: { firstReplyMinutes: 15, requesterWaitMinutes: 240 },
    },
    escalation: { priority: 'urgent', group: escalations.body.id, addTags: ['sla_breached'] },
  });
  expect(standard.status, JSON.stringify(standard.body)).toBe(201);
  const notify = await api('POST', '/v1/rules', admin, {
    name: 'Tell the team about breaches',
    conditions: { all: [{ field: 'sla.breached', operator: 'is', value: true }] },
    actions: [{ field: 'internal_note', value: 'SLA breached: take this one first.' }],
  });
  expect(notify.status, JSON.stringify(notify.body)).toBe(201);
  const settings = await api('PATCH', '/v1/settings', admin, { autoCloseAfterHours: 1 });
  expect(settings.status, JSON.stringify(settings.body)).toBe(200);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('SLA clocks and lifecycle automations on timers', () => {
  it('breaches a first reply SLA right after its due time, escalates, and lets a rule notify the team', async () => {
    const { number } = await openTicket('Card declined');
    const due = Date.parse(metric(await ticket(number), 'first_reply').dueAt);
    const events = await eventually(
      () => timeline(number),
      (list) => list.some((e) => e.type === 'sla_breached'),
      60 * MINUTE_REAL_MS * 3,
    );
    const breach = events.find((e) => e.type === 'sla_breached')!;
    expect(breach.data).toMatchObject({ metric: 'first_reply', policy: 'Standard' });
    // Never before the deadline; soon after it. At 600× every real millisecond of the pipeline (sweep tick,
    // queue, worker) is 0.6 simulated seconds, so this allows 5 simulated minutes; `npm run bench -- timers`
    // measures the sweeper's own lateness.
    const lateness = Date.parse(breach.at) - due;
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThanOrEqual(5 * 60_000);
    const escalated = await ticket(number);
    expect(escalated).toMatchObject({ priority: 'urgent', tags: expect.arrayContaining(['sla_breached']) });
    expect(escalated.group).not.toBeNull();
    expect(metric(escalated, 'first_reply')).toMatchObject({ breached: true });
    // A rule on `sla.breached` notifies the team: the breach is an update the rules see.
    const notes = await eventually(
      () => timeline(number),
      (list) => list.some((e) => e.type === 'comment' && e.data.public === false),
    );
    expect(notes.find((e) => e.type === 'comment' && e.data.public === false)?.data.body).toBe(
      'SLA breached: take this one first.',
    );
    const listed = await api('GET', '/v1/tickets?sla=breached', admin);
    expect(listed.body.items.map((t: { number: number }) => t.number)).toContain(number);
  }, 60_000);

  it('fulfils the SLA with a reply before the deadline: no breach ever fires', async () => {
    const { number } = await openTicket('Login loop');
    await api('POST', `/v1/tickets/${number}/comments`, agentKey, { body: 'Looking into it now.' });
    await new Promise((resolve) => setTimeout(resolve, 40 * MINUTE_REAL_MS));
    const current = await ticket(number);
    expect(metric(current, 'first_reply')).toMatchObject({
      breached: false,
      fulfilledAt: expect.any(String),
    });
    expect((await timeline(number)).some((e) => e.type === 'sla_breached')).toBe(false);
  }, 30_000);

  it('pauses requester wait time while pending and resumes it when the requester writes', async () => {
    const { number, requester } = await openTicket('Export missing');
    await api('PATCH', `/v1/tickets/${number}`, agentKey, { status: 'pending' });
    const paused = await ticket(number);
    expect(metric(paused, 'requester_wait'), JSON.stringify(paused.sla)).toMatchObject({ paused: true });
    const elapsed = metric(paused, 'requester_wait').elapsedMinutes;
    await new Promise((resolve) => setTimeout(resolve, 20 * MINUTE_REAL_MS));
    expect(metric(await ticket(number), 'requester_wait').elapsedMinutes).toBe(elapsed);
    await api('POST', `/v1/tickets/${number}/comments`, channel, {
      body: 'Here it is',
      author: { email: requester },
    });
    await new Promise((resolve) => setTimeout(resolve, 10 * MINUTE_REAL_MS));
    const resumed = metric(await ticket(number), 'requester_wait');
    expect(resumed.paused).toBe(false);
    expect(resumed.elapsedMinutes).toBeGreaterThan(elapsed);
  }, 30_000);

  it('puts a business-hours SLA created on Friday evening due on Monday morning', async () => {
    const { number } = await openTicket('office printer');
    const sla = (await ticket(number)).sla;
    expect(sla.policy.name).toBe('Office hours');
    // 60 business minutes from Friday 17:30 Berlin: the office opens Monday 09:00, so Monday 10:00 (09:00 UTC).
    expect(metric({ sla }, 'first_reply').dueAt).toBe('2025-12-01T09:00:00.000Z');
  });

  it('closes a solved ticket after the configured time, and a requester reply cancels it', async () => {
    const closing = await openTicket('Refund done');
    const staying = await openTicket('Refund pending');
    for (const n of [closing.number, staying.number]) {
      expect((await api('PATCH', `/v1/tickets/${n}`, agentKey, { status: 'solved' })).status).toBe(200);
    }
    await api('POST', `/v1/tickets/${staying.number}/comments`, channel, {
      body: 'Actually it is not fixed',
      author: { email: staying.requester },
    });
    const closed = await eventually(
      () => ticket(closing.number),
      (t) => t.status === 'closed',
      90 * MINUTE_REAL_MS,
    );
    expect(closed.status).toBe('closed');
    const why = (await timeline(closing.number)).find(
      (e) => e.type === 'status_changed' && e.data.to === 'closed',
    );
    expect(why?.data.reason).toContain('closed automatically 1 h after it was solved');
    expect((await ticket(staying.number)).status).toBe('open');
  }, 30_000);
});
