import { roundMoney } from './bill.ts';

/** A per-seat help desk's list price, the comparison finance asks for. */
export interface SeatPlan {
  readonly vendor: string;
  readonly plan: string;
  readonly billing: string;
  readonly perAgentMonth: number;
  readonly currency: 'USD';
  /** When the price was the published list price. */
  readonly date: string;
}

/**
 * Zendesk Suite Team, billed annually: $55 per agent a month, Zendesk's published list price in 2025 (its entry
 * Suite plan; billed monthly it is $69). Negotiated or other plans' prices: `--seat-price`.
 */
export const ZENDESK_SUITE_TEAM: SeatPlan = Object.freeze({
  vendor: 'Zendesk',
  plan: 'Suite Team (billed annually)',
  billing: 'per agent-month',
  perAgentMonth: 55,
  currency: 'USD',
  date: '2025-06-01',
});

export interface SeatComparison {
  readonly agents: number;
  readonly plan: SeatPlan;
  /** agents × the plan's price, for the same number of days. */
  readonly seatsCost: number;
  /** What Deskless costs in AWS for the period (the bill's total). */
  readonly desklessCost: number;
  /** seatsCost − desklessCost. */
  readonly difference: number;
  /** desklessCost / seatsCost (null without agents). */
  readonly ratio: number | null;
}

/** The same team on seats: `agents` × the plan's monthly price, prorated to `days`. */
export function compareWithSeats(
  desklessCost: number,
  agents: number,
  options: { readonly days: number; readonly plan?: SeatPlan },
): SeatComparison {
  const plan = options.plan ?? ZENDESK_SUITE_TEAM;
  const seatsCost = (agents * plan.perAgentMonth * options.days) / 30;
  return {
    agents,
    plan,
    seatsCost: roundMoney(seatsCost),
    desklessCost: roundMoney(desklessCost),
    difference: roundMoney(seatsCost - desklessCost),
    ratio: seatsCost > 0 ? desklessCost / seatsCost : null,
  };
}
