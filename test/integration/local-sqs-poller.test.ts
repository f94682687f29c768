/**
 * The local SQS event source mapping (local/sqs-poller.ts) and queue setup (local/queues.ts) against fauxqs:
 * real `SQSEvent` batches, deletion of the successful messages only, and the DLQ after `maxReceiveCount`.
 */
import { randomUUID } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { localCredentials } from '../../local/aws-env.ts';
import { ensureQueues } from '../../local/queues.ts';
import { type SqsPoller, startSqsPoller } from '../../local/sqs-poller.ts';

const { endpoints, region } = inject('deskless');
const fn = { name: 'consumer', memoryMb: 128, timeoutSeconds: 5 };

describe('local SQS poller', () => {
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region, credentials: localCredentials });
  const pollers: SqsPoller[] = [];

  afterAll(async () => {
    await Promise.all(pollers.map((poller) => poller.stop()));
    sqs.destroy();
  });

  it('creates a queue with its DLQ and hands the consumer SQSEvent batches, deleting only successes', async () => {
    const name = `q${randomUUID().slice(0, 8)}`;
    const [queue] = await ensureQueues(sqs, 'itest', [
      {
        name,
        description: 'test',
        events: ['TicketCreated'],
        visibilityTimeoutSeconds: 1,
        maxReceiveCount: 2,
      },
    ]);
    expect(queue).toMatchObject({ name: `itest-${name}`, dlqName: `itest-${name}-dlq` });
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue!.url, AttributeNames: ['All'] }),
    );
    expect(JSON.parse(attributes.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({
      deadLetterTargetArn: queue!.dlqArn,
    });
    expect(Number(JSON.parse(attributes.Attributes?.RedrivePolicy ?? '{}').maxReceiveCount)).toBe(2);

    for (const body of ['ok-1', 'poison', 'ok-2']) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue!.url,
          MessageBody: body,
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
        }),
      );
    }

    const seen: SQSRecord[] = [];
    pollers.push(
      startSqsPoller({
        sqs,
        queueUrl: queue!.url,
        queueArn: queue!.arn,
        fn,
        waitTimeSeconds: 1,
        handler: async (event: SQSEvent) => {
          seen.push(...event.Records);
          return {
            batchItemFailures: event.Records.filter((record) => record.body === 'poison').map((record) => ({
              itemIdentifier: record.messageId,
            })),
          };
        },
      }),
    );

    // The poison message comes back after the visibility timeout, then moves to the DLQ after 2 receives.
    await vi.waitFor(
      async () => {
        const dlq = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queue!.dlqUrl, WaitTimeSeconds: 0 }),
        );
        expect(dlq.Messages?.map((message) => message.Body)).toEqual(['poison']);
      },
      { timeout: 15_000, interval: 250 },
    );
    const bodies = seen.map((record) => record.body);
    expect(bodies.filter((body) => body.startsWith('ok')).sort()).toEqual(['ok-1', 'ok-2']);
    expect(bodies.filter((body) => body === 'poison')).toHaveLength(2);

    const first = seen[0]!;
    expect(first).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queue!.arn,
      awsRegion: region,
      messageAttributes: { kind: { dataType: 'String', stringValue: 'test' } },
    });
    expect(first.messageId).toBeTruthy();
    expect(first.receiptHandle).toBeTruthy();
    expect(first.attributes.ApproximateReceiveCount).toBe('1');
    expect(first.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
  });
});
