import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbUsageStore } from '../../functions/adapters/dynamodb/usage-store.ts';
import { handler } from '../../functions/handlers/metering.ts';

const usage = new DynamoDbUsageStore(documentClient, tableNamesFromEnv());

function record(body: string): SQSRecord {
  return {
    messageId: `m-${Math.random()}`,
    receiptHandle: 'r',
    body,
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
  };
}

const envelope = (tenantId: string, type: string, occurredAt: string, data: Record<string, unknown> = {}) =>
  JSON.stringify({
    source: 'deskless',
    'detail-type': type,
    detail: {
      id: `ev-${Math.random()}`,
      type,
      version: 1,
      tenantId,
      occurredAt,
      actor: { type: 'system', id: 'test' },
      ticket: { number: 1, version: 1 },
      data,
    },
  });

describe('metering', () => {
  it('adds a batch of events to the tenants’ daily counters, across days and months', async () => {
    const tenant = `mt-${Math.random().toString(36).slice(2, 8)}`;
    const other = `${tenant}-b`;
    const event: SQSEvent = {
      Records: [
        record(envelope(tenant, 'ticket.created', '2026-01-31T23:59:00.000Z')),
        record(envelope(tenant, 'ticket.created', '2026-02-01T00:01:00.000Z')),
        record(envelope(tenant, 'email.sent', '2026-02-01T00:02:00.000Z')),
        record(envelope(other, 'ticket.created', '2026-02-01T08:00:00.000Z')),
      ],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    // The same again: counters add up.
    expect(await handler({ Records: event.Records.slice(0, 2) })).toEqual({ batchItemFailures: [] });
    // Events put on the bus are the dispatcher's to count. Each write of a tenant's day adds metering's own
    // overhead: its counter items, that one included (first batch 2 and 3, second 2 and 2; the other tenant 2).
    const counts = await usage.read(tenant, '2026-01-01', '2026-02-28');
    expect(Object.fromEntries(counts)).toEqual({
      '2026-01-31': { 'tickets.created': 2, 'metering.counter_writes': 4 },
      '2026-02-01': { 'tickets.created': 2, 'ses.mails_out': 1, 'metering.counter_writes': 5 },
    });
    expect(Object.fromEntries(await usage.read(other, '2026-02-01', '2026-02-01'))).toEqual({
      '2026-02-01': { 'tickets.created': 1, 'metering.counter_writes': 2 },
    });
    expect((await usage.read(tenant, '2026-02-02', '2026-02-28')).size).toBe(0);
  });
});
