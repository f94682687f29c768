import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { WebhookQueue } from '../../core/ports.ts';
import { MAX_DELAY_SECONDS, type QueuedDelivery } from '../../core/webhooks/delivery.ts';
import { queues } from '../../topology.ts';

/** The topology's queue of webhook attempts. */
export const WEBHOOK_DELIVERY_QUEUE = 'webhook-deliveries';

/** SendMessageBatch takes at most ten entries. */
const BATCH = 10;
/** Entries SQS refused (throttling, an internal error) are sent again this many times before giving up. */
const ATTEMPTS = 3;

/** The delivery queue's URL, from the variable topology.ts names (set by CDK and by the local runtime). */
export function webhookQueueUrl(environment: NodeJS.ProcessEnv = process.env): string {
  const envVar = queues.find((queue) => queue.name === WEBHOOK_DELIVERY_QUEUE)?.envVar;
  if (!envVar) throw new Error(`topology.ts has no "${WEBHOOK_DELIVERY_QUEUE}" queue with an envVar`);
  const url = environment[envVar];
  if (!url) throw new Error(`${envVar} is not set`);
  return url;
}

export class WebhookQueueSendError extends Error {
  constructor(
    readonly failed: number,
    reason: string,
  ) {
    super(`${failed} webhook delivery message(s) not sent: ${reason}`);
    this.name = 'WebhookQueueSendError';
  }
}

/**
 * Attempts onto the delivery queue, each due after its DelaySeconds (whole seconds, at most 15 minutes). The URL
 * is read at the first send, so a function that only sometimes sends (the API, on a redelivery) starts without it.
 * A send that still fails after the retries throws: the caller's message comes back and is handled again.
 */
export function makeSqsWebhookQueue(
  sqs: SQSClient,
  queueUrl: () => string = () => webhookQueueUrl(),
): WebhookQueue {
  async function sendBatch(url: string, messages: readonly QueuedDelivery[]): Promise<void> {
    let pending: SendMessageBatchRequestEntry[] = messages.map(({ delaySeconds, ...message }, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(message),
      DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds))),
    }));
    let reason = '';
    for (let attempt = 1; attempt <= ATTEMPTS && pending.length > 0; attempt++) {
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: pending }));
      const failed = new Set((result.Failed ?? []).map((entry) => entry.Id));
      const senderFault = (result.Failed ?? []).find((entry) => entry.SenderFault);
      if (senderFault)
        throw new WebhookQueueSendError(failed.size, senderFault.Message ?? senderFault.Code ?? '');
      reason = (result.Failed ?? []).map((entry) => entry.Code).join(', ');
      pending = pending.filter((entry) => failed.has(entry.Id));
    }
    if (pending.length > 0) throw new WebhookQueueSendError(pending.length, reason);
  }

  return {
    async send(messages) {
      if (messages.length === 0) return;
      const url = queueUrl();
      const batches: QueuedDelivery[][] = [];
      for (let start = 0; start < messages.length; start += BATCH)
        batches.push(messages.slice(start, start + BATCH));
      await Promise.all(batches.map((batch) => sendBatch(url, batch)));
    },
  };
}
