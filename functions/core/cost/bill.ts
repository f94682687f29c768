import { DomainError, type FieldError } from '../errors.ts';
import { alarmCount, type DeploymentFootprint, deploymentFootprint } from './footprint.ts';
import {
  isMeter,
  METER_NAMES,
  METERS,
  type Meter,
  type MeterDefinition,
  type Service,
  type Usage,
} from './meters.ts';
import type { PriceTable } from './price-table.ts';

/** Fixed prices are per month; a period of `days` pays `days / 30` of them. */
export const DAYS_PER_MONTH = 30;

export interface LineItem {
  readonly service: Service;
  readonly meter: Meter;
  readonly quantity: number;
  readonly unit: string;
  /** Price of one unit, exactly as the table gives it (rates are often below a millionth of a dollar). */
  readonly unitPrice: number;
  /** quantity × unitPrice, rounded to 6 decimals. */
  readonly cost: number;
}

export interface FixedItem {
  readonly what: string;
  /** Resource-months in the period: the resource count × days / 30. */
  readonly quantity: number;
  /** Price per resource-month. */
  readonly unitPrice: number;
  readonly cost: number;
}

/**
 * A bill for a period, the shape of `GET /v1/reports/cost`. `total` is everything: the usage line items and
 * the fixed part; `costPerTicket` divides it by the tickets of the period (null without tickets). Money is
 * summed at full precision and rounded to 6 decimals only here, so a total can differ from the sum of its
 * rounded items by a few millionths of a dollar.
 */
export interface Bill {
  readonly lineItems: readonly LineItem[];
  readonly total: number;
  readonly fixedMonthly: { readonly items: readonly FixedItem[]; readonly total: number };
  readonly tickets: number;
  readonly costPerTicket: number | null;
  readonly priceTable: { readonly version: string; readonly date: string };
}

export interface BillOptions {
  /** Tickets created in the period: what the cost per ticket divides by. */
  readonly tickets: number;
  /** Length of the period in days (30 for a month). */
  readonly days: number;
  /** What the deployment keeps running; by default counted from the topology. */
  readonly footprint?: DeploymentFootprint;
}

/** Rounds money for output: 6 decimals (a millionth of a dollar). */
export const roundMoney = (amount: number): number => Math.round(amount * 1e6) / 1e6;
/** Unit prices keep 12 decimals: enough for any rate, without binary noise (0.2 / 1e6 = 2e-7, not 1.9999e-7). */
const roundRate = (rate: number): number => Number(rate.toPrecision(12));

function validate(usage: unknown, options: BillOptions): Usage {
  const errors: FieldError[] = [];
  if (usage === null || typeof usage !== 'object' || Array.isArray(usage)) {
    errors.push({ path: 'usage', message: 'must be an object of meter → quantity' });
  } else {
    for (const [meter, quantity] of Object.entries(usage)) {
      if (!isMeter(meter)) errors.push({ path: `usage.${meter}`, message: 'is not a meter' });
      else if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity < 0) {
        errors.push({ path: `usage.${meter}`, message: 'must be a finite number, 0 or more' });
      }
    }
  }
  if (!Number.isFinite(options.tickets) || options.tickets < 0) {
    errors.push({ path: 'tickets', message: 'must be a finite number, 0 or more' });
  }
  if (!Number.isFinite(options.days) || options.days <= 0) {
    errors.push({ path: 'days', message: 'must be a number of days above 0' });
  }
  if (errors.length > 0) {
    throw new DomainError(
      'validation',
      `cannot bill: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return usage as Usage;
}

/** The fixed part: what the deployment pays by the month however little it is used, itemised. */
export function fixedItems(footprint: DeploymentFootprint, prices: PriceTable, days: number): FixedItem[] {
  const months = days / DAYS_PER_MONTH;
  const a = footprint.alarms;
  const alarms = alarmCount(footprint);
  const item = (what: string, count: number, unitPrice: number): FixedItem => ({
    what,
    quantity: count * months,
    unitPrice,
    cost: count * months * unitPrice,
  });
  return [
    item(
      `CloudWatch alarms (${alarms}: ${a.queueDeadLetters + a.outboxDeadLetter + a.scheduleDeadLetters} dead-letter queues, ` +
        `${a.functionErrors} function errors, ${a.api5xx} API 5xx, ${a.outboxLag} outbox lag), alarm-months`,
      alarms,
      prices.cloudWatch.perAlarmMonth,
    ),
    item(
      `Secrets Manager secrets (${footprint.secrets}: operator API key, reply-address signing key), secret-months`,
      footprint.secrets,
      prices.secretsManager.perSecretMonth,
    ),
    item(
      `CloudWatch dashboards (${footprint.dashboards}: the deployment's, with more than 50 metrics), dashboard-months`,
      footprint.dashboards,
      prices.cloudWatch.perDashboardMonth,
    ),
    item(
      `EventBridge Scheduler schedules (${footprint.schedules}: the sweeper; no charge per schedule, its invocations are metered)`,
      footprint.schedules,
      0,
    ),
    item(
      `KMS customer managed keys (${footprint.kmsKeys}: SQS- and S3-managed encryption, DynamoDB's AWS managed key), key-months`,
      footprint.kmsKeys,
      prices.kms.perKeyMonth,
    ),
  ];
}

/**
 * Prices a period's usage. Pure: the same usage and table always give the same bill. Every meter with a
 * quantity above 0 is a line item, in the meters' order (a meter priced at 0, such as an unpriced model, still
 * shows its quantity). Bad input (an unknown meter, a negative quantity, no days) is a `validation` error.
 */
export function bill(usage: Usage, prices: PriceTable, options: BillOptions): Bill {
  const checked = validate(usage, options);
  const lineItems: LineItem[] = [];
  let usageTotal = 0;
  for (const meter of METER_NAMES) {
    const quantity = checked[meter];
    if (quantity === undefined || quantity === 0) continue;
    const definition: MeterDefinition = METERS[meter];
    const unitPrice = definition.unitPrice(prices);
    const cost = quantity * unitPrice;
    usageTotal += cost;
    lineItems.push({
      service: definition.service,
      meter,
      quantity,
      unit: definition.billedUnit?.(prices) ?? definition.unit,
      unitPrice: roundRate(unitPrice),
      cost: roundMoney(cost),
    });
  }
  const fixed = fixedItems(options.footprint ?? deploymentFootprint(), prices, options.days);
  const fixedTotal = fixed.reduce((sum, item) => sum + item.cost, 0);
  const total = usageTotal + fixedTotal;
  return {
    lineItems,
    total: roundMoney(total),
    fixedMonthly: {
      items: fixed.map((item) => ({
        ...item,
        unitPrice: roundRate(item.unitPrice),
        cost: roundMoney(item.cost),
      })),
      total: roundMoney(fixedTotal),
    },
    tickets: options.tickets,
    costPerTicket: options.tickets > 0 ? roundMoney(total / options.tickets) : null,
    priceTable: { version: prices.version, date: prices.date },
  };
}
