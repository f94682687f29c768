/**
 * Per function: bundle size (built exactly as CDK builds it) and module init time, i.e. a fresh `node` process
 * loading the bundle, against a bare `node -e 0` measured in the same run, interleaved so machine noise hits
 * both alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import {
  bundleBudgets,
  bundling,
  defaultBundleBudgetKb,
  type FunctionDefinition,
  type FunctionName,
  functions,
} from '../functions/topology.ts';
import { median, round } from './stats.ts';

export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  /** The function's size budget (topology.ts); null for the SDK floor. */
  readonly budgetKb: number | null;
  readonly initMs: number;
  readonly bareNodeMs: number;
  readonly ratio: number;
}

/** What a Lambda gets in its environment; module init reads it (no network is touched at init). */
const ENV = {
  ...process.env,
  TABLE_NAME: 'bench-main',
  IDEMPOTENCY_TABLE_NAME: 'bench-idempotency',
  EVENT_BUS_NAME: 'bench-events',
  MAIL_BUCKET: 'bench-mail',
  REPLY_SECRET: 'bench-secret',
  TIMER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench-timers',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NODE_OPTIONS: bundling.nodeOptions,
};

function timeProcess(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return elapsed;
}

export async function measureBundles(runs = 15): Promise<BundleFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'deskless-bench-'));
  try {
    const figures: BundleFigures[] = [];
    // The floor: a module that only creates the DynamoDB document client every function needs. What a
    // function adds above it is our code; the floor itself is the AWS SDK's.
    const floorEntry = join(dir, 'sdk-floor.ts');
    writeFileSync(
      floorEntry,
      `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
export const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
`,
    );
    const entries = [
      ...Object.values(functions).map((fn: FunctionDefinition) => ({
        name: fn.name,
        entry: fn.entry,
        budgetKb: bundleBudgets[fn.name as FunctionName]?.kb ?? defaultBundleBudgetKb,
      })),
      { name: 'SDK floor: DynamoDB client only', entry: floorEntry, budgetKb: null },
    ];
    for (const fn of entries) {
      const outfile = join(dir, fn.name.replace(/\W+/g, '-'), 'index.mjs');
      await build({
        nodePaths: [join(process.cwd(), 'node_modules')],
        entryPoints: [fn.entry],
        bundle: true,
        outfile,
        format: bundling.format,
        platform: bundling.platform,
        target: bundling.target,
        minify: bundling.minify,
        sourcemap: bundling.sourcemap,
        sourcesContent: bundling.sourcesContent,
        mainFields: [...bundling.mainFields],
        banner: { js: bundling.banner },
        logLevel: 'error',
      });
      // The loader imports the bundle the way the Lambda runtime does, then exits: that is init.
      const loader = join(dirname(outfile), 'load.mjs');
      writeFileSync(loader, `await import(${JSON.stringify(outfile)});\n`);
      const bare: number[] = [];
      const init: number[] = [];
      timeProcess([loader]); // warm the file cache
      for (let i = 0; i < runs; i++) {
        bare.push(timeProcess(['-e', '0']));
        init.push(timeProcess([loader]));
      }
      const initMs = median(init);
      const bareNodeMs = median(bare);
      figures.push({
        name: fn.name,
        bytes: statSync(outfile).size,
        budgetKb: fn.budgetKb,
        initMs: round(initMs, 1),
        bareNodeMs: round(bareNodeMs, 1),
        ratio: round(initMs / bareNodeMs),
      });
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
