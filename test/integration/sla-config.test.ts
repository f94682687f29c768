import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import {
  DynamoDbLifecycleSettingsStore,
  DynamoDbScheduleStore,
  DynamoDbSlaPolicyStore,
} from '../../functions/adapters/dynamodb/sla-stores.ts';
import { ConcurrentModificationError, DomainError } from '../../functions/core/errors.ts';
import { DEFAULT_LIFECYCLE_SETTINGS } from '../../functions/core/lifecycle-settings.ts';
import type { Schedule } from '../../functions/core/ports.ts';
import type { StoredSlaPolicy } from '../../functions/core/sla/policy.ts';
import { callApi } from '../support/api-call.ts';

/**
 * The stores of schedules, SLA policies and lifecycle settings against DynamoDB Local, and their API through the
 * real `api` and `authorizer` handlers.
 */
const tables = tableNamesFromEnv();
const schedules = new DynamoDbScheduleStore(documentClient, tables);
const policies = new DynamoDbSlaPolicyStore(documentClient, tables);
const lifecycle = new DynamoDbLifecycleSettingsStore(documentClient, tables);

const commands = new Set<string>();
documentClient.middlewareStack.add(
  (next, context) => async (args) => {
    commands.add(String(context.commandName));
    return next(args);
  },
  { step: 'initialize', name: 'recordSlaConfigCommands' },
);

afterAll(() => {
  // No request path may scan the table.
  expect([...commands].filter((c) => /Scan/.test(c))).toEqual([]);
});

const T0 = '2026-03-02T09:00:00.000Z';
const tenantId = `sla-${Date.now().toString(36)}`;
const storeTenant = `${tenantId}-store`;

const schedule = (id: string, name = id): Schedule => ({
  tenantId: storeTenant,
  id,
  name,
  timeZone: 'Europe/Berlin',
  weekly: [
    { day: 1, start: '09:00', end: '12:00' },
    { day: 1, start: '13:00', end: '17:00' },
  ],
  holidays: [{ date: '2026-12-25', name: 'Christmas' }, { date: '2026-12-26' }],
  createdAt: T0,
  updatedAt: T0,
  version: 1,
});

const policy = (id: string, position: number, scheduleId: string | null): StoredSlaPolicy => ({
  tenantId: storeTenant,
  id,
  name: id,
  position,
  conditions: { all: [{ field: 'priority', operator: 'in', value: ['high', 'urgent'] }] },
  scheduleId,
  targets: { urgent: { first_reply: 30, resolution: 480 }, low: { next_reply: 1440 } },
  warnBeforeMinutes: 10,
  escalation: { priority: 'urgent', addTags: ['sla_breached'] },
  createdAt: T0,
  updatedAt: T0,
  version: 1,
});

async function partition(pk: string) {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tables.main,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return new Map((result.Items ?? []).map((item) => [item.sk as string, item]));
}

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).not.toBeNull();
  return error as Error;
}

