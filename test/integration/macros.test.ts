import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbMacroStore } from '../../functions/adapters/dynamodb/macro-store.ts';
import { ConcurrentModificationError, DomainError } from '../../functions/core/errors.ts';
import { MAX_MACROS, type Macro, newMacro, replaceMacro } from '../../functions/core/macros/macro.ts';
import { callApi } from '../support/api-call.ts';

const tables = tableNamesFromEnv();
const store = new DynamoDbMacroStore(documentClient, tables);
const now = '2026-03-02T09:00:00.000Z';
const tenant = () => `mac-${Math.random().toString(36).slice(2, 10)}`;

const macro = (tenantId: string, id: string, name: string): Macro =>
  newMacro(tenantId, id, { name, reply: { body: 'Hi {{requester.firstName | "there"}}' } }, now);

describe('DynamoDB macro store', () => {
  it('round-trips macros, lists them by name and guards updates by version', async () => {
    const tenantId = tenant();
    const b = macro(tenantId, 'mac_01B', 'refund');
    const a = macro(tenantId, 'mac_01A', 'Welcome');
    const c = macro(tenantId, 'mac_01C', 'Apology');
    for (const m of [b, a, c]) await store.create(m);
    expect(await store.get(tenantId, b.id)).toEqual(b);
    expect(await store.get(`${tenantId}-other`, b.id)).toBeNull();
    expect((await store.list(tenantId)).map((m) => m.name)).toEqual(['Apology', 'refund', 'Welcome']);

    const next = replaceMacro(b, { name: 'Refund', actions: [{ field: 'priority', value: 'high' }] }, now);
    await store.update(next, b.version);
    expect(await store.get(tenantId, b.id)).toEqual(next);
    await expect(
      store.update(replaceMacro(b, { name: 'stale', reply: { body: 'x' } }, now), b.version),
    ).rejects.toBeInstanceOf(ConcurrentModificationError);

    expect(await store.delete(tenantId, c.id)).toBe(true);
    expect(await store.delete(tenantId, c.id)).toBe(false);
    expect(await store.get(tenantId, c.id)).toBeNull();
    // the counter follows creates and deletes
    const items = await documentClient.send(
      new QueryCommand({
        TableName: tables.main,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.macrosPk(tenantId) },
      }),
    );
    expect(items.Items?.find((i) => i.sk === 'COUNT')?.count).toBe(2);
  });

  it(`refuses a macro past ${MAX_MACROS} per tenant`, async () => {
    const tenantId = tenant();
    await documentClient.send(
      new PutCommand({ TableName: tables.main, Item: { ...keys.macroCount(tenantId), count: MAX_MACROS } }),
    );
    const error = await store.create(macro(tenantId, 'mac_01X', 'One too many')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('validation');
    expect(await store.get(tenantId, 'mac_01X')).toBeNull();
  });
});

// ---- the HTTP API, through the real api and authorizer handlers ----

const operatorKey = process.env.DESKLESS_OPERATOR_API_KEY!;

const call = callApi;

let admin: string;
let agentKey: string;
let agentId: string;
let groupId: string;

beforeAll(async () => {
  const created = await call('POST', '/v1/tenants', operatorKey, {
    body: { id: `macros-${Date.now().toString(36)}`, name: 'Macros' },
  });
  expect(created.status).toBe(201);
  admin = created.body.apiKey.secret;
  groupId = (await call('POST', '/v1/groups', admin, { body: { name: 'Billing' } })).body.id;
  const agent = await call('POST', '/v1/agents', admin, {
    body: { name: 'Bo Berg', email: 'bo@acme.test', groups: [groupId] },
  });
  agentId = agent.body.id;
  const key = await call('POST', '/v1/api-keys', admin, { body: { name: 'bo', role: 'agent', agentId } });
  agentKey = key.body.secret;
});

const newTicket = {
  subject: 'Charged twice',
  comment: { body: 'My card was charged twice' },
  requester: { email: 'ann@example.com', name: 'Ann Smith' },
};

