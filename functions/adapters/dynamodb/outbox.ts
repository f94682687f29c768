import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { AgentEvent } from '../../core/agent-events.ts';
import type { ConversationEvent } from '../../core/chat/conversation.ts';
import type { OutboxEntry } from '../../core/use-cases/publish-events.ts';
import { eventFromItem } from './ticket-items.ts';
import { withoutStorageAttributes } from './transactions.ts';

export interface OutboxLogger {
  warn(message: string, extra: Record<string, unknown>): void;
}

/**
 * The outbox: the table's stream delivers every new timeline event (and agent event, and chat conversation
 * event) (the event source filter keeps only `EV#` inserts; this checks again, since a filter is configuration
 * and this is code) and `publish` sends them on.
 * A failure reports the first failed record, so the stream delivers it and everything after it again;
 * consumers de-duplicate on the event id.
 */
export function makeStreamDispatcher(
  publish: (events: readonly OutboxEntry[]) => Promise<{ failedIds: string[] }>,
  logger: OutboxLogger,
) {
  return async function dispatch(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    const records = event.Records.flatMap((record) => {
      const image = record.dynamodb?.NewImage;
      const sequence = record.dynamodb?.SequenceNumber;
      if (record.eventName !== 'INSERT' || !image || !sequence) return [];
      const item = unmarshall(image as Record<string, AttributeValue>);
      if (item.entity === 'event') return [{ sequence, entry: eventFromItem(item) as OutboxEntry }];
      if (item.entity === 'agent-event') {
        return [{ sequence, entry: withoutStorageAttributes<AgentEvent>(item) as OutboxEntry }];
      }
      if (item.entity === 'conversation-event') {
        return [{ sequence, entry: withoutStorageAttributes<ConversationEvent>(item) as OutboxEntry }];
      }
      return [];
    });
    const { failedIds } = await publish(records.map((r) => r.entry));
    if (failedIds.length === 0) return { batchItemFailures: [] };
    const failed = new Set(failedIds);
    const first = records.find((r) => failed.has(r.entry.id))!;
    logger.warn('some events were not published; the stream will deliver them again', {
      failed: failedIds.length,
      of: records.length,
      firstSequence: first.sequence,
    });
    return { batchItemFailures: [{ itemIdentifier: first.sequence }] };
  };
}
