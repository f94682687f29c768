import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbUsageStore } from '../../functions/adapters/dynamodb/usage-store.ts';
import { alarmCount, deploymentFootprint } from '../../functions/core/cost/footprint.ts';
import { PRICE_TABLE } from '../../functions/core/cost/price-table.ts';
import type { DayUsage } from '../../functions/core/metering.ts';
import { handler } from '../../functions/handlers/api.ts';
import { handler as authorize } from '../../functions/handlers/authorizer.ts';
import { env } from '../../functions/topology.ts';
import { apiEvent, type EventOptions } from '../support/api-event.ts';
import { lambdaContext } from '../support/lambda-context.ts';

/**
 * The cost report against DynamoDB Local: counters written by the usage store metering uses, read back over
 * HTTP through the real `authorizer` and `api` handlers.
 */
const usage = new DynamoDbUsageStore(documentClient, tableNamesFromEnv());

const commands = new Set<string>();
documentClient.middlewareStack.add(
  (next, context) => async (args) => {
    commands.add(String(context.commandName));
    return next(args);
  },
  { step: 'initialize', name: 'recordCostReportCommands' },
);

afterAll(() => {
  // No request path may scan the table.
  expect([...commands].filter((c) => /Scan/.test(c))).toEqual([]);
});

const operatorKey = process.env.DESKLESS_OPERATOR_API_KEY!;
const run = Date.now().toString(36);
const acme = `cost-a-${run}`;
const globex = `cost-g-${run}`;

type Api = typeof handler;

async function call(api: Api, method: string, path: string, key: string, options: EventOptions = {}) {
  const verdict = await authorize({
    type: 'REQUEST',
    routeArn: 'arn',
    identitySource: [`Bearer ${key}`],
    headers: { authorization: `Bearer ${key}` },
  } as never);
  if (!verdict.isAuthorized) return { status: 403, headers: {}, body: { message: 'Forbidden' } };
  const result = await api(
    apiEvent(method, path, { ...options, auth: verdict.context as never }),
    lambdaContext('api'),
  );
  return {
    status: result.statusCode!,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: result.body ? JSON.parse(result.body) : undefined,
  };
}

const counters = (tenantId: string, days: Record<string, DayUsage>) =>
  new Map([[tenantId, new Map(Object.entries(days))]]);

let acmeAdmin: string;
let globexAdmin: string;

beforeAll(async () => {
  for (const [id, name] of [
    [acme, 'Acme'],
    [globex, 'Globex'],
  ] as const) {
    const created = await call(handler, 'POST', '/v1/tenants', operatorKey, { body: { id, name } });
    expect(created.status).toBe(201);
    if (id === acme) acmeAdmin = created.body.apiKey.secret;
    else globexAdmin = created.body.apiKey.secret;
  }
  // A range across a month (and a year): two counter partitions. The days around it must not count.
  await usage.add(
    counters(acme, {
      '2025-12-29': { 'events.published': 5_000, 'tickets.created': 7 },
      '2025-12-30': { 'events.published': 600, 'ses.mails_in': 4, 'tickets.created': 1 },
      '2025-12-31': { 'events.published': 200, 'dynamodb.wru': 1_000_000, 'tickets.created': 1 },
      '2026-01-01': { 'ses.mails_in': 6, 'tickets.solved': 1 },
      '2026-01-02': { 'events.published': 200, 'tickets.created': 2 },
      '2026-01-03': { 'ses.mails_in': 100 },
    }),
  );
  // Counters add up: metering writes the same day many times.
  await usage.add(counters(acme, { '2025-12-31': { 'dynamodb.wru': 600_000 } }));
  await usage.add(counters(globex, { '2026-01-01': { 'events.published': 3_000, 'tickets.created': 3 } }));
});

const RANGE = '?from=2025-12-30&to=2026-01-02';
/** The deployment's fixed month over 4 days: every alarm at $0.10, both secrets at $0.40, the dashboard $3, × 4/30. */
const FIXED_4_DAYS = ((alarmCount(deploymentFootprint()) * 0.1 + 2 * 0.4 + 3) * 4) / 30;

