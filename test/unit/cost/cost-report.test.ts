import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import type { DeploymentFootprint } from '../../../functions/core/cost/footprint.ts';
import { PRICE_TABLE } from '../../../functions/core/cost/price-table.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import type { DayUsage } from '../../../functions/core/metering.ts';
import {
  daysInRange,
  deploymentPriceTable,
  makeCostReport,
  reportRangeErrors,
} from '../../../functions/core/use-cases/cost-report.ts';
import { makeApi } from '../../../functions/http/api.ts';
import { apiEvent, type EventOptions } from '../../support/api-event.ts';
import { MemoryUsageStore, memoryPorts } from '../../support/in-memory-ports.ts';

/** Pinned, not read from the topology: 18 alarms, 2 secrets, 1 schedule, no KMS key. */
const FOOTPRINT: DeploymentFootprint = {
  alarms: {
    queueDeadLetters: 5,
    outboxDeadLetter: 1,
    scheduleDeadLetters: 1,
    functionErrors: 9,
    api5xx: 1,
    outboxLag: 1,
  },
  secrets: 2,
  dashboards: 0,
  schedules: 1,
  kmsKeys: 0,
  polledQueues: 5,
};

const admin = (tenantId: string): Caller => ({
  tenantId,
  role: 'admin',
  keyId: 'key_admin',
  actor: { type: 'agent', id: 'key_admin' },
});

/** Counters of one tenant: `{ day → counts }`. */
async function seed(store: MemoryUsageStore, tenantId: string, days: Record<string, DayUsage>) {
  await store.add(new Map([[tenantId, new Map(Object.entries(days))]]));
}

let usage: MemoryUsageStore;
let report: ReturnType<typeof makeCostReport>;
beforeEach(() => {
  usage = new MemoryUsageStore();
  report = makeCostReport({ usage, prices: PRICE_TABLE, footprint: FOOTPRINT });
});

