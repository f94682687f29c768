import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { TimerQueue } from '../../core/ports.ts';
import type { DueTimerMessage } from '../../core/timers.ts';
import { queues } from '../../topology.ts';

/** SendMessageBatch takes at most ten entries. */
const BATCH = 10;
/** Entries SQS refused (throttling, an internal error) are sent again this many times before giving up. */
const ATTEMPTS = 3;

/** The timer queue's URL, from the variable topology.ts names (set by CDK and by the local runtime). */
export function timerQueueUrl(environment: NodeJS.ProcessEnv = process.env): string {
  const envVar = queues.find((queue) => queue.name === 'timers')?.envVar;
  if (!envVar) throw new Error('topology.ts has no "timers" queue with an envVar');
  const url = environment[envVar];
  if (!url) throw new Error(`${envVar} is not set`);
  return url;
}

export class TimerQueueSendError extends Error {
  constructor(
    readonly failed: number,
    reason: string,
  ) {
    super(`${failed} timer message(s) not sent: ${reason}`);
    this.name = 'TimerQueueSendError';
  }
}

/**
 * Claimed timers onto the timer queue, ten per SendMessageBatch, batches in parallel. A send that still fails
 * after the retries throws: those timers stay claimed, and a sweep after their lease claims and sends them
 * again. Duplicates are the worker's to drop (it applies each `effect` once).
 */
export function makeSqsTimerQueue(sqs: SQSClient, queueUrl: string): TimerQueue {
  async function sendBatch(messages: readonly DueTimerMessage[]): Promise<void> {
    let pending: SendMessageBatchRequestEntry[] = messages.map((message, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(message),
    }));
    let reason = '';
    for (let attempt = 1; attempt <= ATTEMPTS && pending.length > 0; attempt++) {
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = new Set((result.Failed ?? []).map((entry) => entry.Id));
      const senderFault = (result.Failed ?? []).find((entry) => entry.SenderFault);
      // A sender fault (a malformed entry) will fail the same way again.
      if (senderFault)
        throw new TimerQueueSendError(failed.size, senderFault.Message ?? senderFault.Code ?? '');
      reason = (result.Failed ?? []).map((entry) => entry.Code).join(', ');
      pending = pending.filter((entry) => failed.has(entry.Id));
    }
    if (pending.length > 0) throw new TimerQueueSendError(pending.length, reason);
  }

  return {
    async send(messages) {
      const batches: DueTimerMessage[][] = [];
      for (let start = 0; start < messages.length; start += BATCH) {
        batches.push(messages.slice(start, start + BATCH));
      }
      await Promise.all(batches.map(sendBatch));
    },
  };
}