describe('DynamoDB SLA configuration stores', () => {
  it('round-trips schedules, lists them oldest first, updates by version and deletes', async () => {
    const a = schedule('sch_01a', 'Berlin');
    const b = schedule('sch_01b', 'Tokyo');
    await schedules.create(b);
    await schedules.create(a);
    expect(await schedules.get(storeTenant, a.id)).toEqual(a);
    expect((await schedules.list(storeTenant)).map((s) => s.id)).toEqual(['sch_01a', 'sch_01b']);
    expect(await schedules.list(`${tenantId}-nobody`)).toEqual([]);
    expect((await rejection(schedules.create(a))) as DomainError).toMatchObject({ code: 'conflict' });

    const renamed = { ...a, name: 'Berlin HQ', holidays: [], version: 2 };
    await schedules.update(renamed, 1);
    expect(await rejection(schedules.update({ ...a, version: 2 }, 1))).toBeInstanceOf(
      ConcurrentModificationError,
    );
    expect(await schedules.get(storeTenant, a.id)).toEqual(renamed);

    expect(await schedules.delete(storeTenant, b.id)).toBe(true);
    expect(await schedules.delete(storeTenant, b.id)).toBe(false);
    expect(await schedules.get(storeTenant, b.id)).toBeNull();
    const items = await partition(keys.schedulesPk(storeTenant));
    expect([...items.keys()].sort()).toEqual(['COUNT', 'SCH#sch_01a']);
    expect(items.get('COUNT')?.count).toBe(1);
  });

  it('counts the policies on each schedule: no policy on a missing schedule, no deleting one in use', async () => {
    const office = schedule('sch_02office');
    const night = schedule('sch_02night');
    await schedules.create(office);
    await schedules.create(night);

    const missing = (await rejection(policies.create(policy('slp_missing', 1, 'sch_none')))) as DomainError;
    expect(missing).toBeInstanceOf(DomainError);
    expect(missing.code).toBe('validation');
    expect(missing.fieldErrors).toEqual([{ path: 'schedule', message: 'schedule sch_none does not exist' }]);
    expect(await policies.get(storeTenant, 'slp_missing')).toBeNull();

    const a = policy('slp_a', 2, office.id);
    const b = policy('slp_b', 1, office.id);
    const c = policy('slp_c', 2, null);
    for (const p of [a, b, c]) await policies.create(p);
    expect(await policies.get(storeTenant, a.id)).toEqual(a);
    expect((await policies.list(storeTenant)).map((p) => p.id)).toEqual(['slp_b', 'slp_a', 'slp_c']);
    expect((await partition(keys.schedulesPk(storeTenant))).get(`USES#${office.id}`)?.count).toBe(2);

    const inUse = (await rejection(schedules.delete(storeTenant, office.id))) as DomainError;
    expect(inUse.code).toBe('conflict');
    expect(await schedules.get(storeTenant, office.id)).toEqual(office);

    // Moving a policy moves its use; a move to a missing schedule changes nothing.
    const moved = { ...a, scheduleId: night.id, version: 2 };
    await policies.update(moved, a);
    expect(await rejection(policies.update({ ...a, name: 'late', version: 2 }, a))).toBeInstanceOf(
      ConcurrentModificationError,
    );
    const nowhere = (await rejection(
      policies.update({ ...moved, scheduleId: 'sch_none', version: 3 }, moved),
    )) as DomainError;
    expect(nowhere.fieldErrors).toEqual([{ path: 'schedule', message: 'schedule sch_none does not exist' }]);
    expect(await policies.get(storeTenant, a.id)).toEqual(moved);
    const renamed = { ...c, name: 'calendar', version: 2 };
    await policies.update(renamed, c);
    expect(await policies.get(storeTenant, c.id)).toEqual(renamed);
    let uses = await partition(keys.schedulesPk(storeTenant));
    expect(uses.get(`USES#${office.id}`)?.count).toBe(1);
    expect(uses.get(`USES#${night.id}`)?.count).toBe(1);

    expect(await policies.delete(storeTenant, b.id)).toBe(true);
    expect(await policies.delete(storeTenant, b.id)).toBe(false);
    expect(await schedules.delete(storeTenant, office.id)).toBe(true);
    uses = await partition(keys.schedulesPk(storeTenant));
    expect(uses.has(`USES#${office.id}`)).toBe(false);
    expect(uses.get(`USES#${night.id}`)?.count).toBe(1);

    const items = await partition(keys.slaPoliciesPk(storeTenant));
    expect([...items.keys()].sort()).toEqual(['COUNT', 'SLP#slp_a', 'SLP#slp_c']);
    expect(items.get('COUNT')?.count).toBe(2);
  });

  it('answers the default lifecycle settings until some are saved', async () => {
    const tenant = `${tenantId}-lifecycle`;
    expect(await lifecycle.get(tenant)).toEqual(DEFAULT_LIFECYCLE_SETTINGS);
    const saved = {
      autoCloseAfterHours: 24,
      pendingReminderAfterHours: 48,
      pendingAutoSolveAfterHours: null,
      csatSurveys: false,
    };
    await lifecycle.put(tenant, saved);
    expect(await lifecycle.get(tenant)).toEqual(saved);
    const item = (await partition(keys.settingsPk(tenant))).get('LIFECYCLE');
    expect(item).toMatchObject({ entity: 'lifecycle-settings', ...saved });
  });
});

