import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DeleteMessageBatchCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import type { DomainEvent } from '../../functions/core/domain-events.ts';
import { ConcurrentModificationError, DomainError } from '../../functions/core/errors.ts';
import { verifySurveyToken } from '../../functions/core/surveys.ts';
import { CLOSED_CIRCUIT } from '../../functions/core/webhooks/circuit.ts';
import { MAX_ATTEMPTS, newDelivery, webhookPayload } from '../../functions/core/webhooks/delivery.ts';
import { MAX_SUBSCRIPTIONS, newSubscription } from '../../functions/core/webhooks/subscription.ts';
import { env } from '../../functions/topology.ts';
import { localCredentials } from '../../local/aws-env.ts';
import { sqsRecord } from '../../local/sqs-poller.ts';
import { lambdaContext } from '../support/lambda-context.ts';

/**
 * Outbound webhooks against DynamoDB Local and fauxqs: the stores, the subscription API through the real `api`
 * and `authorizer` handlers, and the `webhookFanout` and `webhookDeliver` handlers with the real delivery queue
 * and a receiver on 127.0.0.1 (allowed, as in the local runtime, by the environment set before any import).
 */
vi.hoisted(() => {
  process.env.DESKLESS_ALLOW_LOOPBACK_URLS = 'true';
  // Retries after 0, 0, 1, 3… seconds.
  process.env.DESKLESS_WEBHOOK_BACKOFF_SCALE = '0.01';
});

const { callApi } = await import('../support/api-call.ts');
const { documentClient, tableNamesFromEnv } = await import('../../functions/adapters/dynamodb/client.ts');
const { keys } = await import('../../functions/adapters/dynamodb/keys.ts');
const { DynamoDbDeliveryStore, DynamoDbSubscriptionStore } = await import(
  '../../functions/adapters/dynamodb/webhook-stores.ts'
);
const { handler: fanout } = await import('../../functions/handlers/webhook-fanout.ts');
const { makeTokenSigner } = await import('../../functions/adapters/token-signer.ts');
const { handler: deliver } = await import('../../functions/handlers/webhook-deliver.ts');

const { endpoints, region, queues } = inject('deskless');
const tables = tableNamesFromEnv();
const subscriptions = new DynamoDbSubscriptionStore(documentClient, tables);
const deliveries = new DynamoDbDeliveryStore(documentClient, tables);
const sqs = new SQSClient({
  endpoint: endpoints.sqs,
  region,
  credentials: localCredentials,
  useQueueUrlAsEndpoint: false,
});
const deliveryQueue = queues.find((q) => q.name === 'deskless-webhook-deliveries')!;
const webhooksQueue = queues.find((q) => q.name === 'deskless-webhooks')!;

const commands = new Set<string>();
documentClient.middlewareStack.add(
  (next, context) => async (args) => {
    commands.add(String(context.commandName));
    return next(args);
  },
  { step: 'initialize', name: 'recordWebhookCommands' },
);

const stamp = Date.now().toString(36);
const T0 = '2026-03-02T09:00:00.000Z';

// ---- a receiver that answers from a script ----

let server: Server;
let receiverUrl: string;
const script: number[] = [];
const received: { headers: Record<string, string>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers as Record<string, string>, body });
      response.writeHead(script.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  await sqs.send(new PurgeQueueCommand({ QueueUrl: deliveryQueue.url }));
  await sqs.send(new PurgeQueueCommand({ QueueUrl: deliveryQueue.dlqUrl }));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  // Nothing here scans the table.
  expect([...commands].filter((c) => /Scan/.test(c))).toEqual([]);
});

beforeEach(() => {
  script.length = 0;
  received.length = 0;
});

// ---- helpers ----

