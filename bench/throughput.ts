/**
 * Local throughput: tickets created per second over HTTP through the whole local runtime (API emulation,
 * authorizer, api handler, stream dispatcher), against raw TransactWriteItems per second writing the same
 * items on the same DynamoDB Local. The ratio is our overhead next to the store's own cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { keys } from '../functions/adapters/dynamodb/keys.ts';
import { eventItem, ticketItem } from '../functions/adapters/dynamodb/ticket-items.ts';
import { openTicket } from '../functions/core/tickets.ts';
import { localCredentials, localRegion } from '../local/aws-env.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { round } from './stats.ts';

const CLIENTS = 16;

async function runFor(seconds: number, work: (i: number) => Promise<void>): Promise<number> {
  let done = 0;
  let next = 0;
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        await work(next++);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

export interface ThroughputFigures {
  readonly httpTicketsPerSecond: number;
  readonly rawTransactionsPerSecond: number;
  readonly ratio: number;
}

export async function measureThroughput(seconds = 8): Promise<ThroughputFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskless-bench-'));
  const runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0 });
  try {
    const headers = {
      authorization: `Bearer ${runtime.state.adminApiKey}`,
      'content-type': 'application/json',
    };
    const create = async (i: number) => {
      const response = await fetch(`${runtime.apiUrl}/v1/tickets`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          subject: `Throughput ${i}`,
          comment: { body: 'The app crashes when I open the settings page.' },
          requester: { email: `customer${i % 200}@example.com` },
        }),
      });
      if (response.status !== 201)
        throw new Error(`create failed: ${response.status} ${await response.text()}`);
    };

    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: runtime.endpoints.dynamodb,
        region: localRegion,
        credentials: localCredentials,
      }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    const table = 'deskless-main';
    // The same items a create writes (ticket, created + comment events, requester profile), with no logic around.
    const raw = async (i: number) => {
      const { ticket, events } = openTicket(
        {
          tenantId: 'raw',
          number: i + 1,
          subject: `Raw ${i}`,
          comment: { body: 'The app crashes when I open the settings page.', public: true },
          requester: {
            id: `cus_${i % 200}`,
            email: `customer${i % 200}@example.com`,
            phone: null,
            name: null,
          },
          channel: 'api',
        },
        { type: 'agent', id: 'agt' },
        new Date().toISOString(),
        { next: ulid },
      );
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: ticketItem(ticket) } },
            ...events.map((e) => ({ Put: { TableName: table, Item: eventItem(e) } })),
            {
              Put: {
                TableName: table,
                Item: { ...keys.customer('raw', ticket.requester.id), email: ticket.requester.email },
              },
            },
          ],
        }),
      );
    };

    await runFor(1, create); // warm-up: handler cold starts, JIT, first customers
    await runFor(1, raw);
    const httpTicketsPerSecond = await runFor(seconds, create);
    const rawTransactionsPerSecond = await runFor(seconds, raw);
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
