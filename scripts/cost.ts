/**
 * `npm run cost -- --tickets-per-month 50000 --emails-per-ticket 3 [--agents 20] [--price-overrides file.json]`
 *
 * Projects what a month of a workload costs in AWS with the cost model of functions/core/cost: the usage the
 * workload produces per meter, priced by the price table, the fixed monthly part, the cost per ticket, and the
 * same team on per-seat help-desk licences. Several volumes at once (`--tickets-per-month 1000,100000`) print one
 * summary row each. Bad arguments: a message on stderr and exit code 2.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Bill, bill } from '../functions/core/cost/bill.ts';
import { compareWithSeats, type SeatPlan, ZENDESK_SUITE_TEAM } from '../functions/core/cost/comparison.ts';
import { freeTierAllowance } from '../functions/core/cost/free-tier.ts';
import { METERS, SERVICES, type Usage } from '../functions/core/cost/meters.ts';
import {
  BEDROCK_MODEL_PRICES,
  PRICE_TABLE,
  type PriceTable,
  priceTableWith,
} from '../functions/core/cost/price-table.ts';
import { DEFAULT_WORKLOAD, usageForWorkload, type Workload } from '../functions/core/cost/workload.ts';
import { DomainError } from '../functions/core/errors.ts';

/** A bad command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: npm run cost -- --tickets-per-month N[,N…] [options]

  --tickets-per-month N[,N…]     tickets created a month (several: one summary row each)   required
  --emails-per-ticket N          customer mails per ticket, the opening one included        default ${DEFAULT_WORKLOAD.emailsPerTicket}
                                 (below 1: that share of tickets comes by mail, the rest by API)
  --replies-per-ticket N         public agent replies per ticket                             default ${DEFAULT_WORKLOAD.repliesPerTicket}
  --agent-updates-per-ticket N   other agent changes per ticket (the last one solves it)     default ${DEFAULT_WORKLOAD.agentUpdatesPerTicket}
  --attachments-kb-per-ticket N  attachment KB per email ticket                              default ${DEFAULT_WORKLOAD.attachmentsKbPerTicket}
  --attachments-per-ticket N     attachment files per email ticket                           default ${DEFAULT_WORKLOAD.attachmentsPerTicket}
  --sla-events-per-ticket N      SLA warnings and breaches firing per ticket                 default ${DEFAULT_WORKLOAD.slaEventsPerTicket}
  --months-of-history N          months of tickets kept in the table and the bucket          default ${DEFAULT_WORKLOAD.monthsOfHistory}
  --no-acknowledgements          new email tickets are not acknowledged
  --ai-triage                    triage classifies with Amazon Bedrock (priced by the table's bedrock prices: Amazon Nova Micro)
  --bedrock-model ID             --ai-triage, priced at that model's list prices: ${Object.keys(BEDROCK_MODEL_PRICES).join(', ')}
  --agents N[,N…]                the team, for the per-seat comparison (one, or one per volume)
  --seat-price N                 per agent-month price to compare with                      default $${ZENDESK_SUITE_TEAM.perAgentMonth} (${ZENDESK_SUITE_TEAM.vendor} ${ZENDESK_SUITE_TEAM.plan})
  --price-overrides FILE         JSON overrides of the price table (region, negotiated rates)
  --json                         the bills as JSON instead of Markdown
  --help`;

export interface CostArgs {
  readonly volumes: readonly number[];
  readonly agents: readonly number[];
  readonly workload: Omit<Workload, 'ticketsPerMonth' | 'days'>;
  readonly bedrockModel: string | null;
  readonly seatPrice: number | null;
  readonly priceOverrides: string | null;
  readonly json: boolean;
  readonly help: boolean;
}

function number(flag: string, text: string, { integer = false, positive = false } = {}): number {
  const value = Number(text.replace(/_/g, ''));
  if (text.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`--${flag}: "${text}" is not a number`);
  if (value < 0 || (positive && value === 0)) {
    throw new UsageError(`--${flag}: ${text} must be ${positive ? 'above 0' : '0 or more'}`);
  }
  if (integer && !Number.isInteger(value)) throw new UsageError(`--${flag}: ${text} must be a whole number`);
  return value;
}

function list(flag: string, text: string, options: { integer?: boolean; positive?: boolean }): number[] {
  return text.split(',').map((part) => number(flag, part.trim(), options));
}

/** The command line as the projection needs it; a UsageError says what is wrong. */
export function parseCostArgs(argv: readonly string[]): CostArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const help = values.help === true;
  if (values['tickets-per-month'] === undefined) {
    if (help) return { ...emptyArgs(), help };
    throw new UsageError('--tickets-per-month is required');
  }
  const volumes = list('tickets-per-month', values['tickets-per-month'], { positive: true });
  const agents =
    values.agents === undefined ? [] : list('agents', values.agents, { integer: true, positive: true });
  if (agents.length > 1 && agents.length !== volumes.length) {
    throw new UsageError(
      `--agents: give one team size, or one per volume (${volumes.length}); got ${agents.length}`,
    );
  }
  const optional = (flag: keyof typeof values, fallback: number, integer = false) => {
    const text = values[flag];
    return typeof text === 'string' ? number(flag, text, { integer }) : fallback;
  };
  const bedrockModel = values['bedrock-model'] ?? null;
  if (bedrockModel !== null && !Object.hasOwn(BEDROCK_MODEL_PRICES, bedrockModel)) {
    throw new UsageError(
      `--bedrock-model: no list price for "${bedrockModel}" (known: ${Object.keys(BEDROCK_MODEL_PRICES).join(', ')}); ` +
        'use --ai-triage with the model’s prices in --price-overrides ({"bedrock": {"modelId": …, "perThousandInputTokens": …, "perThousandOutputTokens": …}})',
    );
  }
  return {
    volumes,
    agents,
    workload: {
      emailsPerTicket: optional('emails-per-ticket', DEFAULT_WORKLOAD.emailsPerTicket),
      repliesPerTicket: optional('replies-per-ticket', DEFAULT_WORKLOAD.repliesPerTicket),
      agentUpdatesPerTicket: optional('agent-updates-per-ticket', DEFAULT_WORKLOAD.agentUpdatesPerTicket),
      attachmentsKbPerTicket: optional('attachments-kb-per-ticket', DEFAULT_WORKLOAD.attachmentsKbPerTicket),
      attachmentsPerTicket: optional('attachments-per-ticket', DEFAULT_WORKLOAD.attachmentsPerTicket),
      slaEventsPerTicket: optional('sla-events-per-ticket', DEFAULT_WORKLOAD.slaEventsPerTicket),
      monthsOfHistory: optional('months-of-history', DEFAULT_WORKLOAD.monthsOfHistory),
      aiTriage: values['ai-triage'] === true || bedrockModel !== null,
      acknowledgements: values['no-acknowledgements'] !== true,
    },
    bedrockModel,
    seatPrice: values['seat-price'] === undefined ? null : number('seat-price', values['seat-price']),
    priceOverrides: values['price-overrides'] ?? null,
    json: values.json === true,
    help,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      'tickets-per-month': { type: 'string' },
      'emails-per-ticket': { type: 'string' },
      'replies-per-ticket': { type: 'string' },
      'agent-updates-per-ticket': { type: 'string' },
      'attachments-kb-per-ticket': { type: 'string' },
      'attachments-per-ticket': { type: 'string' },
      'sla-events-per-ticket': { type: 'string' },
      'months-of-history': { type: 'string' },
      'no-acknowledgements': { type: 'boolean' },
      'ai-triage': { type: 'boolean' },
      'bedrock-model': { type: 'string' },
      agents: { type: 'string' },
      'seat-price': { type: 'string' },
      'price-overrides': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
}

