import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeStreamDispatcher } from '../../functions/adapters/dynamodb/outbox.ts';
import { eventItem, ticketItem } from '../../functions/adapters/dynamodb/ticket-items.ts';
import { EventBridgePublisher } from '../../functions/adapters/eventbridge/publisher.ts';
import { openTicket } from '../../functions/core/tickets.ts';
import { makePublishTimelineEvents } from '../../functions/core/use-cases/publish-events.ts';
import { handler } from '../../functions/handlers/dispatcher.ts';
import { sequentialIds } from '../support/in-memory-ports.ts';

const endpoint = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE!;

function change(tenantId: string) {
  return openTicket(
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
    sequentialIds(),
  );
}

let sequence = 1000;
function record(item: Record<string, unknown>, eventName: 'INSERT' | 'MODIFY' = 'INSERT'): DynamoDBRecord {
  return {
    eventID: String(sequence),
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
      NewImage: marshall(item, { removeUndefinedValues: true }) as never,
      SequenceNumber: String(sequence++),
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

async function published(tenantId: string) {
  const response = await fetch(`${endpoint}/events`);
  const { events } = (await response.json()) as {
    events: { 'detail-type': string; detail: { tenantId: string; id: string } }[];
  };
  return events.filter((e) => e.detail.tenantId === tenantId);
}

describe('dispatcher (the outbox)', () => {
  it('publishes each new timeline event once as a domain event, ignoring other items', async () => {
    const tenantId = `disp-${Date.now().toString(36)}`;
    const { ticket, events } = change(tenantId);
    const stream: DynamoDBStreamEvent = {
      Records: [
        record(ticketItem(ticket)),
        ...events.map((e) => record(eventItem(e))),
        record(ticketItem(ticket), 'MODIFY'),
      ],
    };
    expect(await handler(stream)).toEqual({ batchItemFailures: [] });
    const seen = await published(tenantId);
    expect(seen.map((e) => e['detail-type'])).toEqual(['ticket.created', 'comment.added']);
    expect(seen.map((e) => e.detail.id)).toEqual(events.map((e) => e.id));
  });

  it('reports the first event it could not publish so the stream delivers it again', async () => {
    const tenantId = `disp-fail-${Date.now().toString(36)}`;
    const { events } = change(tenantId);
    const records = events.map((e) => record(eventItem(e)));
    const warnings: unknown[] = [];
    // A bus that does not exist: EventBridge rejects every entry, as it would for a deleted or misnamed bus.
    const dispatch = makeStreamDispatcher(
      makePublishTimelineEvents({
        publisher: new EventBridgePublisher(new EventBridgeClient({}), 'no-such-bus'),
      }),
      { warn: (message, extra) => warnings.push({ message, extra }) },
    );
    expect(await dispatch({ Records: records })).toEqual({
      batchItemFailures: [{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }],
    });
    expect(warnings).toHaveLength(1);
    expect(await published(tenantId)).toEqual([]);

    // Only the second event fails: the stream must resume from it, not from the first.
    const flaky = makeStreamDispatcher(async (batch) => ({ failedIds: [batch[1]!.id] }), { warn: () => {} });
    expect(await flaky({ Records: records })).toEqual({
      batchItemFailures: [{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }],
    });
  });
});
