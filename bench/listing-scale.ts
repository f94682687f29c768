/**
 * Queue listing cost as the table grows: the same queue view (one group, one status, 25 per page) read with
 * 1,000 and with 50,000 tickets in the tenant. Lists are Queries on a view index, so latency and read units
 * should not grow with the table; the ratio shows it.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDynamoDbPorts } from '../functions/adapters/dynamodb/ports.ts';
import { ticketItem } from '../functions/adapters/dynamodb/ticket-items.ts';
import type { Status, Ticket } from '../functions/core/model.ts';
import { meter } from './dynamodb-meter.ts';
import { benchDynamoDb } from './local-dynamodb.ts';
import { median, percentile, round } from './stats.ts';

const TENANT = 'bench';
const QUEUE = { group: 'grp_0', status: 'open' as Status };
/** The measured queue holds this many tickets at both sizes, so every read returns full pages. */
const QUEUE_SIZE = 100;
const FILLER_STATUSES: Status[] = [
  'closed',
  'closed',
  'closed',
  'closed',
  'closed',
  'closed',
  'solved',
  'pending',
  'new',
  'open',
];

function syntheticTicket(number: number, status: Status, group: string): Ticket {
  const at = new Date(Date.UTC(2026, 0, 1) + number * 60_000).toISOString();
  return {
    tenantId: TENANT,
    number,
    subject: `Synthetic ticket ${number}`,
    status,
    priority: 'normal',
    type: 'question',
    tags: ['bench'],
    customFields: {},
    requester: { id: `cus_${number % 997}`, email: `c${number % 997}@example.com`, phone: null, name: null },
    assignee: null,
    group,
    channel: 'api',
    links: [],
    externalLinks: [],
    participants: [],
    mailbox: null,
    conversation: null,
    spam: false,
    triage: null,
    pinnedFields: [],
    ruleBudget: null,
    sla: null,
    timers: [],
    timerEffectsDone: [],
    createdAt: at,
    updatedAt: at,
    solvedAt: null,
    closedAt: null,
    version: 1,
  };
}

async function load(client: DynamoDBDocumentClient, table: string, tickets: Ticket[]) {
  const batches: Ticket[][] = [];
  for (let i = 0; i < tickets.length; i += 25) batches.push(tickets.slice(i, i + 25));
  const worker = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      let requests = batch.map((t) => ({ PutRequest: { Item: ticketItem(t) } }));
      while (requests.length > 0) {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (result.UnprocessedItems?.[table] as typeof requests | undefined) ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

export interface ListingFigures {
  readonly tickets: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly readUnits: number;
}

export async function measureListingScale(sizes = [1_000, 50_000], reads = 60): Promise<ListingFigures[]> {
  const db = await benchDynamoDb();
  try {
    const ports = makeDynamoDbPorts(db.client, db.tables);
    let loaded = 0;
    const figures: ListingFigures[] = [];
    for (const size of sizes) {
      const batch: Ticket[] = [];
      for (let n = loaded + 1; n <= size; n++) {
        const inQueue = n <= QUEUE_SIZE;
        let status = inQueue ? QUEUE.status : FILLER_STATUSES[n % FILLER_STATUSES.length]!;
        const group = inQueue ? QUEUE.group : `grp_${n % 10}`;
        if (!inQueue && group === QUEUE.group && status === QUEUE.status) status = 'pending';
        batch.push(syntheticTicket(n, status, group));
      }
      await load(db.client, db.tables.main, batch);
      loaded = size;
      const m = meter(db.client);
      const latencies: number[] = [];
      let units = 0;
      // DynamoDB Local's JVM keeps getting faster for a while: warm it up well before the first size.
      const warmUp = figures.length === 0 ? 300 : 20;
      for (let i = 0; i < reads + warmUp; i++) {
        m.reset();
        const start = performance.now();
        const page = await ports.tickets.list(TENANT, QUEUE, { limit: 25 });
        const elapsed = performance.now() - start;
        if (page.items.length !== 25) throw new Error(`expected a full page, got ${page.items.length}`);
        if (i >= warmUp) {
          latencies.push(elapsed);
          units = m.read().readUnits;
        }
      }
      figures.push({
        tickets: size,
        medianMs: round(median(latencies)),
        p99Ms: round(percentile(latencies, 99)),
        readUnits: units,
      });
    }
    return figures;
  } finally {
    await db.stop();
  }
}
