/**
 * Local throughput: tickets created per second over HTTP through the whole local runtime (API emulation,
 * authorizer, api handler, stream dispatcher), against raw TransactWriteItems per second writing the same
 * items on the same DynamoDB Local. The ratio is our overhead next to the store's own cost. Each side's 16
 * clients run in a process of their own (bench/load-worker.ts), as real clients would.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../local/runtime.ts';
import { round } from './stats.ts';

const ROUNDS = 4;

export interface ThroughputFigures {
  readonly httpTicketsPerSecond: number;
  readonly rawTransactionsPerSecond: number;
  readonly ratio: number;
}

export async function measureThroughput(seconds = 16): Promise<ThroughputFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskless-bench-'));
  const runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0 });
  let rawOffset = 0;
  // The worker runs while this process serves the API, so it must not block the event loop: spawn async.
  const load = async (mode: 'http' | 'raw', duration: number): Promise<number> => {
    // Each raw round numbers its tickets from a fresh offset, so no round overwrites another's items.
    if (mode === 'raw') rawOffset += 1_000_000;
    const args =
      mode === 'http'
        ? [runtime.apiUrl, runtime.state.adminApiKey]
        : [runtime.endpoints.dynamodb, String(rawOffset)];
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'bench/load-worker.ts', mode, String(duration), ...args],
        {
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve(JSON.parse(out).perSecond as number)
          : reject(new Error(`${mode} load failed (${code})`)),
      );
    });
  };
  try {
    // DynamoDB Local is a JVM: it speeds up for many seconds after start. Warm both paths up, then alternate
    // short rounds so that warm-up, garbage collection and table growth weigh on both sides alike.
    await load('http', 4);
    await load('raw', 4);
    const http: number[] = [];
    const direct: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      http.push(await load('http', seconds / ROUNDS));
      direct.push(await load('raw', seconds / ROUNDS));
    }
    const httpTicketsPerSecond = http.reduce((a, b) => a + b, 0) / ROUNDS;
    const rawTransactionsPerSecond = direct.reduce((a, b) => a + b, 0) / ROUNDS;
    return {
      httpTicketsPerSecond: round(httpTicketsPerSecond, 1),
      rawTransactionsPerSecond: round(rawTransactionsPerSecond, 1),
      ratio: round(httpTicketsPerSecond / rawTransactionsPerSecond),
    };
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
