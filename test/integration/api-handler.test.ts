import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../functions/adapters/dynamodb/client.ts';
import { callApi } from '../support/api-call.ts';
import type { EventOptions } from '../support/api-event.ts';

/**
 * The real `api` and `authorizer` handlers against DynamoDB Local, wired exactly as in Lambda (environment
 * variables only). Requests carry a real API key through the authorizer, as API Gateway would.
 */
const commands = new Set<string>();
documentClient.middlewareStack.add(
  (next, context) => async (args) => {
    commands.add(String(context.commandName));
    return next(args);
  },
  { step: 'initialize', name: 'recordCommands' },
);

const operatorKey = process.env.DESKLESS_OPERATOR_API_KEY!;

const call = callApi;

let admin: string;
let otherAdmin: string;
const tenantId = `api-${Date.now().toString(36)}`;

beforeAll(async () => {
  const created = await call('POST', '/v1/tenants', operatorKey, {
    body: { id: tenantId, name: 'API test' },
  });
  expect(created.status).toBe(201);
  admin = created.body.apiKey.secret;
  const other = await call('POST', '/v1/tenants', operatorKey, {
    body: { id: `${tenantId}-b`, name: 'Other' },
  });
  otherAdmin = other.body.apiKey.secret;
});

afterAll(() => {
  // No request path may scan the table (DESIGN.md rule 5).
  expect([...commands].filter((c) => /Scan/.test(c))).toEqual([]);
});

const newTicket = {
  subject: 'Broken invoice',
  comment: { body: 'The total is wrong' },
  requester: { email: 'ann@example.com', name: 'Ann' },
};