const operatorKey = process.env.DESKLESS_OPERATOR_API_KEY!;

const call = callApi;

const paths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path);

let admin: string;
let agent: string;

beforeAll(async () => {
  const created = await call('POST', '/v1/tenants', operatorKey, {
    body: { id: tenantId, name: 'SLA configuration test' },
  });
  expect(created.status).toBe(201);
  admin = created.body.apiKey.secret;
  const agentKey = await call('POST', '/v1/api-keys', admin, { body: { name: 'Agent', role: 'agent' } });
  agent = agentKey.body.secret;
});

const officeHours = {
  name: 'Berlin office',
  timeZone: 'Europe/Berlin',
  weekly: [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' })),
  holidays: [{ date: '2026-12-25', name: 'Christmas' }],
};

describe('schedules API', () => {
  it('creates, lists, reads, replaces and deletes schedules; agents read but do not write', async () => {
    const created = await call('POST', '/v1/schedules', admin, { body: officeHours });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...officeHours, version: 1 });
    expect(created.body.id).toMatch(/^sch_/);
    expect(created.body.tenantId).toBeUndefined();
    expect(created.headers.location).toBe(`/v1/schedules/${created.body.id}`);
    expect(created.headers.etag).toBe('"1"');

    const list = await call('GET', '/v1/schedules', agent);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([created.body]);
    const read = await call('GET', `/v1/schedules/${created.body.id}`, agent);
    expect(read.body).toEqual(created.body);
    expect((await call('POST', '/v1/schedules', agent, { body: officeHours })).status).toBe(403);

    const replaced = await call('PUT', `/v1/schedules/${created.body.id}`, admin, {
      body: { ...officeHours, name: 'Berlin HQ', holidays: undefined },
      headers: { 'if-match': '"1"' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ name: 'Berlin HQ', holidays: [], version: 2 });
    expect(replaced.headers.etag).toBe('"2"');
    const stale = await call('PUT', `/v1/schedules/${created.body.id}`, admin, {
      body: officeHours,
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toBe('application/problem+json');

    expect((await call('DELETE', `/v1/schedules/${created.body.id}`, agent)).status).toBe(403);
    expect((await call('DELETE', `/v1/schedules/${created.body.id}`, admin)).status).toBe(204);
    expect((await call('DELETE', `/v1/schedules/${created.body.id}`, admin)).status).toBe(404);
    expect((await call('GET', `/v1/schedules/${created.body.id}`, admin)).status).toBe(404);
  });

  it('answers a bad shape with a 400 and broken business hours with a 422, naming the paths', async () => {
    const shape = await call('POST', '/v1/schedules', admin, {
      body: { ...officeHours, weekly: [{ day: 9, start: 900, end: '17:00' }], colour: 'red' },
    });
    expect(shape.status).toBe(400);
    expect(shape.headers['content-type']).toBe('application/problem+json');
    expect(paths(shape.body)).toEqual(expect.arrayContaining(['weekly.0.day', 'weekly.0.start']));

    const rules = await call('POST', '/v1/schedules', admin, {
      body: {
        name: 'Broken',
        timeZone: '+01:00',
        weekly: [
          { day: 1, start: '25:00', end: '17:00' },
          { day: 2, start: '09:00', end: '17:00' },
          { day: 2, start: '12:00', end: '13:00' },
        ],
        holidays: [{ date: '2026-02-30' }],
      },
    });
    expect(rules.status).toBe(422);
    expect(rules.body.errors).toEqual([
      { path: 'timeZone', message: 'unknown time zone "+01:00"' },
      { path: 'weekly[0].start', message: 'must be HH:MM, 00:00 to 23:59' },
      { path: 'weekly[2]', message: 'overlaps weekly[1]' },
      { path: 'holidays[0].date', message: 'must be a real date, YYYY-MM-DD' },
    ]);
    const never = await call('POST', '/v1/schedules', admin, { body: { ...officeHours, weekly: [] } });
    expect(never.status).toBe(422);
    expect(paths(never.body)).toEqual(['weekly']);
  });
});

const gold = {
  name: 'Gold',
  conditions: { all: [{ field: 'tags', operator: 'contains', value: 'gold' }] },
  targets: {
    urgent: { firstReplyMinutes: 30, resolutionMinutes: 480 },
    normal: { firstReplyMinutes: 240, periodicUpdateMinutes: 1440 },
  },
  warnBeforeMinutes: 15,
};

describe('SLA policies API', () => {
  it('creates policies on a schedule with an escalation, in the contract shape, and keeps them in order', async () => {
    const office = await call('POST', '/v1/schedules', admin, { body: officeHours });
    const group = await call('POST', '/v1/groups', admin, { body: { name: 'Tier 2' } });
    const body = {
      ...gold,
      schedule: office.body.id,
      escalation: { priority: 'urgent', group: group.body.id, addTags: ['SLA breached'] },
    };
    const created = await call('POST', '/v1/sla-policies', admin, { body });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^slp_/),
      name: 'Gold',
      position: 1,
      conditions: gold.conditions,
      schedule: office.body.id,
      targets: gold.targets,
      warnBeforeMinutes: 15,
      escalation: { priority: 'urgent', group: group.body.id, addTags: ['sla_breached'] },
      createdAt: expect.any(String),
      updatedAt: created.body.createdAt,
      version: 1,
    });
    expect(created.headers.location).toBe(`/v1/sla-policies/${created.body.id}`);
    const calendar = await call('POST', '/v1/sla-policies', admin, {
      body: { name: 'Everyone', targets: { low: { agentWorkMinutes: 2880 } } },
    });
    expect(calendar.body).toMatchObject({
      position: 2,
      conditions: {},
      schedule: null,
      warnBeforeMinutes: null,
      escalation: null,
    });

    const list = await call('GET', '/v1/sla-policies', agent);
    expect(list.status).toBe(200);
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(['Gold', 'Everyone']);
    expect((await call('GET', `/v1/sla-policies/${created.body.id}`, agent)).body).toEqual(created.body);
    expect((await call('POST', '/v1/sla-policies', agent, { body: gold })).status).toBe(403);

    // The schedule stays while Gold runs on it.
    const inUse = await call('DELETE', `/v1/schedules/${office.body.id}`, admin);
    expect(inUse.status).toBe(409);
    expect(inUse.headers['content-type']).toBe('application/problem+json');
    expect(inUse.body.detail).toContain(`“Gold” (${created.body.id})`);

    const replaced = await call('PUT', `/v1/sla-policies/${created.body.id}`, admin, {
      body: { ...gold, name: 'Gold on calendar hours', position: 5 },
      headers: { 'if-match': '"1"' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      name: 'Gold on calendar hours',
      position: 5,
      schedule: null,
      escalation: null,
      version: 2,
    });
    const stale = await call('PUT', `/v1/sla-policies/${created.body.id}`, admin, {
      body: gold,
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    const order = await call('GET', '/v1/sla-policies', admin);
    expect(order.body.items.map((p: { name: string }) => p.name)).toEqual([
      'Everyone',
      'Gold on calendar hours',
    ]);

    expect((await call('DELETE', `/v1/schedules/${office.body.id}`, admin)).status).toBe(204);
    expect((await call('DELETE', `/v1/sla-policies/${calendar.body.id}`, admin)).status).toBe(204);
    expect((await call('DELETE', `/v1/sla-policies/${calendar.body.id}`, admin)).status).toBe(404);
    expect((await call('GET', `/v1/sla-policies/${calendar.body.id}`, admin)).status).toBe(404);
  });

  it('answers bad targets, conditions or escalations with a 400 naming the path', async () => {
    const response = await call('POST', '/v1/sla-policies', admin, {
      body: {
        ...gold,
        conditions: { all: [{ field: 'priority', operator: 'like', value: 'high' }] },
        targets: { urgent: { firstReply: 30, resolutionMinutes: 0 }, critical: { firstReplyMinutes: 5 } },
        escalation: { priority: 'low' },
      },
    });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(paths(response.body)).toEqual(
      expect.arrayContaining([
        'conditions.all.0.operator',
        'targets.urgent',
        'targets.urgent.resolutionMinutes',
        'targets',
        'escalation.priority',
      ]),
    );
    const field = await call('POST', '/v1/sla-policies', admin, {
      body: { ...gold, conditions: { all: [{ field: 'mood', operator: 'is', value: 'angry' }] } },
    });
    expect(field.status).toBe(400);
    expect(paths(field.body)).toEqual(['conditions.all.0.field']);
    const empty = await call('POST', '/v1/sla-policies', admin, {
      body: { name: 'Nothing', targets: { urgent: {} }, escalation: {} },
    });
    expect(empty.status).toBe(400);
    expect(paths(empty.body)).toEqual(['targets', 'escalation']);
  });

  it('answers an unknown schedule or escalation group with a 422 naming the path', async () => {
    const response = await call('POST', '/v1/sla-policies', admin, {
      body: { ...gold, schedule: 'sch_missing', escalation: { group: 'grp_missing' } },
    });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([
      { path: 'schedule', message: 'schedule sch_missing does not exist' },
      { path: 'escalation.group', message: 'group grp_missing does not exist' },
    ]);
  });
});

describe('lifecycle settings API', () => {
  it('shows the defaults, merges a PATCH, and turns optional delays off with null', async () => {
    const defaults = await call('GET', '/v1/settings', agent);
    expect(defaults.status).toBe(200);
    expect(defaults.body).toEqual({
      autoCloseAfterHours: 96,
      pendingReminderAfterHours: null,
      pendingAutoSolveAfterHours: null,
      csatSurveys: true,
    });
    const patched = await call('PATCH', '/v1/settings', admin, {
      body: { pendingReminderAfterHours: 24, pendingAutoSolveAfterHours: 120 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({
      autoCloseAfterHours: 96,
      pendingReminderAfterHours: 24,
      pendingAutoSolveAfterHours: 120,
      csatSurveys: true,
    });
    const off = await call('PATCH', '/v1/settings', admin, {
      body: { autoCloseAfterHours: 48, pendingReminderAfterHours: null },
    });
    expect(off.body).toEqual({
      autoCloseAfterHours: 48,
      pendingReminderAfterHours: null,
      pendingAutoSolveAfterHours: 120,
      csatSurveys: true,
    });
    expect((await call('GET', '/v1/settings', admin)).body).toEqual(off.body);
    expect((await call('PATCH', '/v1/settings', agent, { body: { autoCloseAfterHours: 1 } })).status).toBe(
      403,
    );
  });

  it('answers out-of-range hours with a 400 and an auto-solve before the reminder with a 422', async () => {
    const range = await call('PATCH', '/v1/settings', admin, {
      body: { autoCloseAfterHours: 0, pendingAutoSolveAfterHours: 2161, snooze: 1 },
    });
    expect(range.status).toBe(400);
    expect(paths(range.body)).toEqual(
      expect.arrayContaining(['autoCloseAfterHours', 'pendingAutoSolveAfterHours']),
    );
    expect((await call('PATCH', '/v1/settings', admin, { body: {} })).status).toBe(400);

    const order = await call('PATCH', '/v1/settings', admin, {
      body: { pendingReminderAfterHours: 200, pendingAutoSolveAfterHours: 100 },
    });
    expect(order.status).toBe(422);
    expect(order.body.errors).toEqual([
      { path: 'pendingAutoSolveAfterHours', message: expect.stringContaining('greater than') },
    ]);
  });
});
