/**
 * SQS, SNS and S3 from fauxqs, embedded in this process, with every queue of `topology.queues` and its DLQ,
 * created through the SQS API with the attributes CDK gives them (visibility timeout, redrive policy); for each
 * `topic` queue the SNS topic `deskless-<topic>` and an SQS subscription without raw message delivery (the queue
 * receives the SNS envelope, whose `Message` is what was published); and the buckets of `topology.buckets`.
 * A plain queue (neither events nor a topic, like `timers`) is only created: the functions that send to it learn
 * its URL from the environment (`queueUrls`).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  QueueAttributeName,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import {
  type BucketDefinition,
  type QueueDefinition,
  buckets as topologyBuckets,
  queues as topologyQueues,
} from '../functions/topology.ts';
import { localCredentials, localPrefix, localRegion } from './aws-env.ts';
import { type BucketNames, ensureBuckets, localS3Client } from './buckets.ts';
import type { QueueRule } from './eventbridge.ts';
import { type LocalLog, silentLog } from './log.ts';

export interface LocalQueue {
  readonly definition: QueueDefinition;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly dlqName: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
}

/** An SNS topic some queue subscribes to (`QueueDefinition.topic`). */
export interface LocalTopic {
  /** Logical name from the topology (`inbound-mail`). */
  readonly topic: string;
  /** Physical name (`deskless-inbound-mail`). */
  readonly name: string;
  readonly arn: string;
  /** Physical names of the subscribed queues. */
  readonly queues: readonly string[];
}

export interface LocalQueues {
  /** One endpoint for SQS, SNS and S3. */
  readonly endpoint: string;
  readonly port: number;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly s3: S3Client;
  readonly queues: readonly LocalQueue[];
  readonly topics: readonly LocalTopic[];
  /** Physical bucket names by topology key. */
  readonly buckets: BucketNames;
  readonly server: FauxqsServer;
  stop(): Promise<void>;
}

export interface LocalQueuesOptions {
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly prefix?: string;
  readonly definitions?: readonly QueueDefinition[];
  readonly buckets?: Record<string, BucketDefinition>;
  readonly log?: LocalLog;
}

/** A DLQ keeps messages for the SQS maximum, 14 days, so nothing is lost before someone redrives it. */
const dlqRetentionSeconds = 14 * 24 * 60 * 60;

export async function startLocalQueues(options: LocalQueuesOptions = {}): Promise<LocalQueues> {
  const log = options.log ?? silentLog;
  const server = await startFauxqs({ port: options.port ?? 0, logger: false, defaultRegion: localRegion });
  // An IP literal, not `localhost`: see LocalEndpoints.sqs (S3 path-style addressing).
  const endpoint = `http://127.0.0.1:${server.port}`;
  const sqs = new SQSClient({ endpoint, region: localRegion, credentials: localCredentials });
  const sns = new SNSClient({ endpoint, region: localRegion, credentials: localCredentials });
  const s3 = localS3Client(endpoint);
  const destroyClients = () => {
    sqs.destroy();
    sns.destroy();
    s3.destroy();
  };
  try {
    const prefix = options.prefix ?? localPrefix;
    const queues = await ensureQueues(sqs, prefix, options.definitions ?? topologyQueues);
    const topics = await ensureTopics(sns, prefix, queues);
    const buckets = await ensureBuckets(s3, prefix, options.buckets ?? topologyBuckets);
    log.debug('fauxqs started', {
      endpoint,
      queues: queues.map((queue) => queue.name),
      topics: topics.map((topic) => topic.name),
      buckets: Object.values(buckets),
    });
    let stopped: Promise<void> | undefined;
    return {
      endpoint,
      port: server.port,
      sqs,
      sns,
      s3,
      queues,
      topics,
      buckets,
      server,
      stop() {
        stopped ??= (async () => {
          destroyClients();
          await server.stop();
        })();
        return stopped;
      },
    };
  } catch (error) {
    destroyClients();
    await server.stop();
    throw error;
  }
}

/** Creates each queue and its DLQ (CreateQueue is idempotent for identical attributes). */
export async function ensureQueues(
  sqs: SQSClient,
  prefix: string,
  definitions: readonly QueueDefinition[],
): Promise<LocalQueue[]> {
  const created: LocalQueue[] = [];
  for (const definition of definitions) {
    const name = `${prefix}-${definition.name}`;
    const dlqName = `${name}-dlq`;
    const dlqUrl = await createQueue(sqs, dlqName, { MessageRetentionPeriod: String(dlqRetentionSeconds) });
    const dlqArn = await queueArn(sqs, dlqUrl);
    const url = await createQueue(sqs, name, {
      VisibilityTimeout: String(definition.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlqArn,
        maxReceiveCount: definition.maxReceiveCount,
      }),
    });
    created.push({ definition, name, url, arn: await queueArn(sqs, url), dlqName, dlqUrl, dlqArn });
  }
  return created;
}

/**
 * Creates the SNS topic of every `topic` queue (`<prefix>-<topic>`, CreateTopic is idempotent) and subscribes
 * the queue to it, as CDK's `SqsSubscription` does by default: raw message delivery off, so each SQS message is
 * the SNS envelope (`Type`, `MessageId`, `TopicArn`, `Subject`, `Message`, `Timestamp`, signature fields).
 */
export async function ensureTopics(
  sns: SNSClient,
  prefix: string,
  queues: readonly LocalQueue[],
): Promise<LocalTopic[]> {
  const topics = new Map<string, { name: string; arn: string; queues: string[] }>();
  for (const queue of queues) {
    const topic = queue.definition.topic;
    if (!topic) continue;
    let created = topics.get(topic);
    if (!created) {
      const name = `${prefix}-${topic}`;
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
      if (!TopicArn) throw new Error(`CreateTopic ${name} returned no ARN`);
      created = { name, arn: TopicArn, queues: [] };
      topics.set(topic, created);
    }
    await sns.send(new SubscribeCommand({ TopicArn: created.arn, Protocol: 'sqs', Endpoint: queue.arn }));
    created.queues.push(queue.name);
  }
  return [...topics].map(([topic, created]) => ({ topic, ...created }));
}

/** Queue URLs by topology name (`localAwsEnv`'s `queueUrls`: how senders such as the sweeper find them). */
export function queueUrls(queues: readonly LocalQueue[]): Record<string, string> {
  return Object.fromEntries(queues.map((queue) => [queue.definition.name, queue.url]));
}

/** The bus rules of the topology: each `events` queue receives the detail-types it lists. */
export function queueRules(queues: readonly LocalQueue[]): QueueRule[] {
  const rules: QueueRule[] = [];
  for (const queue of queues) {
    const detailTypes = queue.definition.events ?? [];
    if (detailTypes.length > 0) {
      rules.push({ name: queue.name, detailTypes, detail: queue.definition.detail, queueUrl: queue.url });
    }
  }
  return rules;
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
  return QueueUrl;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [QueueAttributeName.QueueArn] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for queue ${url}`);
  return arn;
}