describe('GET /v1/reports/cost', () => {
  it('prices an admin’s own counters over the range, the fixed month shown apart', async () => {
    const report = await call(handler, 'GET', `/v1/reports/cost${RANGE}`, acmeAdmin);
    expect(report.status).toBe(200);
    // dynamodb.wru     1,600,000 × $0.625/1M     = $1.00
    // events.published     1,000 × $1.00/1M      = $0.001
    // ses.mails_in            10 × $0.10/1,000   = $0.001
    // metering.counter_writes: each write of a day's counters adds its items, the overhead counter included:
    //   12-30: 3 + 1, 12-31: 3 + 1 and 1 + 1, 01-01: 2 + 1, 01-02: 2 + 1 = 16 × 2 WRU × $0.625/1M = $0.00002
    //                                                   total = $1.00202; 4 tickets → $0.250505 each
    expect(report.body).toMatchObject({
      from: '2025-12-30',
      to: '2026-01-02',
      lineItems: [
        {
          service: 'dynamodb',
          meter: 'dynamodb.wru',
          quantity: 1_600_000,
          unit: 'write request units',
          unitPrice: 0.000000625,
          cost: 1,
        },
        {
          service: 'events',
          meter: 'events.published',
          quantity: 1_000,
          unit: 'events',
          unitPrice: 0.000001,
          cost: 0.001,
        },
        {
          service: 'ses',
          meter: 'ses.mails_in',
          quantity: 10,
          unit: 'mails',
          unitPrice: 0.0001,
          cost: 0.001,
        },
        {
          service: 'dynamodb',
          meter: 'metering.counter_writes',
          quantity: 16,
          unit: 'counter writes',
          unitPrice: 0.00000125,
          cost: 0.00002,
        },
      ],
      total: 1.00202,
      tickets: 4,
      costPerTicket: 0.250505,
      priceTable: { version: PRICE_TABLE.version, date: PRICE_TABLE.date },
      measured: ['dynamodb.wru', 'events.published', 'ses.mails_in', 'metering.counter_writes'],
    });
    expect(report.body.fixedMonthly.total).toBeCloseTo(FIXED_4_DAYS, 6);
    expect(report.body.fixedMonthly.items).toHaveLength(5);
  });

  it('lets the operator read any tenant it names, and no admin another tenant', async () => {
    const byOperator = await call(handler, 'GET', `/v1/reports/cost${RANGE}&tenant=${globex}`, operatorKey);
    expect(byOperator.status).toBe(200);
    // 3,000 events: $0.003; 3 counter writes (2 counters and the overhead): $0.00000375 → $0.003004
    expect(byOperator.body).toMatchObject({ total: 0.003004, tickets: 3, costPerTicket: 0.001001 });
    expect(byOperator.body.measured).toEqual(['events.published', 'metering.counter_writes']);
    const acmeByOperator = await call(handler, 'GET', `/v1/reports/cost${RANGE}&tenant=${acme}`, operatorKey);
    expect(acmeByOperator.body.total).toBe(1.00202);

    const unnamed = await call(handler, 'GET', `/v1/reports/cost${RANGE}`, operatorKey);
    expect(unnamed.status).toBe(400);
    expect(unnamed.headers['content-type']).toBe('application/problem+json');
    expect(unnamed.body.errors).toEqual([{ path: 'tenant', message: 'is required with the operator key' }]);

    const trespass = await call(handler, 'GET', `/v1/reports/cost${RANGE}&tenant=${acme}`, globexAdmin);
    expect(trespass.status).toBe(403);
    expect(trespass.headers['content-type']).toBe('application/problem+json');
    const own = await call(handler, 'GET', `/v1/reports/cost${RANGE}&tenant=${globex}`, globexAdmin);
    expect(own.body.total).toBe(0.003004);

    const agent = await call(handler, 'POST', '/v1/api-keys', acmeAdmin, {
      body: { name: 'Agent', role: 'agent' },
    });
    expect((await call(handler, 'GET', `/v1/reports/cost${RANGE}`, agent.body.secret)).status).toBe(403);
  });

  it('answers a bad range with a 400 naming the parameter', async () => {
    const backwards = await call(handler, 'GET', '/v1/reports/cost?from=2026-01-02&to=2025-12-30', acmeAdmin);
    expect(backwards.status).toBe(400);
    expect(backwards.headers['content-type']).toBe('application/problem+json');
    expect(backwards.body.errors.map((e: { path: string }) => e.path)).toEqual(['to']);
    const tooLong = await call(handler, 'GET', '/v1/reports/cost?from=2025-01-01&to=2026-01-02', acmeAdmin);
    expect(tooLong.body.errors.map((e: { path: string }) => e.path)).toEqual(['to']);
    const notADay = await call(handler, 'GET', '/v1/reports/cost?from=2025-02-29&to=2025-03-01', acmeAdmin);
    expect(notADay.status).toBe(400);
    expect(notADay.body.errors.map((e: { path: string }) => e.path)).toEqual(['from']);
  });
});

describe(`price overrides (${env.priceOverrides})`, () => {
  afterEach(() => {
    delete process.env[env.priceOverrides];
  });

  /** A fresh `api` module: what a cold start with this environment builds. */
  async function coldStart(overrides: string): Promise<Api> {
    vi.resetModules();
    process.env[env.priceOverrides] = overrides;
    return (await import('../../functions/handlers/api.ts')).handler;
  }

  it('prices the report with the deployment’s table, read at cold start', async () => {
    const api = await coldStart(
      JSON.stringify({ version: 'acme-edp-2026', dynamodb: { perMillionWriteUnits: 0.5 } }),
    );
    delete process.env[env.priceOverrides];
    const report = await call(api, 'GET', `/v1/reports/cost${RANGE}`, acmeAdmin);
    expect(report.status).toBe(200);
    // dynamodb.wru 1,600,000 × $0.50/1M = $0.80, + $0.002 as before, + 16 counter writes × 2 × $0.50/1M
    expect(report.body.lineItems[0]).toMatchObject({
      meter: 'dynamodb.wru',
      unitPrice: 0.0000005,
      cost: 0.8,
    });
    expect(report.body.total).toBe(0.802016);
    expect(report.body.priceTable).toEqual({ version: 'acme-edp-2026', date: PRICE_TABLE.date });
  });

  it('fails the cold start on overrides that are not valid', async () => {
    await expect(coldStart('{"dynamodb": {"perMillionWriteUnits": -1}}')).rejects.toThrow(
      /DESKLESS_PRICE_OVERRIDES: invalid price overrides: dynamodb.perMillionWriteUnits must not be negative/,
    );
    await expect(coldStart('not json')).rejects.toThrow(/DESKLESS_PRICE_OVERRIDES is not JSON/);
  });
});