function emptyArgs(): CostArgs {
  return {
    volumes: [],
    agents: [],
    workload: DEFAULT_WORKLOAD,
    bedrockModel: null,
    seatPrice: null,
    priceOverrides: null,
    json: false,
    help: false,
  };
}

/** The price table the arguments ask for: list prices, a Bedrock model's, then the overrides file. */
export function priceTableFor(args: CostArgs, readFile: (path: string) => string): PriceTable {
  let table = PRICE_TABLE;
  if (args.bedrockModel !== null) {
    table = priceTableWith({
      version: `${PRICE_TABLE.version}+bedrock`,
      bedrock: {
        modelId: args.bedrockModel,
        ...BEDROCK_MODEL_PRICES[args.bedrockModel],
        source: `Amazon Bedrock pricing page, ${args.bedrockModel} on-demand, list prices of ${PRICE_TABLE.date}`,
      },
    });
  }
  if (args.priceOverrides === null) return table;
  let overrides: unknown;
  try {
    overrides = JSON.parse(readFile(args.priceOverrides));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--price-overrides: cannot read ${args.priceOverrides} as JSON (${reason})`);
  }
  try {
    return priceTableWith(overrides, table);
  } catch (error) {
    if (error instanceof DomainError) throw new UsageError(`--price-overrides: ${error.message}`);
    throw error;
  }
}

export interface Projection {
  readonly ticketsPerMonth: number;
  readonly agents: number | null;
  readonly usage: Usage;
  readonly bill: Bill;
}

const DAYS = DEFAULT_WORKLOAD.days;

export function project(args: CostArgs, prices: PriceTable): Projection[] {
  return args.volumes.map((ticketsPerMonth, i) => {
    const usage = usageForWorkload({ ...args.workload, ticketsPerMonth, days: DAYS });
    return {
      ticketsPerMonth,
      agents: args.agents[args.agents.length === 1 ? 0 : i] ?? null,
      usage,
      bill: bill(usage, prices, { tickets: ticketsPerMonth, days: DAYS }),
    };
  });
}

// ─── Markdown ────────────────────────────────────────────────────────────────────────────────────────────

const grouped = (value: number, digits: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Dollars: cents from $100, otherwise four decimals (the JSON keeps six). */
export const money = (amount: number) => `$${grouped(amount, Math.abs(amount) >= 100 ? 2 : 4)}`;
const perTicket = (amount: number | null) => (amount === null ? '–' : `$${grouped(amount, 6)}`);

export function quantity(value: number): string {
  if (value >= 1000) return grouped(Math.round(value), 0);
  if (value >= 1) return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return Number(value.toPrecision(3)).toString();
}

/** A rate as AWS quotes it: at least cents, as many decimals as it has ($0.20, $0.0000133334). */
const rate = (value: number) =>
  `$${Number(value.toPrecision(10)).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 12 })}`;

function seatPlan(args: CostArgs): SeatPlan {
  return args.seatPrice === null
    ? ZENDESK_SUITE_TEAM
    : { ...ZENDESK_SUITE_TEAM, plan: 'per-seat plan (--seat-price)', perAgentMonth: args.seatPrice };
}

function workloadLine(args: CostArgs, prices: PriceTable): string {
  const w = args.workload;
  const parts = [
    `${w.emailsPerTicket} customer mails, ${w.repliesPerTicket} agent replies, ${w.agentUpdatesPerTicket} other agent changes per ticket`,
    `${w.attachmentsPerTicket} attachments (${w.attachmentsKbPerTicket} KB) per email ticket`,
    `${w.slaEventsPerTicket} SLA events per ticket`,
    w.acknowledgements ? 'acknowledgements on' : 'acknowledgements off',
    w.aiTriage
      ? `triage by Bedrock (${args.bedrockModel ?? `priced as ${prices.bedrock.modelId}`})`
      : 'built-in triage',
    `${w.monthsOfHistory} months of history stored`,
  ];
  return parts.join('; ');
}

function priceLine(prices: PriceTable): string {
  return (
    `Price table ${prices.version} (${prices.region} list prices of ${prices.date}, ${prices.currency}), ` +
    'without free tiers.'
  );
}

export function renderProjection(projection: Projection, args: CostArgs, prices: PriceTable): string {
  const { bill: b, usage } = projection;
  const lines: string[] = [];
  lines.push(`# Deskless cost: ${grouped(projection.ticketsPerMonth, 0)} tickets a month`, '');
  lines.push(`Workload: ${workloadLine(args, prices)}. ${priceLine(prices)}`, '');
  lines.push('| service | meter | quantity | unit | unit price | cost |', '|---|---|---:|---|---:|---:|');
  for (const item of b.lineItems) {
    const quoted = METERS[item.meter].quoted;
    lines.push(
      `| ${SERVICES[item.service]} | ${item.meter} | ${quantity(item.quantity)} | ${item.unit} | ` +
        `${rate(item.unitPrice * quoted.per)} / ${quoted.label} | ${money(item.cost)} |`,
    );
  }
  const usageTotal = b.lineItems.reduce((sum, item) => sum + item.cost, 0);
  lines.push(`| **usage** | | | | | **${money(usageTotal)}** |`, '');
  lines.push('| fixed monthly part | quantity | unit price | cost |', '|---|---:|---:|---:|');
  for (const item of b.fixedMonthly.items) {
    lines.push(
      `| ${item.what} | ${quantity(item.quantity)} | ${rate(item.unitPrice)} | ${money(item.cost)} |`,
    );
  }
  lines.push(`| **fixed** | | | **${money(b.fixedMonthly.total)}** |`, '');
  lines.push('| | |', '|---|---:|');
  lines.push(`| **total a month** | **${money(b.total)}** |`);
  lines.push(`| tickets | ${grouped(b.tickets, 0)} |`);
  lines.push(`| **cost per ticket** | **${perTicket(b.costPerTicket)}** |`, '');
  const free = freeTierAllowance(usage, prices, { days: DAYS });
  if (free.total > 0) {
    lines.push(
      `Free tier (not deducted): AWS's always-free monthly allowances would take up to ${money(free.total)} off ` +
        `(${free.items.map((i) => `${i.what} ${money(i.value)}`).join(', ')}) if no other workload of the account uses them.`,
      '',
    );
  }
  if (projection.agents !== null) {
    const plan = seatPlan(args);
    const seats = compareWithSeats(b.total, projection.agents, { days: DAYS, plan });
    lines.push(
      '| same team, a month | cost | per ticket |',
      '|---|---:|---:|',
      `| Deskless on AWS (no licence) | ${money(b.total)} | ${perTicket(b.costPerTicket)} |`,
      `| ${plan.vendor} ${plan.plan}: ${seats.agents} agents × $${plan.perAgentMonth} (list price of ${plan.date}) | ` +
        `${money(seats.seatsCost)} | ${perTicket(seats.seatsCost / projection.ticketsPerMonth)} |`,
      '',
    );
  }
  return lines.join('\n');
}

