import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, SQSEvent } from 'aws-lambda';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbMailboxStore } from '../../functions/adapters/dynamodb/mail-stores.ts';
import { eventItem } from '../../functions/adapters/dynamodb/ticket-items.ts';
import { DynamoDbUsageStore } from '../../functions/adapters/dynamodb/usage-store.ts';
import {
  DEPLOYMENT_TENANT,
  UsageBuffer,
  UsageNotWrittenError,
  usageBuffer,
} from '../../functions/adapters/metering/buffer.ts';
import { metered, tenantsOfRecords } from '../../functions/adapters/metering/invocation.ts';
import { PLATFORM_LOG_BYTES_PER_INVOCATION } from '../../functions/adapters/metering/logs.ts';
import { openTicket } from '../../functions/core/tickets.ts';
import { sequentialIds } from '../support/in-memory-ports.ts';

const tables = tableNamesFromEnv();
const store = new DynamoDbUsageStore(documentClient, tables);
const silent = { warn: () => {} };

/** What the shared buffer holds for a tenant today (flushed into a throw-away store to read it). */
async function measured(tenantId: string) {
  const seen: Record<string, number> = {};
  await usageBuffer.flush(
    {
      add: async (usage) => {
        for (const counts of usage.get(tenantId)?.values() ?? []) {
          for (const [counter, quantity] of Object.entries(counts))
            seen[counter] = (seen[counter] ?? 0) + (quantity ?? 0);
        }
      },
      read: async () => new Map(),
    },
    { force: true },
  );
  return seen;
}

/** Everything the shared buffer holds, per tenant. */
async function measuredAll() {
  const seen = new Map<string, Record<string, number>>();
  await usageBuffer.flush(
    {
      add: async (usage) => {
        for (const [tenant, days] of usage) {
          const counts = seen.get(tenant) ?? {};
          for (const day of days.values()) {
            for (const [counter, quantity] of Object.entries(day))
              counts[counter] = (counts[counter] ?? 0) + (quantity ?? 0);
          }
          seen.set(tenant, counts);
        }
      },
      read: async () => new Map(),
    },
    { force: true },
  );
  return seen;
}

