import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/**
 * The client requests go to its configured endpoint, not to the host a queue URL names: the same thing on AWS,
 * and what an emulator needs (its queue URLs name a host that only looks like AWS's).
 */
export const sqsClient = () => new SQSClient({ useQueueUrlAsEndpoint: false });

/** `arn:aws:sqs:region:account:name` → its parts (the queue's name and owner give its URL). */
function parseQueueArn(arn: string): { account: string; name: string } | null {
  const parts = arn.split(':');
  return parts.length === 6 && parts[2] === 'sqs' ? { account: parts[4]!, name: parts[5]! } : null;
}

/**
 * Sends a poison record straight to its queue's dead-letter queue, found from the source queue's redrive policy
 * (no configuration to keep in step; cached per source queue for the life of the container). The DLQ keeps the
 * original body and says why in message attributes, so an operator can read, fix and redrive it.
 */
export function makeDeadLetterer(sqs: SQSClient, consumer: string) {
  const dlqUrls = new Map<string, Promise<string>>();

  async function dlqUrlOf(sourceArn: string): Promise<string> {
    const source = parseQueueArn(sourceArn);
    if (!source) throw new Error(`not an SQS queue ARN: ${sourceArn}`);
    const { QueueUrl: sourceUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: source.name, QueueOwnerAWSAccountId: source.account }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: sourceUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    const policy = Attributes?.RedrivePolicy
      ? (JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: string })
      : {};
    const dlq = policy.deadLetterTargetArn ? parseQueueArn(policy.deadLetterTargetArn) : null;
    if (!dlq) throw new Error(`queue ${source.name} has no dead-letter queue`);
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: dlq.name, QueueOwnerAWSAccountId: dlq.account }),
    );
    if (!QueueUrl) throw new Error(`dead-letter queue ${dlq.name} not found`);
    return QueueUrl;
  }

  return async function deadLetter(record: SQSRecord, reason: string): Promise<void> {
    let url = dlqUrls.get(record.eventSourceARN);
    if (!url) {
      url = dlqUrlOf(record.eventSourceARN);
      dlqUrls.set(record.eventSourceARN, url);
      // A failed lookup is not cached: the next poison record tries again.
      url.catch(() => dlqUrls.delete(record.eventSourceARN));
    }
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: await url,
        MessageBody: record.body,
        MessageAttributes: {
          rejectedBy: { DataType: 'String', StringValue: consumer },
          reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
          originalMessageId: { DataType: 'String', StringValue: record.messageId },
        },
      }),
    );
  };
}
