/**
 * Triage and routing figures: time from a ticket created to it assigned on the local runtime (the whole pipeline:
 * stream → dispatcher → bus → triage queue → triage → stream → bus → routing queue → routing), and the CPU time
 * the built-in classifier spends per ticket over the labelled set.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyBuiltin } from '../functions/core/triage/builtin-classifier.ts';
import { DEFAULT_TRIAGE_KEYWORDS } from '../functions/core/triage/default-keywords.ts';
import { trainNaiveBayes } from '../functions/core/triage/naive-bayes.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { median, percentile, round } from './stats.ts';

// The handlers' structured logs would bury the table; warnings and errors still show.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

export interface RoutingFigures {
  readonly tickets: number;
  /** Tickets created per second, one after another. */
  readonly perSecond: number;
  readonly createdToAssignedMedianMs: number;
  readonly createdToAssignedP99Ms: number;
  /** The local stream poller's interval: each of the pipeline's two stream hops can add up to this. */
  readonly streamPollMs: number;
  readonly triageCpuMsPerTicket: number;
  readonly triageMessages: number;
}

interface Labelled {
  readonly subject: string;
  readonly body: string;
  readonly intent: string;
}

/** CPU time (user + system) of the built-in classifier per message, with a tenant model trained on the set. */
function triageCpu(): { perTicketMs: number; messages: number } {
  const url = new URL('../test/fixtures/triage/messages.json', import.meta.url);
  const messages = (JSON.parse(readFileSync(url, 'utf8')) as { messages: Labelled[] }).messages;
  const model = {
    keywords: DEFAULT_TRIAGE_KEYWORDS,
    naiveBayes: trainNaiveBayes(messages.map((m) => ({ text: `${m.subject}\n${m.body}`, intent: m.intent }))),
  };
  for (const m of messages) classifyBuiltin(m, model); // warm: JIT and the language models
  const runs = 5;
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.cpuUsage();
    for (const m of messages) classifyBuiltin(m, model);
    const used = process.cpuUsage(start);
    samples.push((used.user + used.system) / 1000 / messages.length);
  }
  return { perTicketMs: round(median(samples), 3), messages: messages.length };
}

async function createdToAssigned(total: number, perSecond: number): Promise<number[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskless-bench-routing-'));
  const runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0, smtpPort: 0 });
  try {
    const admin = runtime.state.adminApiKey;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${runtime.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      if (response.status >= 300)
        throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, unknown>>;
    };
    const group = await call('POST', '/v1/groups', { name: 'Support', assignment: 'round_robin' });
    for (let i = 0; i < 5; i++) {
      await call('POST', '/v1/agents', {
        name: `Agent ${i}`,
        email: `agent${i}@bench.test`,
        groups: [group.id],
        capacity: 1000,
      });
    }
    await call('PUT', '/v1/settings/routing', { defaultGroup: group.id });

    // A steady stream, as support traffic arrives: the latency a ticket sees, not a backlog's queueing time.
    const numbers: number[] = [];
    for (let i = 0; i < total; i++) {
      const started = Date.now();
      const ticket = await call('POST', '/v1/tickets', {
        subject: `Invoice ${i} shows the wrong amount`,
        comment: { body: 'Hello, my last invoice charged us twice for the same month. Can you fix it?' },
        requester: { email: `customer${i}@bench.test` },
      });
      numbers.push(ticket.number as number);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, 1000 / perSecond - (Date.now() - started))),
      );
    }
    const deadline = Date.now() + 120_000;
    const latencies = new Map<number, number>();
    while (latencies.size < numbers.length && Date.now() < deadline) {
      for (const n of numbers) {
        if (latencies.has(n)) continue;
        const timeline = await call('GET', `/v1/tickets/${n}/timeline?limit=20`);
        const items = timeline.items as { type: string; at: string }[];
        const assigned = items.find((e) => e.type === 'assigned');
        if (assigned) latencies.set(n, Date.parse(assigned.at) - Date.parse(items[0]!.at));
      }
      if (latencies.size < numbers.length) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (latencies.size < numbers.length) {
      throw new Error(`only ${latencies.size} of ${numbers.length} tickets were assigned within 2 minutes`);
    }
    return [...latencies.values()];
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function measureRouting(total = 150, perSecond = 5): Promise<RoutingFigures> {
  const latencies = await createdToAssigned(total, perSecond);
  const cpu = triageCpu();
  return {
    tickets: total,
    perSecond,
    createdToAssignedMedianMs: Math.round(median(latencies)),
    createdToAssignedP99Ms: Math.round(percentile(latencies, 99)),
    streamPollMs: 200,
    triageCpuMsPerTicket: cpu.perTicketMs,
    triageMessages: cpu.messages,
  };
}