describe('measured usage', () => {
  it('counts DynamoDB capacity as consumed, for the tenant whose keys the request touched', async () => {
    await measured('_drain');
    const tenant = `mu-${Math.random().toString(36).slice(2, 8)}`;
    const key = { pk: `T#${tenant}#TKT#1`, sk: 'META' };
    await documentClient.send(
      new PutCommand({ TableName: tables.main, Item: { ...key, note: 'x'.repeat(1500) } }),
    );
    await documentClient.send(new GetCommand({ TableName: tables.main, Key: key, ConsistentRead: true }));
    await documentClient.send(
      new GetCommand({ TableName: tables.main, Key: { pk: 'APIKEY#nothing', sk: 'META' } }),
    );
    const usage = await measured(tenant);
    // A 1.5 KB item: 2 write units to put, 1 read unit to read strongly consistent.
    expect(usage).toEqual({ 'dynamodb.wru': 2, 'dynamodb.rru': 1 });
  });

  it('counts invocations and GB-seconds for the tenants of a batch, and flushes once a minute', async () => {
    await measured('_drain');
    const body = (tenantId: string) => JSON.stringify({ detail: { tenantId } });
    const handler = metered(
      { name: 'test', memoryMb: 1024 },
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return 'done';
      },
      { tenantsOf: tenantsOfRecords, store, logger: silent },
    );
    const event = { Records: [{ body: body('mu-a') }, { body: body('mu-b') }, { body: '{}' }] };
    expect(await handler(event)).toBe('done');
    const all = await measuredAll();
    const a = all.get('mu-a') ?? {};
    expect(a['lambda.requests']).toBeCloseTo(1 / 3);
    expect(a['lambda.gb_seconds']).toBeGreaterThan(0.02 / 3 - 0.001);
    expect(all.get('mu-b')?.['lambda.requests']).toBeCloseTo(1 / 3);
    expect(all.get(DEPLOYMENT_TENANT)?.['lambda.requests']).toBeCloseTo(1 / 3);
  });

  it('writes its counters at most once a minute', async () => {
    const buffer = new UsageBuffer();
    const writes: number[] = [];
    const fake = {
      add: async (usage: Map<string, Map<string, Record<string, number | undefined>>>) => {
        let n = 0;
        for (const days of usage.values())
          for (const counts of days.values()) n += Object.keys(counts).length;
        writes.push(n);
      },
      read: async () => new Map(),
    };
    const start = Date.now();
    buffer.record('t1', 'api.requests', 1);
    expect(await buffer.flush(fake, { now: start + 1000 })).toBe(0);
    expect(await buffer.flush(fake, { now: start + 61_000 })).toBe(1);
    buffer.record('t1', 'api.requests', 1);
    buffer.record('t1', 'lambda.requests', 1);
    expect(await buffer.flush(fake, { force: true, now: start + 62_000 })).toBe(2);
    expect(writes).toEqual([1, 2]);
  });

  it('reports metering’s own writes as each tenant’s metering.counter_writes, not as its write units', async () => {
    await drain();
    const tenant = `mu-${Math.random().toString(36).slice(2, 8)}`;
    const day = new Date().toISOString().slice(0, 10);
    const buffer = new UsageBuffer();
    buffer.record(tenant, 'api.requests', 3);
    buffer.record(tenant, 'lambda.requests', 3);
    buffer.record(tenant, 'logs.bytes', 1_200);
    buffer.record(DEPLOYMENT_TENANT, 'dynamodb.rru', 2);
    // 3 counters and the overhead counter for the tenant; 1 and the overhead for the deployment
    expect(await buffer.flush(store, { force: true })).toBe(4);
    buffer.record(tenant, 'api.requests', 1);
    await buffer.flush(store, { force: true });
    const counts = (await store.read(tenant, day, day)).get(day);
    expect(counts).toEqual({
      'api.requests': 4,
      'lambda.requests': 3,
      'logs.bytes': 1_200,
      // 4 items the first time, 2 the second
      'metering.counter_writes': 6,
    });
    // The counters' own writes went through the metered client, and were not counted as write units.
    expect((await measured(tenant))['dynamodb.wru']).toBeUndefined();
  });

  it('counts a flush whose second transaction failed once: the first is not added again', async () => {
    // 14 tenants with 8 counters each (9 items with the overhead): 126 items, two transactions.
    const run = Math.random().toString(36).slice(2, 8);
    const tenants = Array.from({ length: 14 }, (_, i) => `mu-chunk-${run}-${i}`);
    const counters = [
      'api.requests',
      'lambda.requests',
      'lambda.gb_seconds',
      'logs.bytes',
      'dynamodb.rru',
      'dynamodb.wru',
      's3.puts',
      'sqs.requests',
    ] as const;
    const day = new Date().toISOString().slice(0, 10);
    // A client whose second TransactWriteItems fails before it reaches DynamoDB, once.
    const base = new DynamoDBClient({});
    let transactions = 0;
    base.middlewareStack.add(
      (next, context) => async (args) => {
        if ((context as { commandName?: string }).commandName === 'TransactWriteItemsCommand') {
          transactions++;
          if (transactions === 2) throw new Error('the network went away');
        }
        return next(args);
      },
      { step: 'initialize', name: 'failSecondTransaction' },
    );
    const flaky = new DynamoDbUsageStore(DynamoDBDocumentClient.from(base), tables);
    const buffer = new UsageBuffer();
    for (const tenant of tenants) for (const counter of counters) buffer.record(tenant, counter, 2);
    await expect(buffer.flush(flaky, { force: true })).rejects.toBeInstanceOf(UsageNotWrittenError);
    await buffer.flush(flaky, { force: true });
    expect(transactions).toBe(3);
    for (const tenant of tenants) {
      const counts = (await store.read(tenant, day, day)).get(day);
      expect(counts, tenant).toEqual({
        ...Object.fromEntries(counters.map((counter) => [counter, 2])),
        'metering.counter_writes': counters.length + 1,
      });
    }
  });

  it('meters the outbox: invocations, logs and each tenant’s entries put on the bus', async () => {
    const { handler: dispatcher } = await import('../../functions/handlers/dispatcher.ts');
    await drain();
    const [a, b] = [`mu-out-a-${Date.now().toString(36)}`, `mu-out-b-${Date.now().toString(36)}`];
    const ids = sequentialIds();
    const opened = (tenantId: string) =>
      openTicket(
        {
          tenantId,
          number: 1,
          subject: 'Outbox',
          comment: { body: 'hello', public: true },
          requester: { id: 'cus_1', email: 'a@b.test', phone: null, name: null },
          channel: 'api',
        },
        { type: 'agent', id: 'agt_1' },
        '2026-03-02T09:00:00.000Z',
        ids,
      );
    // Tenant a: ticket.created and comment.added; tenant b: the same.
    const records = [...opened(a).events, ...opened(b).events].map((event, i) =>
      streamRecord(eventItem(event), i),
    );
    expect(await dispatcher({ Records: records })).toEqual({ batchItemFailures: [] });
    const all = await measuredAll();
    for (const tenant of [a, b]) {
      expect(all.get(tenant)).toMatchObject({ 'events.published': 2, 'lambda.requests': 0.5 });
      expect(all.get(tenant)?.['lambda.gb_seconds']).toBeGreaterThan(0);
      // Lambda's START/END/REPORT lines at least, half each
      expect(all.get(tenant)?.['logs.bytes']).toBeGreaterThanOrEqual(PLATFORM_LOG_BYTES_PER_INVOCATION / 2);
    }
  });

  it('meters the mail intake’s S3 writes: the raw MIME SES stored and each attachment kept', async () => {
    const { handler: emailIn } = await import('../../functions/handlers/email-in.ts');
    const tenant = `mu-mail-${Date.now().toString(36)}`;
    const mailbox = `support@${tenant}.test`;
    await seedMailbox(tenant, mailbox);
    const attachment = Buffer.alloc(5_000, 7);
    const raw = await new MailComposer({
      from: 'Ann <ann@example.com>',
      to: mailbox,
      subject: 'Scan attached',
      text: 'See the scan.',
      attachments: [{ filename: 'scan.bin', content: attachment, contentType: 'application/octet-stream' }],
    })
      .compile()
      .build();
    const key = `inbound/mu-${tenant}`;
    await new S3Client({}).send(new PutObjectCommand({ Bucket: bucketName, Key: key, Body: raw }));
    await drain();
    const result = await emailIn(inboundEvent(key, mailbox));
    expect(result).toEqual({ batchItemFailures: [] });
    const usage = await measured(tenant);
    // SES's PUT of the raw MIME and email-in's PUT of the attachment; their bytes as stored
    expect(usage['s3.puts']).toBe(2);
    expect(usage['s3.bytes_written']).toBe(raw.byteLength + attachment.byteLength);
    expect(usage).toMatchObject({ 'ses.mails_in': 1, 's3.gets': 1 });
  });
});