describe('macros over the API', () => {
  it('refuses an unknown placeholder with a 400 naming reply.body', async () => {
    const response = await call('POST', '/v1/macros', admin, {
      body: { name: 'Bad', reply: { body: 'Hi {{customer.name}}' } },
    });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body.errors).toEqual([
      { path: 'reply.body', message: expect.stringContaining('unknown placeholder {{customer.name}}') },
    ]);
    const unterminated = await call('POST', '/v1/macros', admin, {
      body: { name: 'Bad', reply: { body: 'Hi {{requester.firstName' } },
    });
    expect(unterminated.status).toBe(400);
    expect(unterminated.body.errors[0].path).toBe('reply.body');
    // Custom field keys are known to the tenant only: an undeclared one breaks a rule (422).
    const undeclared = await call('POST', '/v1/macros', admin, {
      body: { name: 'Bad', reply: { body: '{{ticket.customFields.plan}}' } },
    });
    expect(undeclared.status).toBe(422);
    expect(undeclared.body.errors[0].path).toBe('reply.body');
    expect((await call('POST', '/v1/macros', admin, { body: { name: 'Empty' } })).status).toBe(400);
    expect(
      (await call('POST', '/v1/macros', agentKey, { body: { name: 'x', reply: { body: 'y' } } })).status,
    ).toBe(403);
  });

  it('manages macros: create, list, get, replace with If-Match, delete', async () => {
    const created = await call('POST', '/v1/macros', admin, {
      body: {
        name: 'Welcome',
        description: 'First answer',
        reply: { body: 'Hello {{requester.firstName}}' },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Welcome',
      active: true,
      version: 1,
      reply: { public: true },
    });
    expect(created.body).not.toHaveProperty('tenantId');
    const id = created.body.id;
    const list = await call('GET', '/v1/macros', agentKey);
    expect(list.body.items.map((m: { id: string }) => m.id)).toContain(id);
    const got = await call('GET', `/v1/macros/${id}`, agentKey);
    expect(got.headers.etag).toBe('"1"');
    const replaced = await call('PUT', `/v1/macros/${id}`, admin, {
      body: { name: 'Welcome', reply: { body: 'Hi' }, active: false },
      headers: { 'if-match': '"1"' },
    });
    expect(replaced.body).toMatchObject({ version: 2, active: false, description: null });
    const stale = await call('PUT', `/v1/macros/${id}`, admin, {
      body: { name: 'Welcome', reply: { body: 'Hi' } },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    const inactive = await call('GET', '/v1/macros?active=false', admin);
    expect(inactive.body.items.map((m: { id: string }) => m.id)).toEqual([id]);
    expect((await call('DELETE', `/v1/macros/${id}`, admin)).status).toBe(204);
    expect((await call('GET', `/v1/macros/${id}`, admin)).status).toBe(404);
    expect((await call('DELETE', `/v1/macros/${id}`, admin)).status).toBe(404);
  });

  it('applies a macro: fields changed, the reply and macro_applied on the timeline, one version step', async () => {
    const macro = await call('POST', '/v1/macros', admin, {
      body: {
        name: 'Billing takes it',
        reply: { body: 'Hi {{requester.firstName | "there"}}, {{agent.firstName}} from billing here.' },
        actions: [
          { field: 'group', value: groupId },
          { field: 'assignee', value: agentId },
          { field: 'priority', value: 'high' },
          { field: 'add_tags', value: 'billing' },
        ],
      },
    });
    expect(macro.status).toBe(201);
    const ticket = await call('POST', '/v1/tickets', admin, { body: newTicket });
    const n = ticket.body.number;
    const applied = await call('POST', `/v1/tickets/${n}/macros/${macro.body.id}:apply`, agentKey, {
      headers: { 'if-match': `"${ticket.body.version}"` },
    });
    expect(applied.status).toBe(200);
    expect(applied.headers.etag).toBe(`"${ticket.body.version + 1}"`);
    expect(applied.body.ticket).toMatchObject({
      group: groupId,
      assignee: agentId,
      priority: 'high',
      tags: ['billing'],
      status: 'open',
      version: ticket.body.version + 1,
    });
    expect(applied.body.comment).toMatchObject({
      type: 'comment',
      actor: { type: 'agent', id: agentId },
      data: { body: 'Hi Ann, Bo from billing here.', public: true },
    });
    const timeline = await call('GET', `/v1/tickets/${n}/timeline?limit=100`, admin);
    const types = timeline.body.items.map((e: { type: string }) => e.type);
    expect(types.slice(2)).toEqual([
      'field_changed',
      'field_changed',
      'field_changed',
      'assigned',
      'status_changed',
      'comment',
      'macro_applied',
    ]);
    expect(timeline.body.items.at(-1).data).toEqual({
      macroId: macro.body.id,
      macroName: 'Billing takes it',
    });
    expect(timeline.body.items.find((e: { id: string }) => e.id === applied.body.comment.id)).toBeDefined();
    const read = await call('GET', `/v1/tickets/${n}`, admin);
    expect(read.body).toEqual(applied.body.ticket);
  });

  it('answers a suffix other than :apply, an inactive macro and unknown ids with problems', async () => {
    const ticket = await call('POST', '/v1/tickets', admin, { body: newTicket });
    const n = ticket.body.number;
    const macro = await call('POST', '/v1/macros', admin, {
      body: { name: 'Off', reply: { body: 'x' }, active: false },
    });
    const bogus = await call('POST', `/v1/tickets/${n}/macros/${macro.body.id}:bogus`, admin);
    expect(bogus.status).toBe(404);
    expect(bogus.headers['content-type']).toBe('application/problem+json');
    expect(bogus.body.detail).toContain('{id}:apply');
    expect((await call('POST', `/v1/tickets/${n}/macros/${macro.body.id}`, admin)).status).toBe(404);
    const inactive = await call('POST', `/v1/tickets/${n}/macros/${macro.body.id}:apply`, admin);
    expect(inactive.status).toBe(409);
    expect(inactive.body.type).toBe('/docs#problem-conflict');
    expect((await call('POST', `/v1/tickets/${n}/macros/mac_nope:apply`, admin)).status).toBe(404);
    const active = await call('PUT', `/v1/macros/${macro.body.id}`, admin, {
      body: { name: 'On', reply: { body: 'x' } },
    });
    expect(active.body.active).toBe(true);
    expect((await call('POST', `/v1/tickets/99999999/macros/${macro.body.id}:apply`, admin)).status).toBe(
      404,
    );
    const untouched = await call('GET', `/v1/tickets/${n}`, admin);
    expect(untouched.body.version).toBe(ticket.body.version);
  });
});
