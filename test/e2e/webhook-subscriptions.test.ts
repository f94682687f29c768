import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import { apiClient, eventually, type Json } from '../support/http-client.ts';

/**
 * Outbound webhooks as a tenant's developer sees them, over HTTP against the local runtime: a receiver on
 * 127.0.0.1 (which the local runtime allows) subscribes to events, verifies what arrives with a Standard Webhooks
 * library, fails a few times and still gets each event once (by its webhook-id), asks for a redelivery, and hears
 * from an automation rule. Each test works in a tenant of its own, so no container's cached subscriptions of an
 * earlier test get in the way.
 */
let runtime: LocalRuntime;
let dataDir: string;

/** A receiver that answers each POST with the next status of its script (200 once it runs out). */
let server: Server;
let receiverUrl: string;
const script: number[] = [];
interface Hit {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly json: Json;
  readonly status: number;
}
const hits: Hit[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-webhooks-'));
  server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const status = script.shift() ?? 200;
      hits.push({ headers: request.headers as Record<string, string>, body, json: JSON.parse(body), status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/deskless-hook`;
  // Retries after about 0, 1, 2, 6 seconds instead of 5 s, 30 s, 2 min, 5 min.
  runtime = await startLocalRuntime({
    dataDir,
    inMemory: true,
    port: 0,
    smtpPort: 0,
    env: { DESKLESS_WEBHOOK_BACKOFF_SCALE: '0.02' },
  });
});

afterAll(async () => {
  await runtime?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  script.length = 0;
  hits.length = 0;
});

const api = apiClient(() => runtime.apiUrl);

let tenants = 0;
async function newTenant(): Promise<string> {
  const id = `hooks-${++tenants}-${Date.now().toString(36)}`;
  const created = await api('POST', '/v1/tenants', runtime.state.operatorApiKey, {
    id,
    name: `Hooks ${tenants}`,
  });
  expect(created.status).toBe(201);
  return created.body.apiKey.secret;
}

async function subscribe(admin: string, events: string[]) {
  const created = await api('POST', '/v1/subscriptions', admin, { url: receiverUrl, events });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
}

async function createTicket(admin: string, subject: string): Promise<number> {
  const created = await api('POST', '/v1/tickets', admin, {
    subject,
    comment: { body: `${subject}: please help.` },
    requester: { email: 'dana@example.org', name: 'Dana' },
  });
  expect(created.status).toBe(201);
  return created.body.number;
}

const hitsOf = (type: string) => hits.filter((hit) => hit.json.type === type);

describe('webhook subscriptions on the local runtime', () => {
  it('delivers ticket.created signed per Standard Webhooks, and only the events subscribed', async () => {
    const admin = await newTenant();
    const { id, secret } = await subscribe(admin, ['ticket.created']);
    const number = await createTicket(admin, 'Printer on fire');

    await eventually(
      async () => hitsOf('ticket.created').length,
      (n) => n > 0,
    );
    const [hit] = hitsOf('ticket.created');
    const verified = new Webhook(secret).verify(hit!.body, hit!.headers) as Json;
    expect(verified).toMatchObject({
      type: 'ticket.created',
      timestamp: expect.any(String),
      data: {
        type: 'ticket.created',
        ticket: { number, status: 'new' },
        data: { subject: 'Printer on fire' },
      },
    });
    expect(hit!.headers['webhook-id']).toMatch(/^dlv_/);
    expect(Math.abs(Number(hit!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    // A signature made with another secret is refused by the same library.
    expect(() =>
      new Webhook(`whsec_${Buffer.from('not the secret').toString('base64')}`).verify(
        hit!.body,
        hit!.headers,
      ),
    ).toThrow();

    // Comments, triage and the rest happen on this ticket too; none of them is subscribed.
    const comment = await api('POST', `/v1/tickets/${number}/comments`, admin, {
      body: 'On it.',
      public: true,
    });
    expect(comment.status).toBe(201);
    const events = await eventually(
      () => api('GET', `/v1/tickets/${number}/timeline?limit=100`, admin),
      (r) => r.body.items.some((e: Json) => e.type === 'triaged'),
    );
    expect(events.body.items.length).toBeGreaterThan(2);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(hits.map((h) => h.json.type)).toEqual(['ticket.created']);

    const deliveries = await api('GET', `/v1/subscriptions/${id}/deliveries`, admin);
    expect(deliveries.body.items).toHaveLength(1);
    expect(deliveries.body.items[0]).toMatchObject({
      id: hit!.headers['webhook-id'],
      status: 'delivered',
      attempts: [{ round: 1, attempt: 1, statusCode: 200, outcome: 'delivered', error: null }],
    });
  });

  it('retries a failing endpoint: four attempts, one webhook-id, logged on the delivery', async () => {
    const admin = await newTenant();
    const { id, secret } = await subscribe(admin, ['ticket.created']);
    script.push(500, 502, 503);
    await createTicket(admin, 'Flaky receiver');

    await eventually(
      async () => hits.filter((h) => h.status === 200).length,
      (n) => n > 0,
      60_000,
    );
    expect(hits.map((h) => h.status)).toEqual([500, 502, 503, 200]);
    expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(1);
    // The same payload each time, each attempt signed afresh.
    expect(new Set(hits.map((h) => h.body)).size).toBe(1);
    for (const hit of hits) expect(new Webhook(secret).verify(hit.body, hit.headers)).toBeTruthy();

    const delivery = (
      await eventually(
        () => api('GET', `/v1/subscriptions/${id}/deliveries`, admin),
        (r) => r.body.items[0]?.status === 'delivered',
      )
    ).body.items[0];
    expect(delivery.id).toBe(hits[0]!.headers['webhook-id']);
    expect(delivery.attempts.map((a: Json) => [a.attempt, a.statusCode, a.outcome])).toEqual([
      [1, 500, 'retrying'],
      [2, 502, 'retrying'],
      [3, 503, 'retrying'],
      [4, 200, 'delivered'],
    ]);
    for (const attempt of delivery.attempts) expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
    // Three failures are below the circuit breaker's threshold, and the success reset the count.
    const subscription = await api('GET', `/v1/subscriptions/${id}`, admin);
    expect(subscription.body.circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('redelivers a delivery with the same webhook-id, as a second round of attempts', async () => {
    const admin = await newTenant();
    const { id } = await subscribe(admin, ['ticket.created']);
    await createTicket(admin, 'Lost by the receiver');
    await eventually(
      async () => hits.length,
      (n) => n > 0,
    );
    const first = hits[0]!;
    const deliveryId = first.headers['webhook-id'];
    // Until the worker has logged the answer, the delivery is still being attempted (a redelivery is a 409).
    await eventually(
      () => api('GET', `/v1/subscriptions/${id}/deliveries`, admin),
      (r) => r.body.items[0]?.status === 'delivered',
    );

    const again = await api('POST', `/v1/subscriptions/${id}/deliveries/${deliveryId}:redeliver`, admin);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: deliveryId, status: 'pending', round: 2 });
    await eventually(
      async () => hits.length,
      (n) => n > 1,
    );
    expect(hits[1]!.headers['webhook-id']).toBe(deliveryId);
    expect(hits[1]!.body).toBe(first.body);
    const delivery = (
      await eventually(
        () => api('GET', `/v1/subscriptions/${id}/deliveries`, admin),
        (r) => r.body.items[0]?.round === 2 && r.body.items[0]?.status === 'delivered',
      )
    ).body.items[0];
    expect(delivery.attempts.map((a: Json) => [a.round, a.attempt, a.outcome])).toEqual([
      [1, 1, 'delivered'],
      [2, 1, 'delivered'],
    ]);
    const wrongAction = await api('POST', `/v1/subscriptions/${id}/deliveries/${deliveryId}:resend`, admin);
    expect(wrongAction.status).toBe(404);
  });

  it('puts the satisfaction survey link in a solve’s ticket.status_changed payload; the link opens the survey', async () => {
    const admin = await newTenant();
    const { id, secret } = await subscribe(admin, ['ticket.status_changed']);
    const number = await createTicket(admin, 'Rate my fix');
    const solved = await api('PATCH', `/v1/tickets/${number}`, admin, { status: 'solved' });
    expect(solved.status).toBe(200);

    const solves = () => hitsOf('ticket.status_changed').filter((hit) => hit.json.data.data.to === 'solved');
    await eventually(
      async () => solves().length,
      (n) => n > 0,
    );
    const [hit] = solves();
    const verified = new Webhook(secret).verify(hit!.body, hit!.headers) as Json;
    expect(verified).toMatchObject({
      type: 'ticket.status_changed',
      data: { ticket: { number, status: 'solved' }, data: { to: 'solved' } },
      survey: { url: expect.stringMatching(/\/v1\/surveys\/s1\./), expiresAt: expect.any(String) },
    });
    const { url, expiresAt } = verified.survey as { url: string; expiresAt: string };
    expect(new URL(url).origin).toBe(new URL(runtime.apiUrl).origin);
    const days = (Date.parse(expiresAt) - Date.parse(verified.timestamp as string)) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThanOrEqual(30);
    // Other status changes of the ticket carry no link.
    for (const other of hitsOf('ticket.status_changed').filter((h) => h !== hit)) {
      expect(other.json).not.toHaveProperty('survey');
    }

    // No API key: the link alone opens the survey page.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('Rate my fix');

    // The payload is stored on the delivery: a retry or redelivery sends the same body, link included.
    const deliveries = await eventually(
      () => api('GET', `/v1/subscriptions/${id}/deliveries`, admin),
      (r) => r.body.items.some((d: Json) => d.id === hit!.headers['webhook-id'] && d.status === 'delivered'),
    );
    const delivery = deliveries.body.items.find((d: Json) => d.id === hit!.headers['webhook-id']);
    expect(delivery.payload).toEqual(JSON.parse(hit!.body));
  });

  it('refuses private addresses when a subscription is made, and sends nothing to a disabled one', async () => {
    const admin = await newTenant();
    for (const url of [
      'https://10.1.2.3/hook',
      'https://169.254.169.254/latest/meta-data/',
      'http://192.168.1.5/hook',
    ]) {
      const refused = await api('POST', '/v1/subscriptions', admin, { url, events: ['*'] });
      expect(refused.status, url).toBe(400);
      expect(refused.body).toMatchObject({
        type: '/docs#problem-invalid-request',
        errors: [{ path: 'url' }],
      });
    }

    const { id } = await subscribe(admin, ['*']);
    const disabled = await api('PATCH', `/v1/subscriptions/${id}`, admin, { enabled: false });
    expect(disabled.body.enabled).toBe(false);
    // The fan-out keeps a tenant's subscriptions up to 5 s; past that the change holds everywhere.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    await createTicket(admin, 'Nobody listening');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(hits).toEqual([]);
  });

  it('sends a rule.notification for an automation rule’s notify_webhook action', async () => {
    const admin = await newTenant();
    // The subscription takes no events of its own: the rule names it.
    const { id, secret } = await subscribe(admin, ['agent.available']);
    const rule = await api('POST', '/v1/rules', admin, {
      name: 'Tell the on-call pager about outages',
      conditions: { all: [{ field: 'subject', operator: 'contains', value: 'outage' }] },
      actions: [
        { field: 'priority', value: 'urgent' },
        { field: 'notify_webhook', value: id },
      ],
    });
    expect(rule.status).toBe(201);
    const missing = await api('POST', '/v1/rules', admin, {
      name: 'Broken',
      conditions: {},
      actions: [{ field: 'notify_webhook', value: 'sub_missing' }],
    });
    expect(missing.status).toBe(422);

    const number = await createTicket(admin, 'Total outage in EU');
    await eventually(
      async () => hitsOf('rule.notification').length,
      (n) => n > 0,
      60_000,
    );
    const [hit] = hitsOf('rule.notification');
    expect(new Webhook(secret).verify(hit!.body, hit!.headers)).toMatchObject({
      type: 'rule.notification',
      data: {
        rule: {
          id: rule.body.id,
          name: 'Tell the on-call pager about outages',
          actions: [
            { field: 'priority', value: 'urgent' },
            { field: 'notify_webhook', value: id },
          ],
        },
        ticket: { number },
      },
    });
    // Once, although the rule's own change runs the rules again.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(hits.map((h) => h.json.type)).toEqual(['rule.notification']);
  });
});
