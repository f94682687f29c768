/**
 * The local EventBridge (local/eventbridge.ts) driven by the real `@aws-sdk/client-eventbridge`: PutEvents
 * results, the `GET /events` log, and delivery of matching events to an SQS queue in fauxqs with the envelope
 * an EventBridge rule sends.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queues } from '../../functions/topology.ts';
import { localCredentials } from '../../local/aws-env.ts';
import {
  type EventEnvelope,
  type LocalEventBridge,
  matchesPattern,
  startLocalEventBridge,
} from '../../local/eventbridge.ts';

const { endpoints, region, eventBusName } = inject('deskless');

describe('local EventBridge', () => {
  const busName = `itest-bus-${randomUUID().slice(0, 8)}`;
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region, credentials: localCredentials });
  let bus: LocalEventBridge;
  let client: EventBridgeClient;
  let queueUrl: string;

  beforeAll(async () => {
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: `itest-triage-${randomUUID().slice(0, 8)}` }),
    );
    queueUrl = created.QueueUrl!;
    bus = await startLocalEventBridge({
      busName,
      sqs,
      rules: [{ name: 'triage', detailTypes: ['TicketCreated', 'TicketReopened'], queueUrl }],
      maxEvents: 5,
    });
    client = new EventBridgeClient({ endpoint: bus.endpoint, region, credentials: localCredentials });
  });
  afterAll(async () => {
    client?.destroy();
    await bus?.stop();
    sqs.destroy();
  });

  async function receiveAll(): Promise<EventEnvelope[]> {
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    return (received.Messages ?? []).map((message) => JSON.parse(message.Body ?? '{}') as EventEnvelope);
  }

  it('accepts PutEvents from the SDK and routes matching detail-types to the queue', async () => {
    const time = new Date('2026-03-04T05:06:07.890Z');
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: 'deskless',
            DetailType: 'TicketCreated',
            Detail: JSON.stringify({ tenantId: 'acme', number: 1 }),
            Resources: ['ticket/acme/1'],
            Time: time,
          },
          { EventBusName: busName, Source: 'deskless', DetailType: 'CommentAdded', Detail: '{"number":1}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries).toHaveLength(2);
    const [createdId, commentId] = (result.Entries ?? []).map((entry) => entry.EventId);
    expect(createdId).toMatch(/^[0-9a-f-]{36}$/);

    await bus.flush();
    const delivered = await receiveAll();
    expect(delivered).toEqual([
      {
        version: '0',
        id: createdId,
        'detail-type': 'TicketCreated',
        source: 'deskless',
        account: '000000000000',
        time: '2026-03-04T05:06:07Z',
        region,
        resources: ['ticket/acme/1'],
        detail: { tenantId: 'acme', number: 1 },
      },
    ]);

    const log = (await (await fetch(`${bus.endpoint}/events`)).json()) as { events: EventEnvelope[] };
    expect(log.events.map((event) => event.id)).toEqual([createdId, commentId]);
    const filtered = (await (await fetch(`${bus.endpoint}/events?detail-type=CommentAdded`)).json()) as {
      events: EventEnvelope[];
    };
    expect(filtered.events.map((event) => event.id)).toEqual([commentId]);
  });

  it('reports invalid entries and unknown buses per entry, like EventBridge', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: busName, Source: 'deskless', DetailType: 'TicketReopened', Detail: '{"number":2}' },
          { EventBusName: busName, Source: 'deskless', DetailType: 'TicketCreated', Detail: 'not json' },
          { EventBusName: busName, Source: 'deskless', Detail: '{}' },
          { EventBusName: 'no-such-bus', Source: 'deskless', DetailType: 'TicketCreated', Detail: '{}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries?.[0]?.EventId).toBeTruthy();
    expect(result.Entries?.slice(1).map((entry) => entry.ErrorCode)).toEqual([
      'MalformedDetail',
      'InvalidArgument',
      'ResourceNotFoundException',
    ]);
    await bus.flush();
    const delivered = await receiveAll();
    expect(delivered.map((event) => event['detail-type'])).toEqual(['TicketReopened']);
  });

  it('rejects more than 10 entries as the service does', async () => {
    const entries = Array.from({ length: 11 }, () => ({
      EventBusName: busName,
      Source: 'deskless',
      DetailType: 'X',
      Detail: '{}',
    }));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('keeps only the last maxEvents events', async () => {
    bus.clear();
    for (let index = 0; index < 7; index++) {
      await client.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: busName, Source: 'deskless', DetailType: 'Tick', Detail: `{"i":${index}}` },
          ],
        }),
      );
    }
    expect(bus.events().map((event) => (event.detail as { i: number }).i)).toEqual([2, 3, 4, 5, 6]);
  });

  it('is what a default-configured SDK client reaches through AWS_ENDPOINT_URL_EVENTBRIDGE', async () => {
    // The global setup's bus: a handler's `new EventBridgeClient({})` must land there without code changes.
    const fromEnv = new EventBridgeClient({});
    try {
      const marker = randomUUID();
      const result = await fromEnv.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: process.env.EVENT_BUS_NAME,
              Source: 'deskless',
              DetailType: 'Probe',
              Detail: JSON.stringify({ marker }),
            },
          ],
        }),
      );
      expect(result.FailedEntryCount).toBe(0);
      expect(process.env.EVENT_BUS_NAME).toBe(eventBusName);
      const log = (await (await fetch(`${endpoints.eventbridge}/events?detail-type=Probe`)).json()) as {
        events: EventEnvelope[];
      };
      expect(log.events.some((event) => (event.detail as { marker?: string }).marker === marker)).toBe(true);
    } finally {
      fromEnv.destroy();
    }
  });
});

describe('event patterns on the detail', () => {
  it('match nested exact values as EventBridge does', () => {
    const pattern = { ticket: { channel: ['email'] }, data: { public: [true] } };
    expect(matchesPattern(pattern, { ticket: { channel: 'email' }, data: { public: true, body: 'x' } })).toBe(
      true,
    );
    expect(matchesPattern(pattern, { ticket: { channel: 'api' }, data: { public: true } })).toBe(false);
    expect(matchesPattern(pattern, { ticket: { channel: 'email' }, data: { public: false } })).toBe(false);
    expect(matchesPattern(pattern, { ticket: { channel: 'email' } })).toBe(false);
  });

  it('match `$or`: one of its patterns besides the other fields (the outbound-email rule)', () => {
    const outbound = queues.find((queue) => queue.name === 'outbound-email')!.detail!;
    const email = { channel: 'email' };
    expect(matchesPattern(outbound, { ticket: email, data: { public: true, body: 'x' } })).toBe(true);
    expect(matchesPattern(outbound, { ticket: email, data: { from: 'open', to: 'solved' } })).toBe(true);
    expect(matchesPattern(outbound, { ticket: email, data: { public: false } })).toBe(false);
    expect(matchesPattern(outbound, { ticket: email, data: { from: 'open', to: 'pending' } })).toBe(false);
    expect(matchesPattern(outbound, { ticket: { channel: 'api' }, data: { to: 'solved' } })).toBe(false);
  });
});