/** Empties the shared buffer, and starts its minute afresh (a handler run next will not flush). */
async function drain() {
  usageBuffer.record('_drain', 'api.requests', 1);
  await measured('_drain');
}

let sequence = 5000;
function streamRecord(item: Record<string, unknown>, i: number): DynamoDBRecord {
  return {
    eventID: String(sequence + i),
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
      NewImage: marshall(item, { removeUndefinedValues: true }) as never,
      SequenceNumber: String(sequence++ + i),
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

/** The tenant's support address, as the mailbox store keeps it (one lookup item, global). */
async function seedMailbox(tenantId: string, address: string) {
  await new DynamoDbMailboxStore(documentClient, tables).create(tenantId, address, new Date().toISOString());
}

const bucketName = process.env.MAIL_BUCKET!;

function inboundEvent(key: string, recipient: string): SQSEvent {
  const notification = {
    notificationType: 'Received',
    mail: { messageId: key.split('/')[1], source: 'ann@example.com', destination: [recipient] },
    receipt: {
      recipients: [recipient],
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
      action: { type: 'S3', bucketName, objectKey: key },
    },
  };
  return {
    Records: [
      {
        messageId: `m-${Math.random()}`,
        receiptHandle: 'r',
        body: JSON.stringify({ Type: 'Notification', Message: JSON.stringify(notification) }),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 's',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:deskless-test',
        awsRegion: 'us-east-1',
      },
    ],
  };
}