async function receiveAll(queueUrl: string, waitForOne = true): Promise<Message[]> {
  const all: Message[] = [];
  for (let empty = 0; empty < (waitForOne && all.length === 0 ? 6 : 1); ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      empty++;
      if (all.length > 0) break;
      continue;
    }
    all.push(...Messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return all;
}

const asEvent = (messages: Message[], arn: string): SQSEvent => ({
  Records: messages.map((m) => sqsRecord(m, arn)),
});

/** Runs the delivery worker over the delivery queue until nothing more comes (retries included). */
async function drainDeliveries(maxRounds = 10): Promise<unknown[]> {
  const outcomes: unknown[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const messages = await receiveAll(deliveryQueue.url, round === 0);
    if (messages.length === 0) break;
    const result = await deliver(asEvent(messages, deliveryQueue.arn), lambdaContext('webhookDeliver'));
    outcomes.push(result);
  }
  return outcomes;
}

function domainEvent(
  tenantId: string,
  id: string,
  type: DomainEvent['type'] = 'ticket.created',
): DomainEvent {
  return {
    id,
    type,
    version: 1,
    tenantId,
    occurredAt: new Date().toISOString(),
    actor: { type: 'agent', id: 'agt_1' },
    ticket: {
      number: 1,
      status: 'new',
      priority: 'normal',
      type: 'question',
      group: null,
      assignee: null,
      requesterId: 'cus_1',
      channel: 'api',
      version: 1,
    },
    data: { subject: 'Printer on fire' },
  };
}

/** The event as EventBridge puts it on the webhooks queue. */
const busRecord = (event: DomainEvent, messageId = `m-${event.id}`) =>
  sqsRecord(
    {
      MessageId: messageId,
      ReceiptHandle: messageId,
      Body: JSON.stringify({ source: 'deskless', 'detail-type': event.type, detail: event }),
    },
    webhooksQueue.arn,
  );

async function newTenant(name: string) {
  const id = `wh-${name}-${stamp}`;
  const created = await callApi('POST', '/v1/tenants', process.env.DESKLESS_OPERATOR_API_KEY!, {
    body: { id, name: `Webhooks ${name}` },
  });
  expect(created.status).toBe(201);
  return { tenantId: id, admin: created.body.apiKey.secret as string };
}

// ---- the stores ----

describe('DynamoDB webhook stores', () => {
  const tenantId = `wh-store-${stamp}`;
  const sub = (id: string, createdAt = T0) =>
    newSubscription(
      tenantId,
      id,
      { url: 'https://hooks.example.com/x', events: ['*'] },
      'whsec_c2VjcmV0',
      createdAt,
    );

  it('keeps subscriptions under the tenant, capped, guarded by version, with their breaker beside them', async () => {
    await subscriptions.create(sub('sub_b', '2026-03-02T09:00:01.000Z'));
    await subscriptions.create(sub('sub_a'));
    expect((await subscriptions.list(tenantId)).map((s) => s.id)).toEqual(['sub_a', 'sub_b']);
    expect(await subscriptions.get(tenantId, 'sub_a')).toEqual(sub('sub_a'));
    await subscriptions.update({ ...sub('sub_a'), enabled: false, version: 2 }, 1);
    await expect(subscriptions.update({ ...sub('sub_a'), version: 2 }, 1)).rejects.toBeInstanceOf(
      ConcurrentModificationError,
    );

    expect(await subscriptions.circuit(tenantId, 'sub_a')).toEqual(CLOSED_CIRCUIT);
    const failing = { ...CLOSED_CIRCUIT, consecutiveFailures: 1, revision: 1 };
    expect(await subscriptions.saveCircuit(tenantId, 'sub_a', failing, 0)).toBe(true);
    // A second writer that read revision 0 loses.
    expect(await subscriptions.saveCircuit(tenantId, 'sub_a', failing, 0)).toBe(false);
    expect(await subscriptions.circuit(tenantId, 'sub_a')).toEqual(failing);
    expect(await subscriptions.circuits(tenantId)).toEqual(new Map([['sub_a', failing]]));
    // The breaker never moves the subscription's version.
    expect((await subscriptions.get(tenantId, 'sub_a'))!.version).toBe(2);

    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: tables.main,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.subscriptionsPk(tenantId) },
      }),
    );
    expect(Items.map((i) => i.sk).sort()).toEqual(['CIRCUIT#sub_a', 'COUNT', 'SUB#sub_a', 'SUB#sub_b']);

    expect(await subscriptions.delete(tenantId, 'sub_a')).toBe(true);
    expect(await subscriptions.delete(tenantId, 'sub_a')).toBe(false);
    expect(await subscriptions.circuit(tenantId, 'sub_a')).toEqual(CLOSED_CIRCUIT);
  });

  it(`keeps at most ${MAX_SUBSCRIPTIONS} subscriptions per tenant, even when created at once`, async () => {
    const crowded = `${tenantId}-crowded`;
    const results = await Promise.allSettled(
      Array.from({ length: MAX_SUBSCRIPTIONS + 3 }, (_, i) =>
        subscriptions.create({ ...sub(`sub_${String(i).padStart(2, '0')}`), tenantId: crowded }),
      ),
    );
    const created = results.filter((r) => r.status === 'fulfilled').length;
    expect(created).toBeLessThanOrEqual(MAX_SUBSCRIPTIONS);
    expect((await subscriptions.list(crowded)).length).toBe(created);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(Error);
    while ((await subscriptions.list(crowded)).length < MAX_SUBSCRIPTIONS) {
      await subscriptions.create({ ...sub(`sub_more_${Math.random()}`), tenantId: crowded }).catch(() => {});
    }
    const error = await subscriptions.create({ ...sub('sub_last'), tenantId: crowded }).catch((e) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.message).toContain(`at most ${MAX_SUBSCRIPTIONS}`);
  });

  it('writes one delivery per (event, type), lists newest first with a cursor, and guards by revision', async () => {
    const make = (id: string, eventId: string) =>
      newDelivery({
        tenantId,
        subscriptionId: 'sub_b',
        id,
        eventId,
        type: 'ticket.created',
        payload: webhookPayload('ticket.created', T0, { id: eventId }),
        now: T0,
      });
    expect(await deliveries.createOnce(make('dlv_01', 'ev_1'), 'ev_1#ticket.created')).toEqual({
      created: true,
      delivery: make('dlv_01', 'ev_1'),
    });
    // The same event again makes nothing: the first delivery comes back.
    expect(await deliveries.createOnce(make('dlv_02', 'ev_1'), 'ev_1#ticket.created')).toEqual({
      created: false,
      delivery: make('dlv_01', 'ev_1'),
    });
    await deliveries.createOnce(make('dlv_03', 'ev_2'), 'ev_2#ticket.created');
    await deliveries.createOnce(make('dlv_04', 'ev_3'), 'ev_3#ticket.created');
    const first = await deliveries.list(tenantId, 'sub_b', { limit: 2 });
    expect(first.items.map((d) => d.id)).toEqual(['dlv_04', 'dlv_03']);
    const second = await deliveries.list(tenantId, 'sub_b', { limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((d) => d.id)).toEqual(['dlv_01']);
    await expect(deliveries.list(tenantId, 'sub_a', { limit: 2, cursor: first.nextCursor! })).rejects.toThrow(
      /cursor/,
    );

    const stored = (await deliveries.get(tenantId, 'sub_b', 'dlv_01'))!;
    await deliveries.save({ ...stored, claimedAt: T0 }, stored.revision);
    await expect(deliveries.save({ ...stored, claimedAt: T0 }, stored.revision)).rejects.toBeInstanceOf(
      ConcurrentModificationError,
    );
    expect((await deliveries.get(tenantId, 'sub_b', 'dlv_01'))!.revision).toBe(stored.revision + 1);

    // Deliveries and markers carry the TTL: 30 days after the delivery was made.
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: tables.main,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.deliveriesPk(tenantId, 'sub_b') },
      }),
    );
    expect(Items).toHaveLength(6);
    expect(new Set(Items.map((i) => i.expiresAt))).toEqual(new Set([Date.parse(T0) / 1000 + 30 * 86_400]));
  });
});

