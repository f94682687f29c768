/**
 * One load generator of the throughput benchmark, run as its own process so that the clients' CPU is not
 * taken from the local runtime's event loop (real clients are elsewhere too). Prints `{ perSecond }`.
 *
 *   tsx bench/load-worker.ts http <seconds> <apiUrl> <apiKey>
 *   tsx bench/load-worker.ts raw  <seconds> <dynamodbEndpoint> <offset>
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { keys } from '../functions/adapters/dynamodb/keys.ts';
import { eventItem, ticketItem } from '../functions/adapters/dynamodb/ticket-items.ts';
import { openTicket } from '../functions/core/tickets.ts';
import { localCredentials, localRegion } from '../local/aws-env.ts';

const CLIENTS = 16;
const [mode, secondsArg, target, extra] = process.argv.slice(2) as [string, string, string, string];

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

const body = 'The app crashes when I open the settings page.';

async function http(i: number) {
  const response = await fetch(`${target}/v1/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${extra}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      subject: `Throughput ${i}`,
      comment: { body },
      requester: { email: `customer${i % 200}@example.com` },
    }),
  });
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${await response.text()}`);
}

const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ endpoint: target, region: localRegion, credentials: localCredentials }),
  { marshallOptions: { removeUndefinedValues: true } },
);
const table = 'deskless-main';
const offset = Number(extra) || 0;

/** The items a create writes (ticket, created + comment events, requester profile), with no logic around. */
async function raw(i: number) {
  const { ticket, events } = openTicket(
    {
      tenantId: 'raw',
      number: offset + i + 1,
      subject: `Raw ${i}`,
      comment: { body, public: true },
      requester: { id: `cus_${i % 200}`, email: `customer${i % 200}@example.com`, phone: null, name: null },
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
}

const perSecond = await runFor(Number(secondsArg), mode === 'http' ? http : raw);
console.log(JSON.stringify({ perSecond }));
