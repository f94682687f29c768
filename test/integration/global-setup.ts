/**
 * Global setup of the `integration` project: one set of emulators for all integration test files.
 *
 * - DynamoDB Local, in memory, on a free port, with the topology's tables (`deskless-main`, `deskless-idempotency`);
 * - fauxqs (SQS/SNS/S3) with the topology's queues and their DLQs, the SNS topics of the `topic` queues
 *   (`deskless-inbound-mail`, subscribed by `deskless-inbound-email`), and the buckets (`deskless-mail`);
 * - the local EventBridge (bus `deskless-events`) routing to the `events` queues;
 * - the SES emulator (`local/ses-outbound.ts`): what handlers send shows up at `${sesUrl}/store` and, raw,
 *   at `${sesUrl}/raw/<MessageId>` (see test/support/smtp.ts `readSentMails`).
 *
 * No SMTP server: a test that wants one starts its own `startLocalSmtp` from local/smtp.ts with `endpoints.sqs`,
 * `buckets.mail` and the inbound topic's ARN from `topics`.
 *
 * How tests reach them (both are set before any test file loads):
 *
 * 1. Environment variables, exactly what a Lambda gets: `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`,
 *    `AWS_ENDPOINT_URL_SNS`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_EVENTBRIDGE`, `AWS_ENDPOINT_URL_SESV2`
 *    (and `_SES`), `AWS_REGION`, dummy credentials, `TABLE_NAME`, `IDEMPOTENCY_TABLE_NAME`, `MAIL_BUCKET`,
 *    `EVENT_BUS_NAME`, `REPLY_SECRET`, `DESKLESS_OPERATOR_API_KEY`, and the URL of each queue functions send to
 *    (`TIMER_QUEUE_URL`). Vitest starts its workers after this setup
 *    and they inherit `process.env`, so adapters and handlers imported by a test file find their config as in
 *    AWS, and a plain `new DynamoDBClient({})` talks to DynamoDB Local (`new S3Client({})` to fauxqs, path-style
 *    by itself because the endpoint is an IP address).
 * 2. Typed values through `inject('deskless')` (vitest's provide/inject), for tests that want the endpoints
 *    explicitly or need to create their own tables or queues:
 *
 *      import { inject } from 'vitest';
 *      const { endpoints, tableNames, queues, buckets, topics, sesUrl } = inject('deskless');
 *
 * Tests share these emulators: use your own tenant ids, table prefixes, queue names or object keys to stay
 * independent.
 */
import type { TestProject } from 'vitest/node';
import {
  applyEnv,
  type LocalEndpoints,
  localAwsEnv,
  localEventBusName,
  localPrefix,
  localRegion,
} from '../../local/aws-env.ts';
import { ensureTables, startDynamoDbLocal } from '../../local/dynamodb.ts';
import { startLocalEventBridge } from '../../local/eventbridge.ts';
import { generateOperatorKey, generateReplySecret } from '../../local/local-state.ts';
import { consoleLog } from '../../local/log.ts';
import { queueRules, queueUrls, startLocalQueues } from '../../local/queues.ts';
import { startSesOutbound } from '../../local/ses-outbound.ts';

export interface IntegrationEnvironment {
  readonly region: string;
  readonly endpoints: LocalEndpoints;
  /** Physical table names by topology key (`main`, `idempotency`). */
  readonly tableNames: Record<string, string>;
  readonly eventBusName: string;
  /** The topology's queues as created in fauxqs. */
  readonly queues: readonly { name: string; url: string; arn: string; dlqUrl: string; dlqArn: string }[];
  /** Physical bucket names by topology key (`mail` → `deskless-mail`). */
  readonly buckets: Record<string, string>;
  /** SNS topics of the `topic` queues: logical name (`inbound-mail`), physical name, ARN, subscribed queues. */
  readonly topics: readonly { topic: string; name: string; arn: string; queues: readonly string[] }[];
  /** Base URL of the SES emulator (also `endpoints.ses`): `/store`, `/raw/<MessageId>`, the web page. */
  readonly sesUrl: string;
  /** The environment variables set for the workers (see above). */
  readonly env: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    deskless: IntegrationEnvironment;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // vitest.config.ts sets this for the workers only; the setup's own SDK clients run in the main process.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const log = consoleLog({ level: 'warn', prefix: 'integration-setup' });
  const stops: (() => Promise<void> | void)[] = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const dynamodb = await startDynamoDbLocal({ inMemory: true, log });
    stops.push(() => dynamodb.stop());
    const tableNames = await ensureTables(dynamodb.client, localPrefix);

    const sqs = await startLocalQueues({ log });
    stops.push(() => sqs.stop());

    const eventBusName = localEventBusName();
    const eventBridge = await startLocalEventBridge({
      busName: eventBusName,
      rules: queueRules(sqs.queues),
      sqs: sqs.sqs,
      log,
    });
    stops.push(() => eventBridge.stop());

    const ses = await startSesOutbound({ log });
    stops.push(() => ses.stop());

    const endpoints: LocalEndpoints = {
      dynamodb: dynamodb.endpoint,
      eventbridge: eventBridge.endpoint,
      sqs: sqs.endpoint,
      ses: ses.url,
    };
    const env = localAwsEnv({
      endpoints,
      tableNames,
      eventBusName,
      operatorApiKey: generateOperatorKey(),
      bucketNames: sqs.buckets,
      replySecret: generateReplySecret(),
      queueUrls: queueUrls(sqs.queues),
    });
    stops.push(applyEnv(env));

    project.provide('deskless', {
      region: localRegion,
      endpoints,
      tableNames,
      eventBusName,
      queues: sqs.queues.map(({ name, url, arn, dlqUrl, dlqArn }) => ({ name, url, arn, dlqUrl, dlqArn })),
      buckets: sqs.buckets,
      topics: sqs.topics,
      sesUrl: ses.url,
      env,
    });
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