describe('cost report (hand-computed, price table 2025-06-us-east-1)', () => {
  it('sums three days of counters per meter and prices them; the fixed part is shown but not in the total', async () => {
    await seed(usage, 'acme', {
      '2026-03-01': { 'events.published': 400, 'ses.mails_in': 4, 'tickets.created': 2 },
      '2026-03-02': { 'events.published': 350, 'ses.mails_in': 6, 'tickets.solved': 1 },
      '2026-03-03': { 'events.published': 250, 'tickets.created': 2 },
      // Outside the range, and another tenant's: not counted.
      '2026-03-04': { 'events.published': 9_999, 'tickets.created': 9 },
      '2026-02-28': { 'ses.mails_in': 99 },
    });
    await seed(usage, 'globex', { '2026-03-02': { 'events.published': 5_000, 'tickets.created': 50 } });

    const result = await report(admin('acme'), { from: '2026-03-01', to: '2026-03-03' });

    // events.published  1,000 × $1.00/1M      = $0.001
    // ses.mails_in         10 × $0.10/1,000   = $0.001          total = $0.002
    expect(result).toEqual({
      from: '2026-03-01',
      to: '2026-03-03',
      lineItems: [
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
      ],
      total: 0.002,
      // 3 days = 3/30 of a month: 18 alarms × 0.1 × $0.10 = $0.18; 2 secrets × 0.1 × $0.40 = $0.08; $0.26 in all
      fixedMonthly: {
        items: [
          {
            what: expect.stringMatching(/^CloudWatch alarms \(18:/),
            quantity: expect.any(Number),
            unitPrice: 0.1,
            cost: 0.18,
          },
          {
            what: expect.stringMatching(/^Secrets Manager/),
            quantity: expect.any(Number),
            unitPrice: 0.4,
            cost: 0.08,
          },
          { what: expect.stringMatching(/^CloudWatch dashboards/), quantity: 0, unitPrice: 3, cost: 0 },
          {
            what: expect.stringMatching(/^EventBridge Scheduler/),
            quantity: expect.any(Number),
            unitPrice: 0,
            cost: 0,
          },
          { what: expect.stringMatching(/^KMS/), quantity: 0, unitPrice: 1, cost: 0 },
        ],
        total: 0.26,
      },
      // 4 tickets created: $0.002 / 4 = $0.0005 each (the fixed part is not divided in)
      tickets: 4,
      costPerTicket: 0.0005,
      priceTable: { version: '2025-06-us-east-1', date: '2025-06-01' },
      measured: ['events.published', 'ses.mails_in'],
    });
    expect(result.fixedMonthly.items.map((item) => item.quantity)).toEqual([
      expect.closeTo(1.8, 9),
      expect.closeTo(0.2, 9),
      0,
      expect.closeTo(0.1, 9),
      0,
    ]);
  });

  it('prices whatever meters the counters hold, fractional shares included, and ignores counters that are not money', async () => {
    await seed(usage, 'acme', {
      '2026-01-31': { 'lambda.requests': 6, 'lambda.gb_seconds': 400.5, 'api.requests': 2_000 },
      '2026-02-01': {
        'lambda.requests': 4,
        'lambda.gb_seconds': 599.5,
        'api.requests': 3_000,
        'dynamodb.wru': 2_000_000,
        'metering.counter_writes': 12,
        'tickets.solved': 2,
        'triage.builtin_calls': 3,
        'some.future_counter': 7,
      } as DayUsage,
    });
    const result = await report(admin('acme'), { from: '2026-01-31', to: '2026-02-01' });
    // lambda.requests            10 × $0.20/1M             = $0.000002
    // lambda.gb_seconds       1,000 × $0.0000133334         = $0.0133334 (shown rounded: $0.013333)
    // api.requests            5,000 × $1.00/1M              = $0.005
    // dynamodb.wru        2,000,000 × $0.625/1M             = $1.25
    // metering.counter_writes    12 × 2 WRU × $0.625/1M     = $0.000015 (metering's own line)
    // total at full precision $1.2683504 → $1.26835
    expect(result.lineItems.map((i) => [i.meter, i.quantity, i.unitPrice, i.cost])).toEqual([
      ['lambda.requests', 10, 0.0000002, 0.000002],
      ['lambda.gb_seconds', 1_000, 0.0000133334, 0.013333],
      ['api.requests', 5_000, 0.000001, 0.005],
      ['dynamodb.wru', 2_000_000, 0.000000625, 1.25],
      ['metering.counter_writes', 12, 0.00000125, 0.000015],
    ]);
    expect(result.total).toBe(1.26835);
    expect(result.measured).toEqual([
      'lambda.requests',
      'lambda.gb_seconds',
      'api.requests',
      'dynamodb.wru',
      'metering.counter_writes',
    ]);
    // No tickets created: no cost per ticket. 2 days of the fixed part: (18 × $0.10 + 2 × $0.40) × 2/30.
    expect(result.tickets).toBe(0);
    expect(result.costPerTicket).toBeNull();
    expect(result.fixedMonthly.total).toBe(0.173333);
  });

  it('reports an empty range as nothing measured and nothing owed', async () => {
    const result = await report(admin('acme'), { from: '2026-05-01', to: '2026-05-01' });
    expect(result).toMatchObject({ lineItems: [], total: 0, tickets: 0, costPerTicket: null, measured: [] });
    // One day of the fixed part: $2.60 / 30.
    expect(result.fixedMonthly.total).toBe(0.086667);
  });

  it('prices with the deployment’s table and names its version', async () => {
    await seed(usage, 'acme', { '2026-03-01': { 'ses.mails_in': 10, 'tickets.created': 1 } });
    const prices = deploymentPriceTable(
      JSON.stringify({ version: 'acme-edp-2026', date: '2026-01-01', ses: { inboundPerMail: 0.0002 } }),
    );
    const priced = makeCostReport({ usage, prices, footprint: FOOTPRINT });
    const result = await priced(admin('acme'), { from: '2026-03-01', to: '2026-03-01' });
    // 10 × $0.20/1,000 = $0.002
    expect(result.lineItems).toEqual([
      { service: 'ses', meter: 'ses.mails_in', quantity: 10, unit: 'mails', unitPrice: 0.0002, cost: 0.002 },
    ]);
    expect(result.total).toBe(0.002);
    expect(result.costPerTicket).toBe(0.002);
    expect(result.priceTable).toEqual({ version: 'acme-edp-2026', date: '2026-01-01' });
  });
});

describe('report ranges', () => {
  it('counts days with both ends included', () => {
    expect(daysInRange('2026-03-01', '2026-03-01')).toBe(1);
    expect(daysInRange('2026-02-27', '2026-03-02')).toBe(4);
    expect(daysInRange('2024-01-01', '2024-12-31')).toBe(366);
    expect(daysInRange('0050-02-28', '0050-03-01')).toBe(2);
  });

  it('names the parameter of every bad day or range', () => {
    expect(reportRangeErrors('2024-01-01', '2024-12-31')).toEqual([]);
    expect(reportRangeErrors('2026-02-30', '2026-13-01')).toEqual([
      { path: 'from', message: 'must be a date, YYYY-MM-DD' },
      { path: 'to', message: 'must be a date, YYYY-MM-DD' },
    ]);
    expect(reportRangeErrors('2026-3-1', '2026-03-01').map((e) => e.path)).toEqual(['from']);
    expect(reportRangeErrors('2024-02-29', '2025-02-29').map((e) => e.path)).toEqual(['to']);
    expect(reportRangeErrors('2026-03-02', '2026-03-01')).toEqual([
      { path: 'to', message: 'must not be before from (2026-03-02)' },
    ]);
    // 2025-01-01 … 2026-01-02 is 367 days.
    expect(reportRangeErrors('2025-01-01', '2026-01-02')).toEqual([
      { path: 'to', message: 'must be at most 366 days from 2025-01-01 (both included)' },
    ]);
  });

  it('refuses a bad range in the use case too, as a validation error', async () => {
    const error = await report(admin('acme'), { from: '2026-03-02', to: '2026-03-01' }).catch((e) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'validation', fieldErrors: [{ path: 'to' }] });
  });
});

