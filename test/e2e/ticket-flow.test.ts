import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';

/**
 * A support team's first hour, over HTTP against the local runtime: an admin sets up a group, an agent and
 * keys; a customer's request arrives through a channel key; the agent works it; the customer answers; the
 * outbox publishes every step.
 */
let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-'));
  runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0 });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api(
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method,
    headers: {
      ...(key && { authorization: `Bearer ${key}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

describe('a ticket worked end to end over HTTP', () => {
  it('sets up, takes a request, works it and publishes every change', async () => {
    const admin = runtime.state.adminApiKey;
    const group = await api('POST', '/v1/groups', admin, { name: 'Billing' });
    expect(group.status).toBe(201);
    const agent = await api('POST', '/v1/agents', admin, {
      name: 'Bo',
      email: 'bo@demo.test',
      groups: [group.body.id],
    });
    const agentKey = await api('POST', '/v1/api-keys', admin, {
      name: 'Bo',
      role: 'agent',
      agentId: agent.body.id,
    });
    const channelKey = await api('POST', '/v1/api-keys', admin, { name: 'Web form', role: 'channel' });
    expect([agentKey.status, channelKey.status]).toEqual([201, 201]);
    await api('POST', '/v1/custom-fields', admin, { key: 'order_id', type: 'string', title: 'Order' });

    // The web form submits twice (a double click): the same Idempotency-Key makes it one ticket.
    const submit = () =>
      api(
        'POST',
        '/v1/tickets',
        channelKey.body.secret,
        {
          subject: 'Charged twice',
          comment: { body: 'My card was charged twice for order 8812.' },
          requester: { email: 'dana@example.org', name: 'Dana' },
          group: group.body.id,
          customFields: { order_id: '8812' },
        },
        { 'idempotency-key': 'form-submission-1' },
      );
    const created = await submit();
    expect(created.status).toBe(201);
    const n = created.body.number;
    expect((await submit()).body.number).toBe(n);

    const bo = agentKey.body.secret;
    const queue = await api('GET', `/v1/tickets?group=${group.body.id}&status=new`, bo);
    expect(queue.body.items.map((t: { number: number }) => t.number)).toEqual([n]);
    // Triage works on the ticket in the background (its verdict is a change like any other): the agent reads
    // the version they act on once it has, as a client showing the ticket would.
    let current = await api('GET', `/v1/tickets/${n}`, bo);
    for (let i = 0; i < 100 && current.body.triage === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      current = await api('GET', `/v1/tickets/${n}`, bo);
    }
    expect(current.body.triage).toMatchObject({ classifier: 'builtin@1' });
    const taken = await api(
      'PATCH',
      `/v1/tickets/${n}`,
      bo,
      { assignee: agent.body.id, priority: 'high' },
      { 'if-match': `"${current.body.version}"` },
    );
    expect(taken.body).toMatchObject({ status: 'open', assignee: agent.body.id, priority: 'high' });
    const reply = await api('POST', `/v1/tickets/${n}/comments`, bo, { body: 'Refund issued, sorry!' });
    expect(reply.body.comment.actor).toMatchObject({ type: 'agent', id: agent.body.id });
    await api('PATCH', `/v1/tickets/${n}`, bo, { status: 'solved' });
    const thanks = await api('POST', `/v1/tickets/${n}/comments`, channelKey.body.secret, {
      body: 'Still see two charges.',
      author: { email: 'dana@example.org' },
    });
    expect(thanks.body.ticket.status).toBe('open');

    const timeline = await api('GET', `/v1/tickets/${n}/timeline`, bo);
    const types = timeline.body.items.map((e: { type: string }) => e.type);
    // Triage's verdicts (on the first message and on the customer's reply) interleave as they land.
    expect(types).toContain('triaged');
    expect(types.filter((type: string) => type !== 'triaged')).toEqual([
      'created',
      'comment',
      'field_changed',
      'assigned',
      'status_changed',
      'comment',
      'status_changed',
      'comment',
      'status_changed',
    ]);
    const customer = await api('GET', '/v1/customers?email=dana@example.org', bo);
    expect(customer.body.items[0]).toMatchObject({ name: 'Dana', organization: 'example.org' });

    // The outbox publishes every timeline event, once, in order.
    const ids = timeline.body.items.map((e: { id: string }) => e.id);
    await expect
      .poll(
        async () => {
          const { events } = (await (await fetch(runtime.eventsUrl)).json()) as {
            events: { detail: { id: string } }[];
          };
          return events.map((e) => e.detail.id).filter((id) => ids.includes(id));
        },
        { timeout: 15_000, interval: 250 },
      )
      .toEqual(ids);
  });

  it('answers bad requests with problem+json and unauthenticated ones like API Gateway', async () => {
    const admin = runtime.state.adminApiKey;
    const malformed = await api('POST', '/v1/tickets', admin, '{"subject":');
    expect(malformed).toMatchObject({ status: 400, type: 'application/problem+json' });
    expect(malformed.body.type).toBe('/docs#problem-malformed-json');
    const unknown = await api('GET', '/v1/tickets/424242', admin);
    expect(unknown).toMatchObject({ status: 404, type: 'application/problem+json' });
    expect((await api('GET', '/v1/tickets', null)).status).toBe(401);
    expect((await api('GET', '/v1/tickets', 'dsk_not-a-key')).status).toBe(403);
    const big = await api('POST', '/v1/tickets', admin, {
      subject: 'x',
      comment: { body: 'y'.repeat(300_000) },
      requester: { email: 'a@b.co' },
    });
    expect(big).toMatchObject({ status: 413, type: 'application/problem+json' });
  });

  it('serves the API reference', async () => {
    const openapi = await api('GET', '/v1/openapi.json', null);
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(openapi.body.paths['/v1/tickets'].post.requestBody).toBeDefined();
    const docs = await api('GET', '/docs', null);
    expect(docs).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect((await api('GET', '/health', null)).body.status).toBe('ok');
  });
});