// ---- the API ----

describe('subscription API', () => {
  it('creates, reads, changes, rotates and deletes subscriptions; refuses private URLs with 400', async () => {
    const { admin } = await newTenant('api');
    const created = await callApi('POST', '/v1/subscriptions', admin, {
      body: { url: receiverUrl, events: ['ticket.created', 'comment.added'], description: 'CRM' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: receiverUrl,
      events: ['ticket.created', 'comment.added'],
      description: 'CRM',
      enabled: true,
      circuit: { state: 'closed', consecutiveFailures: 0, openUntil: null },
      secret: expect.stringMatching(/^whsec_/),
    });
    const id = created.body.id as string;
    expect(created.headers.location).toBe(`/v1/subscriptions/${id}`);

    const read = await callApi('GET', `/v1/subscriptions/${id}`, admin);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(read.body).not.toHaveProperty('secrets');
    expect(
      (await callApi('GET', '/v1/subscriptions', admin)).body.items.map((s: { id: string }) => s.id),
    ).toEqual([id]);

    const patched = await callApi('PATCH', `/v1/subscriptions/${id}`, admin, {
      body: { enabled: false },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, version: 2 });
    const stale = await callApi('PATCH', `/v1/subscriptions/${id}`, admin, {
      body: { enabled: true },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);

    const rotated = await callApi('POST', `/v1/subscriptions/${id}:rotate-secret`, admin);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect((await callApi('POST', `/v1/subscriptions/${id}:explode`, admin)).status).toBe(404);

    for (const url of [
      'https://10.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'http://example.com/x',
    ]) {
      const refused = await callApi('POST', '/v1/subscriptions', admin, { body: { url, events: ['*'] } });
      expect(refused.status, url).toBe(400);
      expect(refused.headers['content-type']).toBe('application/problem+json');
      expect(refused.body.errors[0].path).toBe('url');
    }
    const unknownEvent = await callApi('POST', '/v1/subscriptions', admin, {
      body: { url: receiverUrl, events: ['ticket.exploded'] },
    });
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.body.errors[0].path).toBe('events.0');

    const agentKey = await callApi('POST', '/v1/api-keys', admin, { body: { name: 'Agent', role: 'agent' } });
    expect((await callApi('GET', '/v1/subscriptions', agentKey.body.secret)).status).toBe(403);

    expect((await callApi('DELETE', `/v1/subscriptions/${id}`, admin)).status).toBe(204);
    expect((await callApi('GET', `/v1/subscriptions/${id}`, admin)).status).toBe(404);
  });
});

// ---- fan-out and delivery ----

describe('fan-out and delivery workers', () => {
  it('delivers an event once, signed, retrying a failing receiver with the same webhook-id', async () => {
    const { tenantId, admin } = await newTenant('flow');
    const created = await callApi('POST', '/v1/subscriptions', admin, {
      body: { url: receiverUrl, events: ['ticket.created'] },
    });
    const { id: subscriptionId, secret } = created.body as { id: string; secret: string };

    script.push(500, 503);
    const event = domainEvent(tenantId, `ev_${stamp}_1`);
    expect(await fanout({ Records: [busRecord(event)] }, lambdaContext('webhookFanout'))).toEqual({
      batchItemFailures: [],
    });
    // Events it does not take make no delivery.
    await fanout(
      { Records: [busRecord(domainEvent(tenantId, `ev_${stamp}_2`, 'comment.added'))] },
      lambdaContext(),
    );

    await drainDeliveries();
    expect(received).toHaveLength(3);
    const ids = new Set(received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    for (const hit of received) {
      expect(new Webhook(secret).verify(hit.body, hit.headers)).toMatchObject({
        type: 'ticket.created',
        data: event,
      });
    }

    const page = await callApi('GET', `/v1/subscriptions/${subscriptionId}/deliveries`, admin);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    const [delivery] = page.body.items;
    expect(delivery).toMatchObject({
      id: [...ids][0],
      eventId: event.id,
      type: 'ticket.created',
      status: 'delivered',
      payload: { type: 'ticket.created', timestamp: event.occurredAt, data: event },
    });
    expect(
      delivery.attempts.map((a: { statusCode: number; outcome: string }) => [a.statusCode, a.outcome]),
    ).toEqual([
      [500, 'retrying'],
      [503, 'retrying'],
      [200, 'delivered'],
    ]);

    // The same bus message again (at least once) delivers nothing twice.
    await fanout({ Records: [busRecord(event, 'redelivered')] }, lambdaContext());
    await drainDeliveries(3);
    expect(received).toHaveLength(3);

    // Redelivery: the same webhook-id, a second round of attempts.
    const again = await callApi(
      'POST',
      `/v1/subscriptions/${subscriptionId}/deliveries/${delivery.id}:redeliver`,
      admin,
    );
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: delivery.id, status: 'pending', round: 2 });
    await drainDeliveries();
    expect(received.map((r) => r.headers['webhook-id'])).toEqual([
      delivery.id,
      delivery.id,
      delivery.id,
      delivery.id,
    ]);
    const after = await callApi('GET', `/v1/subscriptions/${subscriptionId}/deliveries`, admin);
    expect(after.body.items[0]).toMatchObject({ status: 'delivered', round: 2 });
    expect(after.body.items[0].attempts.at(-1)).toMatchObject({ round: 2, attempt: 1, outcome: 'delivered' });
    const circuit = await callApi('GET', `/v1/subscriptions/${subscriptionId}`, admin);
    expect(circuit.body.circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  }, 60_000);

  it('moves the message of a delivery whose last attempt failed to the DLQ, with the reason', async () => {
    const { tenantId, admin } = await newTenant('dlq');
    const created = await callApi('POST', '/v1/subscriptions', admin, {
      body: { url: receiverUrl, events: ['*'] },
    });
    const subscriptionId = created.body.id as string;
    // A delivery on its last attempt.
    const delivery = {
      ...newDelivery({
        tenantId,
        subscriptionId,
        id: `dlv_last_${stamp}`,
        eventId: 'ev_last',
        type: 'ticket.created',
        payload: webhookPayload('ticket.created', T0, {}),
        now: new Date().toISOString(),
      }),
      nextAttempt: MAX_ATTEMPTS,
    };
    await deliveries.createOnce(delivery, 'ev_last#ticket.created');
    script.push(500);
    const message = {
      MessageId: `last-${stamp}`,
      ReceiptHandle: 'r',
      Body: JSON.stringify({
        tenantId,
        subscriptionId,
        deliveryId: delivery.id,
        round: 1,
        attempt: MAX_ATTEMPTS,
      }),
    };
    expect(await deliver(asEvent([message], deliveryQueue.arn), lambdaContext())).toEqual({
      batchItemFailures: [],
    });
    const [dead] = await receiveAll(deliveryQueue.dlqUrl);
    expect(JSON.parse(dead!.Body!)).toMatchObject({ deliveryId: delivery.id, attempt: MAX_ATTEMPTS });
    expect(dead!.MessageAttributes?.rejectedBy?.StringValue).toBe('webhookDeliver');
    expect(dead!.MessageAttributes?.reason?.StringValue).toContain(
      `failed after attempt ${MAX_ATTEMPTS}: HTTP 500`,
    );
    expect((await deliveries.get(tenantId, subscriptionId, delivery.id))!.status).toBe('failed');
    // Nothing else was queued.
    expect(await receiveAll(deliveryQueue.url, false)).toEqual([]);
    // A malformed message is rejected to the DLQ as well, not retried.
    await deliver(
      asEvent([{ MessageId: 'bad', ReceiptHandle: 'r', Body: '{"hello":1}' }], deliveryQueue.arn),
    );
    const [poison] = await receiveAll(deliveryQueue.dlqUrl);
    expect(poison!.MessageAttributes?.reason?.StringValue).toBe('not a webhook delivery (tenantId)');
  });

  it('puts a solve’s survey link in its payload, read from the table: none for spam or with csatSurveys off', async () => {
    const previousUrl = process.env[env.publicApiUrl];
    process.env[env.publicApiUrl] = 'https://api.deskless.example/';
    try {
      const { tenantId, admin } = await newTenant('survey');
      const created = await callApi('POST', '/v1/subscriptions', admin, {
        body: { url: receiverUrl, events: ['ticket.status_changed'] },
      });
      const subscriptionId = created.body.id as string;
      const ticket = async (subject: string) => {
        const made = await callApi('POST', '/v1/tickets', admin, {
          body: { subject, comment: { body: 'Help' }, requester: { email: 'ann@example.com' } },
        });
        expect(made.status).toBe(201);
        return made.body.number as number;
      };
      const solve = (number: number, id: string): DomainEvent => {
        const event = domainEvent(tenantId, `ev_${stamp}_${id}`, 'ticket.status_changed');
        return {
          ...event,
          ticket: { ...event.ticket, number, status: 'solved' },
          data: { from: 'open', to: 'solved', reason: 'agent' },
        };
      };
      const kept = await ticket('Surveyed');
      const spam = await ticket('Spam');
      expect((await callApi('PATCH', `/v1/tickets/${spam}`, admin, { body: { spam: true } })).status).toBe(
        200,
      );
      await fanout(
        { Records: [busRecord(solve(kept, 'kept')), busRecord(solve(spam, 'spam'))] },
        lambdaContext('webhookFanout'),
      );
      const settings = await callApi('PATCH', '/v1/settings', admin, { body: { csatSurveys: false } });
      expect(settings.status).toBe(200);
      const off = await ticket('Not surveyed');
      await fanout({ Records: [busRecord(solve(off, 'off'))] }, lambdaContext());

      const page = await deliveries.list(tenantId, subscriptionId, { limit: 10 });
      const payloads = new Map(
        page.items.map((d) => {
          const payload = JSON.parse(d.payload) as { data: DomainEvent; survey?: { url: string } };
          return [payload.data.ticket.number, payload];
        }),
      );
      expect(payloads.size).toBe(3);
      expect(payloads.get(spam)).not.toHaveProperty('survey');
      expect(payloads.get(off)).not.toHaveProperty('survey');
      const { url } = payloads.get(kept)!.survey!;
      expect(url).toMatch(/^https:\/\/api\.deskless\.example\/v1\/surveys\/s1\./);
      // Signed with the deployment's reply secret: the API's survey routes take it.
      const token = url.split('/').at(-1)!;
      expect(await verifySurveyToken(makeTokenSigner(), token, new Date().toISOString())).toMatchObject({
        tenantId,
        ticket: kept,
      });
      await drainDeliveries();
    } finally {
      if (previousUrl === undefined) delete process.env[env.publicApiUrl];
      else process.env[env.publicApiUrl] = previousUrl;
    }
  }, 60_000);
});
