import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbRuleStore } from '../../functions/adapters/dynamodb/rule-store.ts';
import { ConcurrentModificationError } from '../../functions/core/errors.ts';
import type { Rule } from '../../functions/core/rules/rule.ts';
import { callApi } from '../support/api-call.ts';

/** The rule store against DynamoDB Local, and the rules API through the real `api` and `authorizer` handlers. */
const tables = tableNamesFromEnv();
const store = new DynamoDbRuleStore(documentClient, tables);

const commands = new Set<string>();
documentClient.middlewareStack.add(
  (next, context) => async (args) => {
    commands.add(String(context.commandName));
    return next(args);
  },
  { step: 'initialize', name: 'recordRuleCommands' },
);

afterAll(() => {
  // No request path may scan the table.
  expect([...commands].filter((c) => /Scan/.test(c))).toEqual([]);
});

const T0 = '2026-03-02T09:00:00.000Z';
const tenantId = `rules-${Date.now().toString(36)}`;

function rule(id: string, position: number, name = id): Rule {
  return {
    tenantId: `${tenantId}-store`,
    id,
    name,
    position,
    active: true,
    conditions: {
      all: [{ field: 'priority', operator: 'in', value: ['high', 'urgent'] }],
      any: [{ field: 'triage.sentiment', operator: 'less_than', value: -0.5 }],
    },
    actions: [
      { field: 'add_tags', value: ['escalated'] },
      { field: 'customFields.tier', value: null },
    ],
    createdAt: T0,
    updatedAt: T0,
    version: 1,
  };
}

describe('DynamoDB rule store', () => {
  it('round-trips rules, lists them by position, updates by version and deletes', async () => {
    const a = rule('rul_a', 2);
    const b = rule('rul_b', 1);
    const c = rule('rul_c', 2);
    for (const r of [a, b, c]) await store.create(r);
    expect(await store.get(a.tenantId, a.id)).toEqual(a);
    expect((await store.list(a.tenantId)).map((r) => r.id)).toEqual(['rul_b', 'rul_a', 'rul_c']);
    expect(await store.list(`${tenantId}-nobody`)).toEqual([]);

    const renamed = { ...a, name: 'renamed', position: 0, version: 2 };
    await store.update(renamed, 1);
    await expect(store.update({ ...a, version: 2 }, 1)).rejects.toBeInstanceOf(ConcurrentModificationError);
    expect(await store.get(a.tenantId, a.id)).toEqual(renamed);
    expect((await store.list(a.tenantId)).map((r) => r.id)).toEqual(['rul_a', 'rul_b', 'rul_c']);

    expect(await store.delete(a.tenantId, b.id)).toBe(true);
    expect(await store.delete(a.tenantId, b.id)).toBe(false);
    expect(await store.get(a.tenantId, b.id)).toBeNull();
    // The items live under the tenant's rules partition, beside the counter the transactions keep.
    const items = await documentClient.send(
      new QueryCommand({
        TableName: tables.main,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.rulesPk(a.tenantId) },
      }),
    );
    expect(items.Items?.map((i) => i.sk).sort()).toEqual(['COUNT', 'RUL#rul_a', 'RUL#rul_c']);
    expect(items.Items?.find((i) => i.sk === 'COUNT')?.count).toBe(2);
  });
});

const operatorKey = process.env.DESKLESS_OPERATOR_API_KEY!;

const call = callApi;

let admin: string;
let agent: string;

beforeAll(async () => {
  const created = await call('POST', '/v1/tenants', operatorKey, {
    body: { id: tenantId, name: 'Rules test' },
  });
  expect(created.status).toBe(201);
  admin = created.body.apiKey.secret;
  const agentKey = await call('POST', '/v1/api-keys', admin, { body: { name: 'Agent', role: 'agent' } });
  agent = agentKey.body.secret;
});

const escalate = {
  name: 'Escalate refunds',
  conditions: {
    all: [{ field: 'subject', operator: 'contains', value: 'refund' }],
    any: [
      { field: 'comment', operator: 'contains', value: 'lawyer' },
      { field: 'triage.urgency', operator: 'greater_than', value: 'normal' },
    ],
  },
  actions: [
    { field: 'priority', value: 'urgent' },
    { field: 'add_tags', value: 'escalated' },
    { field: 'internal_note', value: 'Refund threat: handle today' },
  ],
};

