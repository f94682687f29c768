import { describe, expect, it } from 'vitest';
import { bill, roundMoney } from '../../../functions/core/cost/bill.ts';
import { compareWithSeats, ZENDESK_SUITE_TEAM } from '../../../functions/core/cost/comparison.ts';
import { type DeploymentFootprint, NOTHING_FIXED } from '../../../functions/core/cost/footprint.ts';
import { freeTierAllowance } from '../../../functions/core/cost/free-tier.ts';
import { PRICE_TABLE, priceTableWith } from '../../../functions/core/cost/price-table.ts';
import { DomainError } from '../../../functions/core/errors.ts';

/** The footprint of the stacks before metering: 5 queues, 9 functions, 1 schedule. Pinned, not read from lib/. */
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

describe('bill (hand-computed, price table 2025-06-us-east-1)', () => {
  it('prices each meter and itemises the fixed month', () => {
    const result = bill(
      {
        'lambda.requests': 1_000_000,
        'lambda.gb_seconds': 400_000,
        'dynamodb.wru': 2_000_000,
        'ses.mails_in': 1_000,
        'ses.chunks_in': 1_000,
        'bedrock.calls': 10,
      },
      PRICE_TABLE,
      { tickets: 1_000, days: 30, footprint: FOOTPRINT },
    );
    // lambda.requests   1,000,000 × $0.20/1M         = $0.20
    // lambda.gb_seconds   400,000 × $0.0000133334    = $5.33336
    // dynamodb.wru      2,000,000 × $0.625/1M        = $1.25
    // ses.mails_in          1,000 × $0.10/1,000      = $0.10
    // ses.chunks_in         1,000 × $0.09/1,000      = $0.09
    // bedrock.calls            10 × $0 (per token)   = $0          usage = $6.97336
    expect(result.lineItems).toEqual([
      {
        service: 'lambda',
        meter: 'lambda.requests',
        quantity: 1_000_000,
        unit: 'requests',
        unitPrice: 0.0000002,
        cost: 0.2,
      },
      {
        service: 'lambda',
        meter: 'lambda.gb_seconds',
        quantity: 400_000,
        unit: 'GB-seconds',
        unitPrice: 0.0000133334,
        cost: 5.33336,
      },
      {
        service: 'dynamodb',
        meter: 'dynamodb.wru',
        quantity: 2_000_000,
        unit: 'write request units',
        unitPrice: 0.000000625,
        cost: 1.25,
      },
      { service: 'ses', meter: 'ses.mails_in', quantity: 1_000, unit: 'mails', unitPrice: 0.0001, cost: 0.1 },
      {
        service: 'ses',
        meter: 'ses.chunks_in',
        quantity: 1_000,
        unit: '256 KB chunks',
        unitPrice: 0.00009,
        cost: 0.09,
      },
      { service: 'bedrock', meter: 'bedrock.calls', quantity: 10, unit: 'calls', unitPrice: 0, cost: 0 },
    ]);
    // alarms: 5 + 1 + 1 DLQs, 9 function errors, API 5xx, outbox lag = 18 × $0.10 = $1.80
    // secrets: 2 × $0.40 = $0.80; the schedule: $0; KMS keys: 0 × $1 = $0          fixed = $2.60
    expect(result.fixedMonthly.items.map((i) => [i.quantity, i.unitPrice, i.cost])).toEqual([
      [18, 0.1, 1.8],
      [2, 0.4, 0.8],
      [0, 3, 0],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(result.fixedMonthly.items[0]!.what).toMatch(/18: 7 dead-letter queues, 9 function errors/);
    expect(result.fixedMonthly.total).toBe(2.6);
    // total = 6.97336 + 2.60 = 9.57336; per ticket = 9.57336 / 1,000 = 0.00957336 → 0.009573
    expect(result.total).toBe(9.57336);
    expect(result.tickets).toBe(1_000);
    expect(result.costPerTicket).toBe(0.009573);
    expect(result.priceTable).toEqual({ version: '2025-06-us-east-1', date: '2025-06-01' });
  });

  it('keeps full precision inside and rounds to 6 decimals only in the output', () => {
    const result = bill({ 'lambda.requests': 1, 'sqs.requests': 1 }, PRICE_TABLE, {
      tickets: 0,
      days: 30,
      footprint: NOTHING_FIXED,
    });
    // each item: 1 × $0.0000002 and 1 × $0.0000004 → both round to $0.000000,
    // but the total is 0.0000006 at full precision → $0.000001
    expect(result.lineItems.map((i) => i.cost)).toEqual([0, 0]);
    expect(result.lineItems.map((i) => i.unitPrice)).toEqual([0.0000002, 0.0000004]);
    expect(result.total).toBe(0.000001);
    expect(result.costPerTicket).toBeNull();
    expect(roundMoney(1.23456749)).toBe(1.234567);
    expect(roundMoney(1.2345675)).toBe(1.234568);
  });

  it('prorates the fixed part to the period and leaves out meters not used', () => {
    const result = bill({ 'api.requests': 0 }, PRICE_TABLE, { tickets: 10, days: 15, footprint: FOOTPRINT });
    expect(result.lineItems).toEqual([]);
    // 15 of 30 days: 18 alarms × 0.5 month × $0.10 = $0.90; 2 secrets × 0.5 × $0.40 = $0.40
    expect(result.fixedMonthly.items.map((i) => [i.quantity, i.cost])).toEqual([
      [9, 0.9],
      [1, 0.4],
      [0, 0],
      [0.5, 0],
      [0, 0],
    ]);
    expect(result.total).toBe(1.3);
    expect(result.costPerTicket).toBe(0.13);
  });

  it('prices with a deployment’s own table', () => {
    const negotiated = priceTableWith({ dynamodb: { perMillionWriteUnits: 0.5 } });
    const result = bill({ 'dynamodb.wru': 4_000_000 }, negotiated, {
      tickets: 1,
      days: 30,
      footprint: NOTHING_FIXED,
    });
    // 4,000,000 × $0.50/1M = $2.00
    expect(result.total).toBe(2);
    expect(result.priceTable.version).toBe('2025-06-us-east-1+overrides');
  });

  it('refuses usage it cannot price, as a validation error naming each problem', () => {
    const attempt = (usage: unknown, options = { tickets: 1, days: 30 }) => {
      try {
        bill(usage as never, PRICE_TABLE, options);
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe('validation');
        return (error as DomainError).fieldErrors.map((e) => e.path);
      }
      throw new Error('bill accepted bad input');
    };
    expect(attempt({ 'lambda.seconds': 3 })).toEqual(['usage.lambda.seconds']);
    expect(attempt({ 'api.requests': -1, 'sqs.requests': Number.NaN })).toEqual([
      'usage.api.requests',
      'usage.sqs.requests',
    ]);
    expect(attempt({ 'api.requests': '5' })).toEqual(['usage.api.requests']);
    expect(attempt(null)).toEqual(['usage']);
    expect(attempt({}, { tickets: -1, days: 0 })).toEqual(['tickets', 'days']);
  });
});

describe('free tier, kept apart from the bill', () => {
  it('values the always-free allowances used (hand-computed)', () => {
    const free = freeTierAllowance(
      {
        'lambda.requests': 3_000_000,
        'lambda.gb_seconds': 100_000,
        'sqs.requests': 500_000,
        'api.requests': 9,
      },
      PRICE_TABLE,
      { days: 30, footprint: FOOTPRINT },
    );
    // Lambda requests: 1M of 3M × $0.20/1M = $0.20; GB-s: all 100,000 × $0.0000133334 = $1.33334;
    // SQS: all 500,000 × $0.40/1M = $0.20; alarms: 10 of 18 × $0.10 = $1.00; HTTP API has no free tier.
    expect(free.items.map((i) => [i.what, i.quantity, i.value])).toEqual([
      ['Lambda requests', 1_000_000, 0.2],
      ['Lambda GB-seconds', 100_000, 1.33334],
      ['SQS requests', 500_000, 0.2],
      ['CloudWatch alarms', 10, 1],
    ]);
    expect(free.total).toBe(2.73334);
  });
});

describe('the per-seat comparison', () => {
  it('prices the same team on Zendesk Suite Team seats', () => {
    // 20 agents × $55 = $1,100 a month; Deskless $82.96 → $1,017.04 less, 7.5 % of it
    const seats = compareWithSeats(82.96, 20, { days: 30 });
    expect(seats.plan).toBe(ZENDESK_SUITE_TEAM);
    expect(seats.seatsCost).toBe(1100);
    expect(seats.difference).toBe(1017.04);
    expect(seats.ratio).toBeCloseTo(0.075418, 6);
    expect(compareWithSeats(10, 0, { days: 30 }).ratio).toBeNull();
  });
});