describe('api handler on DynamoDB Local', () => {
  it('works a ticket through its life over the API', async () => {
    const created = await call('POST', '/v1/tickets', admin, { body: newTicket });
    expect(created.status).toBe(201);
    const n = created.body.number;
    const group = await call('POST', '/v1/groups', admin, { body: { name: 'Billing' } });
    const agent = await call('POST', '/v1/agents', admin, {
      body: { name: 'Bo', email: 'bo@acme.test', groups: [group.body.id] },
    });
    expect(agent.status).toBe(201);
    const patched = await call('PATCH', `/v1/tickets/${n}`, admin, {
      body: { assignee: agent.body.id, group: group.body.id, status: 'pending' },
      headers: { 'if-match': `"${created.body.version}"` },
    });
    expect(patched.body).toMatchObject({
      status: 'pending',
      assignee: agent.body.id,
      group: group.body.id,
      version: 2,
    });
    const reply = await call('POST', `/v1/tickets/${n}/comments`, admin, {
      body: { body: 'Still wrong', author: { email: 'ann@example.com' } },
    });
    expect(reply.body.ticket.status).toBe('open');
    await call('PATCH', `/v1/tickets/${n}`, admin, { body: { status: 'solved' } });
    await call('PATCH', `/v1/tickets/${n}`, admin, { body: { status: 'closed' } });
    const followUp = await call('POST', `/v1/tickets/${n}/comments`, admin, {
      body: { body: 'It happened again', author: { email: 'ann@example.com' } },
    });
    expect(followUp.body).toMatchObject({
      followUpOf: n,
      ticket: { status: 'new', links: [{ kind: 'follow_up_of', number: n }] },
    });
    const timeline = await call('GET', `/v1/tickets/${n}/timeline`, admin);
    expect(timeline.body.items.map((e: { type: string }) => e.type)).toEqual([
      'created',
      'comment',
      'field_changed',
      'assigned',
      'status_changed',
      'comment',
      'status_changed',
      'status_changed',
      'status_changed',
      'linked',
    ]);
    const customers = await call('GET', '/v1/customers?email=ANN@example.com', admin);
    const profile = await call('GET', `/v1/customers/${customers.body.items[0].id}`, admin);
    expect(profile.body.tickets.items.map((t: { number: number }) => t.number).sort()).toEqual(
      [n, followUp.body.ticket.number].sort(),
    );
    const queue = await call('GET', `/v1/tickets?group=${group.body.id}&status=closed`, admin);
    expect(queue.body.items.map((t: { number: number }) => t.number)).toEqual([n]);
  });

  it('keeps every accepted change of 20 concurrent PATCHes and loses nothing', async () => {
    const created = await call('POST', '/v1/tickets', admin, { body: newTicket });
    const n = created.body.number;
    const tags = Array.from({ length: 20 }, (_, i) => `tag${i}`);
    const results = await Promise.all(
      tags.map((tag, i) =>
        call('PATCH', `/v1/tickets/${n}`, admin, {
          body: { tags: [tag] },
          // half of the writers insist on the version they read, half let the server retry
          ...(i % 2 === 0 && { headers: { 'if-match': '"1"' } }),
        }),
      ),
    );
    const accepted = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused.every((r) => r.status === 412 || r.status === 409)).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);
    const timeline = await call('GET', `/v1/tickets/${n}/timeline?limit=100`, admin);
    const tagChanges = timeline.body.items.filter(
      (e: { data: { field?: string } }) => e.data.field === 'tags',
    );
    // every 200 is one recorded change, in version order, each from the previous value
    expect(tagChanges).toHaveLength(accepted.length);
    expect(new Set(accepted.map((r) => r.body.version)).size).toBe(accepted.length);
    const final = await call('GET', `/v1/tickets/${n}`, admin);
    expect(final.body.version).toBe(1 + accepted.length);
    expect(final.body.tags).toEqual(tagChanges.at(-1).data.to);
  });

  it('never shows one tenant’s data to another', async () => {
    const created = await call('POST', '/v1/tickets', admin, { body: newTicket });
    const n = created.body.number;
    expect((await call('GET', `/v1/tickets/${n}`, otherAdmin)).status).toBe(404);
    expect((await call('PATCH', `/v1/tickets/${n}`, otherAdmin, { body: { priority: 'low' } })).status).toBe(
      404,
    );
    const list = await call('GET', '/v1/tickets', otherAdmin);
    expect(list.body.items.every((t: { subject: string }) => t.subject !== newTicket.subject)).toBe(true);
    expect((await call('GET', '/v1/customers?email=ann@example.com', otherAdmin)).body.items).toEqual([]);
  });

  it('manages API keys: created once, listed without secrets, revoked', async () => {
    const key = await call('POST', '/v1/api-keys', admin, { body: { name: 'widget', role: 'channel' } });
    expect(key.status).toBe(201);
    const list = await call('GET', '/v1/api-keys', admin);
    expect(list.body.items.find((k: { id: string }) => k.id === key.body.id)).not.toHaveProperty('secret');
    const asChannel = await call('POST', '/v1/tickets', key.body.secret, { body: newTicket });
    expect(asChannel.status).toBe(201);
    expect((await call('GET', '/v1/tickets', key.body.secret)).status).toBe(403);
    expect((await call('DELETE', `/v1/api-keys/${key.body.id}`, admin)).body.revokedAt).toEqual(
      expect.any(String),
    );
    expect((await call('POST', '/v1/tickets', key.body.secret, { body: newTicket })).status).toBe(403);
  });

  it('answers bad input with 4xx problems, never 5xx', async () => {
    const cases: [string, string, EventOptions][] = [
      ['POST', '/v1/tickets', { rawBody: '{' }],
      ['POST', '/v1/tickets', { body: { ...newTicket, requester: { email: 'not-an-email' } } }],
      ['GET', '/v1/tickets?cursor=AAAA', {}],
      ['GET', '/v1/tickets/99999999', {}],
      ['GET', '/v1/customers/cus_nope', {}],
      ['PATCH', '/v1/tickets/1', { body: { assignee: 'agt_nope' } }],
      ['POST', '/v1/tickets', { body: { ...newTicket, group: 'grp_nope' } }],
      ['POST', '/v1/custom-fields', { body: { key: 'Bad Key', type: 'string' } }],
      ['GET', '/v1/agents/agt_nope', {}],
    ];
    for (const [method, path, options] of cases) {
      const response = await call(method, path, admin, options);
      expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
      expect(response.headers['content-type']).toBe('application/problem+json');
    }
  });
});