describe('rules API', () => {
  it('creates, lists, reads, replaces and deletes rules', async () => {
    const created = await call('POST', '/v1/rules', admin, { body: escalate });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...escalate, position: 1, active: true, version: 1 });
    expect(created.body.id).toMatch(/^rul_/);
    expect(created.body.tenantId).toBeUndefined();
    expect(created.headers.location).toBe(`/v1/rules/${created.body.id}`);
    const second = await call('POST', '/v1/rules', admin, { body: { ...escalate, name: 'Second' } });
    expect(second.body.position).toBe(2);

    const list = await call('GET', '/v1/rules', agent);
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { name: string }) => r.name)).toEqual(['Escalate refunds', 'Second']);
    const read = await call('GET', `/v1/rules/${created.body.id}`, agent);
    expect(read.body).toEqual(created.body);

    const replaced = await call('PUT', `/v1/rules/${created.body.id}`, admin, {
      body: { ...escalate, name: 'Escalate refunds now', position: 5, active: false },
      headers: { 'if-match': '"1"' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      name: 'Escalate refunds now',
      position: 5,
      active: false,
      version: 2,
    });
    const stale = await call('PUT', `/v1/rules/${created.body.id}`, admin, {
      body: escalate,
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    const order = await call('GET', '/v1/rules', admin);
    expect(order.body.items.map((r: { name: string }) => r.name)).toEqual(['Second', 'Escalate refunds now']);

    expect((await call('DELETE', `/v1/rules/${second.body.id}`, admin)).status).toBe(204);
    expect((await call('DELETE', `/v1/rules/${second.body.id}`, admin)).status).toBe(404);
    expect((await call('GET', `/v1/rules/${second.body.id}`, admin)).status).toBe(404);
  });

  it('lets agents read but not write', async () => {
    const refused = await call('POST', '/v1/rules', agent, { body: escalate });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toBe('application/problem+json');
  });

  it('answers a bad field or operator with a 400 naming its path', async () => {
    const badOperator = await call('POST', '/v1/rules', admin, {
      body: { ...escalate, conditions: { all: [{ field: 'priority', operator: 'like', value: 'high' }] } },
    });
    expect(badOperator.status).toBe(400);
    expect(badOperator.headers['content-type']).toBe('application/problem+json');
    expect(badOperator.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'conditions.all.0.operator',
    ]);

    const badField = await call('POST', '/v1/rules', admin, {
      body: {
        ...escalate,
        conditions: {
          all: [
            { field: 'mood', operator: 'is', value: 'angry' },
            { field: 'triage.sentiment', operator: 'contains', value: 'sad' },
          ],
        },
        actions: [{ field: 'notify_webhook', value: 'https://example.com' }],
      },
    });
    expect(badField.status).toBe(400);
    expect(badField.body.errors).toEqual([
      { path: 'conditions.all.0.field', message: expect.stringContaining('must be one of') },
      { path: 'conditions.all.1.operator', message: 'triage.sentiment takes greater_than, less_than' },
      {
        path: 'actions.0.value',
        message: 'must be a webhook subscription id (POST /v1/subscriptions makes one)',
      },
    ]);

    const unknownMacro = await call('POST', '/v1/rules', admin, {
      body: { ...escalate, actions: [{ field: 'macro', value: 'mac_missing' }] },
    });
    expect(unknownMacro.status).toBe(422);
    expect(unknownMacro.body.errors).toEqual([
      { path: 'actions[0].value', message: 'macro mac_missing does not exist' },
    ]);
  });

  it('dry-runs a rule with :test and leaves the ticket as it was', async () => {
    const rule = await call('POST', '/v1/rules', admin, { body: escalate });
    const ticket = await call('POST', '/v1/tickets', admin, {
      body: {
        subject: 'Refund for order 1234',
        comment: { body: 'Where is my money?' },
        requester: { email: 'ann@example.com' },
      },
    });
    const number = ticket.body.number;
    const tested = await call('POST', `/v1/rules/${rule.body.id}:test`, agent, {
      body: { ticket: number, comment: 'My lawyer will call you' },
    });
    expect(tested.status).toBe(200);
    expect(tested.body).toEqual({
      matched: true,
      conditions: [
        {
          list: 'all',
          index: 0,
          field: 'subject',
          operator: 'contains',
          value: 'refund',
          actual: 'Refund for order 1234',
          matched: true,
        },
        {
          list: 'any',
          index: 0,
          field: 'comment',
          operator: 'contains',
          value: 'lawyer',
          actual: 'My lawyer will call you',
          matched: true,
        },
        {
          list: 'any',
          index: 1,
          field: 'triage.urgency',
          operator: 'greater_than',
          value: 'normal',
          actual: null,
          matched: false,
        },
      ],
      changes: [
        { field: 'priority', from: 'normal', to: 'urgent' },
        { field: 'tags', from: [], to: ['escalated'] },
        { field: 'internal_note', from: null, to: 'Refund threat: handle today' },
      ],
      skipped: [],
    });
    const without = await call('POST', `/v1/rules/${rule.body.id}:test`, agent, { body: { ticket: number } });
    expect(without.body).toMatchObject({ matched: false, changes: [] });

    const after = await call('GET', `/v1/tickets/${number}`, admin);
    expect(after.body).toMatchObject({ version: ticket.body.version, priority: 'normal', tags: [] });
    const timeline = await call('GET', `/v1/tickets/${number}/timeline`, admin);
    expect(timeline.body.items.map((e: { type: string }) => e.type)).toEqual(['created', 'comment']);

    const missingTicket = await call('POST', `/v1/rules/${rule.body.id}:test`, admin, {
      body: { ticket: 999999 },
    });
    expect(missingTicket.status).toBe(404);
  });

  it('answers any suffix other than :test with a 404 naming the expected form', async () => {
    const rule = await call('POST', '/v1/rules', admin, { body: escalate });
    for (const path of [`/v1/rules/${rule.body.id}:run`, `/v1/rules/${rule.body.id}`, '/v1/rules/:test']) {
      const response = await call('POST', path, admin, { body: { ticket: 1 } });
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body.detail).toContain('POST /v1/rules/{id}:test');
    }
  });
});
