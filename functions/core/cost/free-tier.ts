import { DAYS_PER_MONTH, roundMoney } from './bill.ts';
import { alarmCount, type DeploymentFootprint, deploymentFootprint } from './footprint.ts';
import { METERS, type Meter, type Usage } from './meters.ts';
import type { PriceTable } from './price-table.ts';

export interface FreeTierItem {
  readonly what: string;
  /** The allowance used, in the meter's unit (or alarms). */
  readonly quantity: number;
  readonly value: number;
}

/**
 * What AWS's always-free monthly allowances (the price table's `freeTier`) would take off a month's list cost.
 * Kept apart from the bill on purpose: an account has one free tier for all its workloads, so whether this
 * deployment gets it is not the cost model's to know. 12-month new-account offers are not counted.
 */
export function freeTierAllowance(
  usage: Usage,
  prices: PriceTable,
  options: { readonly days: number; readonly footprint?: DeploymentFootprint },
): { readonly items: readonly FreeTierItem[]; readonly total: number } {
  const months = options.days / DAYS_PER_MONTH;
  const items: FreeTierItem[] = [];
  const allow = (what: string, meter: Meter, monthlyAllowance: number) => {
    const quantity = Math.min(usage[meter] ?? 0, monthlyAllowance * months);
    if (quantity > 0) items.push({ what, quantity, value: quantity * METERS[meter].unitPrice(prices) });
  };
  allow('Lambda requests', 'lambda.requests', prices.lambda.freeTier.requests);
  allow('Lambda GB-seconds', 'lambda.gb_seconds', prices.lambda.freeTier.gbSeconds);
  allow('SQS requests', 'sqs.requests', prices.sqs.freeTier.requests);
  allow('SNS publishes', 'sns.publishes', prices.sns.freeTier.publishes);
  allow('EventBridge Scheduler invocations', 'scheduler.invocations', prices.scheduler.freeTier.invocations);
  allow('DynamoDB storage (GB-months)', 'dynamodb.storage_gb_month', prices.dynamodb.freeTier.storageGb);
  allow('CloudWatch Logs ingestion (bytes)', 'logs.bytes', prices.logs.freeTier.gbIngested * 1024 ** 3);
  const alarms = Math.min(
    alarmCount(options.footprint ?? deploymentFootprint()),
    prices.cloudWatch.freeTier.alarms,
  );
  if (alarms > 0) {
    items.push({
      what: 'CloudWatch alarms',
      quantity: alarms * months,
      value: alarms * months * prices.cloudWatch.perAlarmMonth,
    });
  }
  const total = items.reduce((sum, item) => sum + item.value, 0);
  return {
    items: items.map((item) => ({ ...item, value: roundMoney(item.value) })),
    total: roundMoney(total),
  };
}
