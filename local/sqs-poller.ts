/**
 * The local stand-in for a Lambda SQS event source mapping with `ReportBatchItemFailures`: long-polls a queue,
 * hands the consumer a real `SQSEvent`, and deletes only the messages it did not report as failed. Failed ones
 * come back after the visibility timeout and, past `maxReceiveCount`, fauxqs moves them to the DLQ, as SQS does.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { localRegion } from './aws-env.ts';
import { invokeLambda, type LambdaHandler, type LocalFunction } from './lambda-invoke.ts';
import { type LocalLog, silentLog } from './log.ts';

export type SqsConsumer = LambdaHandler<SQSEvent, SQSBatchResponse | undefined>;

export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly fn: LocalFunction;
  readonly handler: SqsConsumer;
  /** Messages per batch: SQS returns at most 10 per receive. */
  readonly batchSize?: number;
  /** Long-poll wait; short so that stop() returns quickly. */
  readonly waitTimeSeconds?: number;
  /** Batches in flight at once, like the several pollers Lambda runs for a queue. */
  readonly concurrency?: number;
  readonly log?: LocalLog;
}

export interface SqsPoller {
  stop(): Promise<void>;
}

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const log = options.log ?? silentLog;
  const abort = new AbortController();
  let stopping = false;

  async function pollOnce(): Promise<void> {
    let messages: Message[];
    try {
      const received = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: Math.min(options.batchSize ?? 10, 10),
          WaitTimeSeconds: options.waitTimeSeconds ?? 1,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: abort.signal },
      );
      messages = received.Messages ?? [];
    } catch (error) {
      if (stopping) return;
      log.warn('SQS receive failed', { queue: options.queueUrl, error });
      await sleep(1000);
      return;
    }
    if (messages.length === 0) return;

    const event: SQSEvent = { Records: messages.map((message) => sqsRecord(message, options.queueArn)) };
    let failed: Set<string>;
    try {
      const result = await invokeLambda(options.fn, options.handler, event);
      failed = failedIds(result, event);
    } catch (error) {
      // A thrown error fails the whole batch: nothing is deleted, everything is received again later.
      log.error(`${options.fn.name} failed`, { queue: options.queueUrl, error });
      return;
    }
    const done = messages.filter((message) => message.MessageId && !failed.has(message.MessageId));
    await deleteMessages(options.sqs, options.queueUrl, done, log);
  }

  const loop = Promise.all(
    Array.from({ length: options.concurrency ?? 4 }, async () => {
      while (!stopping) await pollOnce();
    }),
  );

  return {
    async stop() {
      stopping = true;
      abort.abort();
      await loop;
    },
  };
}

/**
 * Message ids reported in `batchItemFailures`. As in Lambda, a reply naming an id that is not in the batch
 * (or an empty one) counts as a failure of the whole batch.
 */
function failedIds(result: SQSBatchResponse | undefined, event: SQSEvent): Set<string> {
  const all = new Set(event.Records.map((record) => record.messageId));
  const failures = result?.batchItemFailures ?? [];
  const ids = new Set<string>();
  for (const failure of failures) {
    if (!failure.itemIdentifier || !all.has(failure.itemIdentifier)) return all;
    ids.add(failure.itemIdentifier);
  }
  return ids;
}

async function deleteMessages(sqs: SQSClient, queueUrl: string, messages: Message[], log: LocalLog) {
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    try {
      const result = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
      if (result.Failed?.length)
        log.warn('some messages could not be deleted', { queueUrl, failed: result.Failed });
    } catch (error) {
      log.warn('SQS delete failed; the messages will be received again', { queueUrl, error });
    }
  }
}

/** A message as Lambda presents it in `SQSEvent.Records` (camel-cased, binary values base64). */
export function sqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = (message.Attributes ?? {}) as Record<string, string>;
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...attributes,
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: localRegion,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
