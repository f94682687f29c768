import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKLOAD } from '../../../functions/core/cost/workload.ts';
import { parseCostArgs, run, UsageError } from '../../../scripts/cost.ts';

const noFile = (path: string): string => {
  throw new Error(`ENOENT: no such file, open '${path}'`);
};

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('the arguments were accepted');
}

describe('npm run cost: arguments', () => {
  it('reads the workload, with the defaults for what is not given', () => {
    const args = parseCostArgs([
      '--tickets-per-month',
      '50000',
      '--emails-per-ticket',
      '3',
      '--agents',
      '20',
    ]);
    expect(args.volumes).toEqual([50_000]);
    expect(args.agents).toEqual([20]);
    expect(args.workload).toEqual({ ...DEFAULT_WORKLOAD, days: undefined, emailsPerTicket: 3 });
    expect(args).toMatchObject({ bedrockModel: null, seatPrice: null, priceOverrides: null, json: false });
  });

  it('reads every option, lists of volumes and teams, and = forms', () => {
    const args = parseCostArgs([
      '--tickets-per-month=1000,100_000,1000000',
      '--agents',
      '3,40,300',
      '--replies-per-ticket',
      '1.5',
      '--agent-updates-per-ticket',
      '0',
      '--attachments-kb-per-ticket',
      '250',
      '--attachments-per-ticket',
      '0.5',
      '--sla-events-per-ticket',
      '0.1',
      '--months-of-history',
      '24',
      '--no-acknowledgements',
      '--bedrock-model',
      'us.amazon.nova-lite-v1:0',
      '--seat-price',
      '69',
      '--price-overrides',
      'rates.json',
      '--json',
    ]);
    expect(args.volumes).toEqual([1_000, 100_000, 1_000_000]);
    expect(args.agents).toEqual([3, 40, 300]);
    expect(args.workload).toMatchObject({
      repliesPerTicket: 1.5,
      agentUpdatesPerTicket: 0,
      attachmentsKbPerTicket: 250,
      attachmentsPerTicket: 0.5,
      slaEventsPerTicket: 0.1,
      monthsOfHistory: 24,
      acknowledgements: false,
      aiTriage: true,
    });
    expect(args).toMatchObject({
      bedrockModel: 'us.amazon.nova-lite-v1:0',
      seatPrice: 69,
      priceOverrides: 'rates.json',
      json: true,
    });
  });

  it.each([
    [[], /--tickets-per-month is required/],
    [['--tickets-per-month', 'lots'], /--tickets-per-month: "lots" is not a number/],
    [['--tickets-per-month', '0'], /--tickets-per-month: 0 must be above 0/],
    [['--tickets-per-month', '1000,'], /--tickets-per-month: "" is not a number/],
    [['--tickets-per-month', '1000', '--emails-per-ticket=-1'], /--emails-per-ticket: -1 must be 0 or more/],
    [['--tickets-per-month', '1000', '--agents', '2.5'], /--agents: 2.5 must be a whole number/],
    [['--tickets-per-month', '1,2,3', '--agents', '1,2'], /one per volume \(3\); got 2/],
    [['--tickets-per-month', '1000', '--tickets'], /Unknown option '--tickets'/],
    [['--tickets-per-month', '1000', '--emails-per-ticket'], /argument missing/],
    [['--tickets-per-month', '1000', 'extra'], /unexpected argument "extra"/],
    [['--tickets-per-month', '1000', '--bedrock-model', 'gpt-9'], /no list price for "gpt-9"/],
  ])('refuses %j', (argv, message) => {
    expect(usageError(() => parseCostArgs(argv))).toMatch(message);
  });

  it('refuses price overrides it cannot read or that are not prices', () => {
    const args = ['--tickets-per-month', '1000', '--price-overrides', 'rates.json'];
    expect(usageError(() => run(args, noFile))).toMatch(/cannot read rates.json as JSON \(ENOENT/);
    expect(usageError(() => run(args, () => '{ nope'))).toMatch(/cannot read rates.json as JSON/);
    expect(usageError(() => run(args, () => '{"dynamodb": {"perMillionWriteUnits": -1}}'))).toMatch(
      /--price-overrides: invalid price overrides: dynamodb.perMillionWriteUnits must not be negative/,
    );
  });
});

describe('npm run cost: the projection', () => {
  it('prints the line items, the fixed part, the cost per ticket and the seats comparison', () => {
    const out = run(['--tickets-per-month', '50000', '--emails-per-ticket', '3', '--agents', '20'], noFile);
    expect(out).toContain('# Deskless cost: 50,000 tickets a month');
    expect(out).toContain('Price table 2025-06-us-east-1 (us-east-1 list prices of 2025-06-01, USD)');
    expect(out).toMatch(
      /\| SES \| ses\.mails_in \| 150,000 \| mails \| \$0\.10 \/ 1,000 mails \| \$15\.0000 \|/,
    );
    expect(out).toMatch(
      /\| AWS Lambda \(arm64\) \| lambda\.gb_seconds \| [\d,]+ \| GB-seconds \| \$0\.0000133334 \/ GB-second \|/,
    );
    expect(out).toMatch(/\| \*\*fixed\*\* \| \| \| \*\*\$[\d.]+\*\* \|/);
    expect(out).toMatch(/\| \*\*cost per ticket\*\* \| \*\*\$0\.\d{6}\*\* \|/);
    expect(out).toContain(
      '| Zendesk Suite Team (billed annually): 20 agents × $55 (list price of 2025-06-01) | $1,100.00 | $0.022000 |',
    );
    expect(out).toMatch(/Free tier \(not deducted\)/);
  });

  it('prices a negotiated table from the overrides file, and says so', () => {
    const list = JSON.parse(run(['--tickets-per-month', '1000', '--json'], noFile));
    const cheaper = JSON.parse(
      run(['--tickets-per-month', '1000', '--json', '--price-overrides', 'r.json'], () =>
        JSON.stringify({ ses: { outboundPerMail: 0 } }),
      ),
    );
    expect(cheaper[0].bill.priceTable.version).toBe('2025-06-us-east-1+overrides');
    const mailsOut = list[0].bill.lineItems.find((i: { meter: string }) => i.meter === 'ses.mails_out');
    // 1,000 tickets × (acknowledgement + 2 replies + the survey on solve) = 4,000 mails × $0.0001 = $0.40,
    // gone at a price of 0
    expect(mailsOut).toMatchObject({ quantity: 4_000, cost: 0.4 });
    expect(cheaper[0].bill.total).toBeCloseTo(list[0].bill.total - 0.4, 6);
  });

  it('summarises several volumes, one row each', () => {
    const out = run(['--tickets-per-month', '1000,100000', '--agents', '3,40'], noFile);
    const rows = out.split('\n').filter((line) => /^\| [\d,]+ \|/.test(line));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^\| 1,000 \| \$[\d.]+ \| \$[\d.]+ \| \$0\.\d{6} \| \$165\.00 \(3 agents\) \|$/);
    expect(rows[1]).toMatch(/^\| 100,000 \| .* \| \$2,200\.00 \(40 agents\) \|$/);
  });

  it('exits 2 with the reason on a bad command line, 0 on a good one', () => {
    const cli = (...argv: string[]) =>
      spawnSync('npx', ['tsx', 'scripts/cost.ts', ...argv], { encoding: 'utf8', timeout: 60_000 });
    const bad = cli('--tickets-per-month', 'many');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('npm run cost: --tickets-per-month: "many" is not a number');
    expect(bad.stderr).toContain('usage: npm run cost');
    expect(bad.stdout).toBe('');
    const good = cli('--tickets-per-month', '2000');
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('# Deskless cost: 2,000 tickets a month');
  }, 60_000);
});
