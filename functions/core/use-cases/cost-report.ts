import { env } from '../../topology.ts';
import type { Caller } from '../caller.ts';
import { bill, type FixedItem, type LineItem } from '../cost/bill.ts';
import { type DeploymentFootprint, deploymentFootprint, NOTHING_FIXED } from '../cost/footprint.ts';
import { isMeter, METER_NAMES, type Meter, type Usage } from '../cost/meters.ts';
import { PRICE_TABLE, type PriceTable, priceTableWith } from '../cost/price-table.ts';
import { DomainError, type FieldError } from '../errors.ts';
import type { UsageStore } from '../ports.ts';

/**
 * The finance report (`GET /v1/reports/cost`): a tenant's usage counters over a range of days, summed per meter
 * and priced with the deployment's price table. The tenant's `total` is its usage only; the deployment's fixed
 * monthly part is shown beside it, prorated to the range, and never added to one tenant's total.
 */

/** The longest range a report covers, in days (a leap year). */
export const MAX_REPORT_DAYS = 366;

/** The counter a report divides by: tickets created in the range. */
const TICKETS_COUNTER = 'tickets.created';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Epoch ms of a calendar day (UTC midnight), or null when `day` is not a real YYYY-MM-DD date. */
function dayStart(day: string): number | null {
  const match = ISO_DAY.exec(day);
  if (!match) return null;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const back = new Date(0);
  // setUTCFullYear takes years below 100 as they are (Date.UTC would read 0050 as 1950).
  back.setUTCFullYear(year, month - 1, date);
  // 2026-02-30 rolls over to March: a day that does not survive the round trip does not exist.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== date) {
    return null;
  }
  return back.getTime();
}

/** Days from `from` to `to`, both included (1 for a single day); only for a valid range. */
export function daysInRange(from: string, to: string): number {
  const [start, end] = [dayStart(from), dayStart(to)];
  if (start === null || end === null) throw new Error(`not a range of days: ${from}..${to}`);
  return Math.round((end - start) / DAY_MS) + 1;
}

/**
 * What is wrong with a report's range, by query parameter: each day must be a real YYYY-MM-DD date, `from` no
 * later than `to`, and the range at most MAX_REPORT_DAYS days. Empty when the range is good. The HTTP contract
 * answers these with a 400; the use case checks again for other callers.
 */
export function reportRangeErrors(from: string, to: string): FieldError[] {
  const errors: FieldError[] = [];
  const start = dayStart(from);
  const end = dayStart(to);
  if (start === null) errors.push({ path: 'from', message: 'must be a date, YYYY-MM-DD' });
  if (end === null) errors.push({ path: 'to', message: 'must be a date, YYYY-MM-DD' });
  if (start === null || end === null) return errors;
  if (start > end) errors.push({ path: 'to', message: `must not be before from (${from})` });
  else if (daysInRange(from, to) > MAX_REPORT_DAYS) {
    errors.push({
      path: 'to',
      message: `must be at most ${MAX_REPORT_DAYS} days from ${from} (both included)`,
    });
  }
  return errors;
}

/** Who asks for a report: a tenant's admin key (its own tenant only) or the operator key (any tenant, named). */
export type CostReportReader = Caller | 'operator';

export interface CostReportInput {
  readonly from: string;
  readonly to: string;
  /** The tenant reported on: required with the operator key; an admin key may only name its own. */
  readonly tenant?: string | undefined;
}

/** The report, the shape of `GET /v1/reports/cost`. */
export interface CostReport {
  readonly from: string;
  readonly to: string;
  /** One per meter the counters hold a quantity for, in the meters' order. */
  readonly lineItems: readonly LineItem[];
  /** The tenant's usage cost: the line items summed at full precision, rounded to 6 decimals. No fixed part. */
  readonly total: number;
  /** The deployment's fixed monthly cost, prorated to the range's days; shared by all tenants, not in `total`. */
  readonly fixedMonthly: { readonly items: readonly FixedItem[]; readonly total: number };
  /** Tickets the tenant created in the range (the `tickets.created` counter). */
  readonly tickets: number;
  /** `total / tickets`, null without tickets. */
  readonly costPerTicket: number | null;
  readonly priceTable: { readonly version: string; readonly date: string };
  /**
   * The meters the tenant's counters hold for the range, in the meters' order. A meter not listed was not
   * measured (or not used) in the range: it has no line item, which does not mean it cost nothing.
   */
  readonly measured: readonly Meter[];
}

