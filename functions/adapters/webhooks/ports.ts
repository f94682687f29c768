import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WebhookQueue } from '../../core/ports.ts';
import type { WebhookPorts } from '../../core/use-cases/subscriptions.ts';
import type { TableNames } from '../dynamodb/client.ts';
import { DynamoDbDeliveryStore, DynamoDbSubscriptionStore } from '../dynamodb/webhook-stores.ts';
import { urlPolicyFromEnv } from '../http/safe-fetch.ts';
import { makeSqsWebhookQueue } from '../sqs/webhook-queue.ts';
import { newWebhookSecret } from './config.ts';

/** The delivery queue, its SQS client made at the first send (the API sends only on a redelivery). */
function lazyQueue(): WebhookQueue {
  let queue: WebhookQueue | undefined;
  return {
    send(messages) {
      queue ??= makeSqsWebhookQueue(new SQSClient({ useQueueUrlAsEndpoint: false }));
      return queue.send(messages);
    },
  };
}

/** Outbound webhooks on the main table and the delivery queue; the URL policy from the environment. */
export function makeDynamoDbWebhookPorts(
  client: DynamoDBDocumentClient,
  tables: Pick<TableNames, 'main'>,
  environment: NodeJS.ProcessEnv = process.env,
): WebhookPorts {
  return {
    subscriptions: new DynamoDbSubscriptionStore(client, tables),
    deliveries: new DynamoDbDeliveryStore(client, tables),
    queue: lazyQueue(),
    urlPolicy: urlPolicyFromEnv(environment),
    newSecret: newWebhookSecret,
  };
}