describe('who may read whose report', () => {
  beforeEach(async () => {
    await seed(usage, 'acme', { '2026-03-01': { 'events.published': 1_000 } });
    await seed(usage, 'globex', { '2026-03-01': { 'events.published': 3_000 } });
  });
  const range = { from: '2026-03-01', to: '2026-03-01' };

  it('lets an admin read its own tenant, named or not, and no other', async () => {
    expect((await report(admin('acme'), range)).total).toBe(0.001);
    expect((await report(admin('acme'), { ...range, tenant: 'acme' })).total).toBe(0.001);
    await expect(report(admin('acme'), { ...range, tenant: 'globex' })).rejects.toMatchObject({
      code: 'forbidden',
      fieldErrors: [{ path: 'tenant' }],
    });
    await expect(report({ ...admin('acme'), role: 'agent' }, range)).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('lets the operator read any tenant it names', async () => {
    expect((await report('operator', { ...range, tenant: 'globex' })).total).toBe(0.003);
    expect((await report('operator', { ...range, tenant: 'acme' })).total).toBe(0.001);
    await expect(report('operator', range)).rejects.toMatchObject({
      code: 'validation',
      fieldErrors: [{ path: 'tenant' }],
    });
  });
});

describe('deployment price table (DESKLESS_PRICE_OVERRIDES)', () => {
  it('is the list table when the variable is unset or empty', () => {
    expect(deploymentPriceTable(undefined)).toBe(PRICE_TABLE);
    expect(deploymentPriceTable('  ')).toBe(PRICE_TABLE);
  });

  it('marks changed prices without a version as overrides', () => {
    const prices = deploymentPriceTable('{"dynamodb": {"perMillionWriteUnits": 0.7625}}');
    expect(prices.dynamodb.perMillionWriteUnits).toBe(0.7625);
    expect(prices.version).toBe('2025-06-us-east-1+overrides');
  });

  it('refuses text that is not JSON and overrides that are not valid, naming the variable', () => {
    expect(() => deploymentPriceTable('{ses:')).toThrow(/DESKLESS_PRICE_OVERRIDES is not JSON/);
    const error = (() => {
      try {
        deploymentPriceTable('{"ses": {"inboundPerMail": -1}, "nope": 1}');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).fieldErrors.map((e) => e.path)).toEqual([
      'DESKLESS_PRICE_OVERRIDES.ses.inboundPerMail',
      'DESKLESS_PRICE_OVERRIDES.nope',
    ]);
  });
});

describe('GET /v1/reports/cost', () => {
  let ports: ReturnType<typeof memoryPorts>;
  let api: ReturnType<typeof makeApi>;
  const logger = { error: () => {}, warn: () => {} };
  beforeEach(async () => {
    ports = memoryPorts();
    api = makeApi(ports, logger, '0.0.0-test');
    await seed(ports.usage, 'acme', {
      '2026-03-01': { 'events.published': 600, 'ses.mails_in': 10, 'tickets.created': 2 },
      '2026-03-03': { 'events.published': 400 },
    });
    await seed(ports.usage, 'globex', { '2026-03-02': { 'events.published': 2_000, 'tickets.created': 1 } });
  });

  async function get(query: string, auth: EventOptions['auth']) {
    const result = await api(apiEvent('GET', `/v1/reports/cost${query}`, { auth }));
    return {
      status: result.statusCode!,
      contentType: result.headers?.['content-type'],
      body: JSON.parse(result.body as string),
    };
  }

  const acmeAdmin = { tenantId: 'acme', role: 'admin' };
  const operator = { tenantId: '', role: 'operator', keyId: 'operator' };

  it('answers an admin with its tenant’s report', async () => {
    const response = await get('?from=2026-03-01&to=2026-03-03', acmeAdmin);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(
      [
        'costPerTicket',
        'fixedMonthly',
        'from',
        'lineItems',
        'measured',
        'priceTable',
        'tickets',
        'to',
        'total',
      ].sort(),
    );
    expect(response.body).toMatchObject({
      from: '2026-03-01',
      to: '2026-03-03',
      total: 0.002,
      tickets: 2,
      costPerTicket: 0.001,
      measured: ['events.published', 'ses.mails_in'],
      priceTable: { version: PRICE_TABLE.version, date: PRICE_TABLE.date },
    });
    expect(response.body.lineItems.map((i: { meter: string; cost: number }) => [i.meter, i.cost])).toEqual([
      ['events.published', 0.001],
      ['ses.mails_in', 0.001],
    ]);
    expect(response.body.fixedMonthly.total).toBeGreaterThan(0);
  });

  it('lets the operator read any tenant and requires it to name one', async () => {
    const globex = await get('?from=2026-03-01&to=2026-03-03&tenant=globex', operator);
    expect(globex.status).toBe(200);
    expect(globex.body).toMatchObject({ total: 0.002, tickets: 1, costPerTicket: 0.002 });
    const unnamed = await get('?from=2026-03-01&to=2026-03-03', operator);
    expect(unnamed.status).toBe(400);
    expect(unnamed.contentType).toBe('application/problem+json');
    expect(unnamed.body.errors).toEqual([{ path: 'tenant', message: 'is required with the operator key' }]);
  });

  it('forbids an admin another tenant’s report, and agents and channels any', async () => {
    const other = await get('?from=2026-03-01&to=2026-03-03&tenant=globex', acmeAdmin);
    expect(other.status).toBe(403);
    expect(other.contentType).toBe('application/problem+json');
    expect(other.body.type).toBe('/docs#problem-forbidden');
    expect((await get('?from=2026-03-01&to=2026-03-03&tenant=acme', acmeAdmin)).status).toBe(200);
    expect((await get('?from=2026-03-01&to=2026-03-03', { tenantId: 'acme', role: 'agent' })).status).toBe(
      403,
    );
    expect((await get('?from=2026-03-01&to=2026-03-03', { tenantId: 'acme', role: 'channel' })).status).toBe(
      403,
    );
    expect((await get('?from=2026-03-01&to=2026-03-03', null)).status).toBe(401);
  });

  it('answers bad days and ranges with a 400 naming the parameter', async () => {
    const cases: [string, string[] | null][] = [
      ['', ['from', 'to']],
      ['?from=2026-03-01', ['to']],
      ['?to=2026-03-01', ['from']],
      ['?from=2026-02-30&to=2026-03-01', ['from']],
      ['?from=2025-02-29&to=2025-03-01', ['from']],
      ['?from=yesterday&to=today', ['from', 'to']],
      ['?from=2026-03-02&to=2026-03-01', ['to']],
      ['?from=2025-01-01&to=2026-01-02', ['to']],
      ['?from=2026-03-01&to=2026-03-01&tenant=a%23b', ['tenant']],
      // An unknown parameter: refused, named in the message.
      ['?from=2026-03-01&to=2026-03-01&currency=EUR', null],
    ];
    for (const [query, paths] of cases) {
      const response = await get(query, acmeAdmin);
      expect(response.status, query).toBe(400);
      expect(response.contentType).toBe('application/problem+json');
      expect(response.body.type).toBe('/docs#problem-invalid-request');
      if (paths)
        expect(response.body.errors.map((e: { path: string }) => e.path).sort(), query).toEqual(paths);
      else expect(response.body.detail).toMatch(/currency/);
    }
    expect((await get('?from=2025-01-01&to=2025-12-31', acmeAdmin)).status).toBe(200);
  });
});