/** The tenant a reader may report on; throws when the reader may not, or named none it must name. */
function tenantFor(reader: CostReportReader, requested: string | undefined): string {
  if (reader === 'operator') {
    if (requested === undefined || requested === '') {
      throw new DomainError('validation', 'the operator key reports on one tenant: name it with ?tenant=', [
        { path: 'tenant', message: 'is required with the operator key' },
      ]);
    }
    return requested;
  }
  if (reader.role !== 'admin') {
    throw new DomainError('forbidden', 'only admin and operator keys read cost reports');
  }
  if (requested !== undefined && requested !== reader.tenantId) {
    throw new DomainError('forbidden', 'an admin key reads only its own tenant’s cost report', [
      { path: 'tenant', message: 'must be the key’s own tenant (or left out)' },
    ]);
  }
  return reader.tenantId;
}

/**
 * A tenant's pay-per-use cost over a range of days. Every meter the counters hold is priced, whatever measures
 * it (events, DynamoDB capacity, Lambda time and logs, S3 writes, Bedrock tokens…), metering's own counter
 * writes included, as their own line (`metering.counter_writes`); other counters (tickets solved,
 * classifications by the built-in classifier) are not money and are left out, except `tickets.created`, which
 * the cost per ticket divides by.
 */
export function makeCostReport(deps: {
  readonly usage: UsageStore;
  /** The deployment's price table (see `deploymentPriceTable`); list prices by default. */
  readonly prices?: PriceTable | undefined;
  /** What the deployment keeps running; counted from the topology by default. */
  readonly footprint?: DeploymentFootprint | undefined;
}) {
  const prices = deps.prices ?? PRICE_TABLE;
  const footprint = deps.footprint ?? deploymentFootprint();
  return async function costReport(reader: CostReportReader, input: CostReportInput): Promise<CostReport> {
    const errors = reportRangeErrors(input.from, input.to);
    if (errors.length > 0) {
      throw new DomainError(
        'validation',
        `not a report range: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        errors,
      );
    }
    const tenantId = tenantFor(reader, input.tenant);
    const { from, to } = input;
    const counts = await deps.usage.read(tenantId, from, to);

    const usage: Record<string, number> = {};
    let tickets = 0;
    for (const [day, dayCounts] of counts) {
      if (day < from || day > to) continue;
      for (const [counter, quantity] of Object.entries(dayCounts)) {
        // Counters only ever grow by positive amounts; anything else is not a quantity to bill.
        if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0) continue;
        if (counter === TICKETS_COUNTER) tickets += quantity;
        else if (isMeter(counter)) usage[counter] = (usage[counter] ?? 0) + quantity;
      }
    }
    const measured = METER_NAMES.filter((meter) => usage[meter] !== undefined);
    const options = { tickets, days: daysInRange(from, to) };
    const deployment = bill(usage as Usage, prices, { ...options, footprint });
    const tenantOnly = bill(usage as Usage, prices, { ...options, footprint: NOTHING_FIXED });
    return {
      from,
      to,
      lineItems: tenantOnly.lineItems,
      total: tenantOnly.total,
      fixedMonthly: deployment.fixedMonthly,
      tickets,
      costPerTicket: tenantOnly.costPerTicket,
      priceTable: tenantOnly.priceTable,
      measured,
    };
  };
}

/**
 * The deployment's price table: list prices (PRICE_TABLE), or the JSON overrides of `DESKLESS_PRICE_OVERRIDES`
 * applied with `priceTableWith` (another region, negotiated rates, the Bedrock model triage pays for), e.g.
 * `{"version": "acme-edp-2026", "dynamodb": {"perMillionWriteUnits": 0.7625}}`. Read once per cold start: text
 * that is not JSON or overrides that are not valid are a `validation` DomainError naming the variable, so a
 * misconfigured deployment fails loudly at start rather than reporting wrong figures.
 */
export function deploymentPriceTable(overrides: string | undefined): PriceTable {
  if (overrides === undefined || overrides.trim() === '') return PRICE_TABLE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(overrides);
  } catch (error) {
    throw new DomainError('validation', `${env.priceOverrides} is not JSON: ${(error as Error).message}`, [
      { path: env.priceOverrides, message: 'must be a JSON object of price overrides' },
    ]);
  }
  try {
    return priceTableWith(parsed);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw new DomainError(
      'validation',
      `${env.priceOverrides}: ${error.message}`,
      error.fieldErrors.map((e) => ({
        path: e.path ? `${env.priceOverrides}.${e.path}` : env.priceOverrides,
        message: e.message,
      })),
    );
  }
}