export function renderSummary(
  projections: readonly Projection[],
  args: CostArgs,
  prices: PriceTable,
): string {
  const plan = seatPlan(args);
  const withSeats = projections.some((p) => p.agents !== null);
  const head = ['tickets a month', 'AWS cost a month', 'of which fixed', 'cost per ticket'];
  if (withSeats) head.push(`${plan.vendor} ${plan.plan} ($${plan.perAgentMonth}/agent-month)`);
  const lines = [
    `Workload: ${workloadLine(args, prices)}. ${priceLine(prices)}`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---:').join('|')}|`,
  ];
  for (const p of projections) {
    const row = [
      grouped(p.ticketsPerMonth, 0),
      money(p.bill.total),
      money(p.bill.fixedMonthly.total),
      perTicket(p.bill.costPerTicket),
    ];
    if (withSeats) {
      row.push(
        p.agents === null
          ? '–'
          : `${money(compareWithSeats(p.bill.total, p.agents, { days: DAYS, plan }).seatsCost)} (${grouped(p.agents, 0)} agents)`,
      );
    }
    lines.push(`| ${row.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function run(argv: readonly string[], readFile: (path: string) => string): string {
  const args = parseCostArgs(argv);
  if (args.help) return USAGE;
  const prices = priceTableFor(args, readFile);
  const projections = project(args, prices);
  if (args.json) {
    return JSON.stringify(
      projections.map(({ ticketsPerMonth, agents, bill: b }) => ({
        ticketsPerMonth,
        agents,
        bill: b,
        ...(agents !== null && {
          seats: compareWithSeats(b.total, agents, { days: DAYS, plan: seatPlan(args) }),
        }),
      })),
      null,
      2,
    );
  }
  if (projections.length === 1) return renderProjection(projections[0]!, args, prices);
  return renderSummary(projections, args, prices);
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    console.log(run(process.argv.slice(2), (path) => readFileSync(path, 'utf8')));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`npm run cost: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  }
}
