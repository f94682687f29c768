/**
 * SQS (and SNS/S3) from fauxqs, embedded in this process, with every queue of `topology.queues` and its DLQ,
 * created through the SQS API with the attributes CDK gives them (visibility timeout, redrive policy).
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  QueueAttributeName,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { type QueueDefinition, queues as topologyQueues } from '../functions/topology.ts';
import { localCredentials, localPrefix, localRegion } from './aws-env.ts';
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

export interface LocalQueues {
  /** One endpoint for SQS, SNS and S3. */
  readonly endpoint: string;
  readonly port: number;
  readonly sqs: SQSClient;
  readonly queues: readonly LocalQueue[];
  readonly server: FauxqsServer;
  stop(): Promise<void>;
}

export interface LocalQueuesOptions {
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly prefix?: string;
  readonly definitions?: readonly QueueDefinition[];
  readonly log?: LocalLog;
}

/** A DLQ keeps messages for the SQS maximum, 14 days, so nothing is lost before someone redrives it. */
const dlqRetentionSeconds = 14 * 24 * 60 * 60;

export async function startLocalQueues(options: LocalQueuesOptions = {}): Promise<LocalQueues> {
  const log = options.log ?? silentLog;
  const server = await startFauxqs({ port: options.port ?? 0, logger: false, defaultRegion: localRegion });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const sqs = new SQSClient({ endpoint, region: localRegion, credentials: localCredentials });
  try {
    const queues = await ensureQueues(
      sqs,
      options.prefix ?? localPrefix,
      options.definitions ?? topologyQueues,
    );
    log.debug('fauxqs started', { endpoint, queues: queues.map((queue) => queue.name) });
    let stopped: Promise<void> | undefined;
    return {
      endpoint,
      port: server.port,
      sqs,
      queues,
      server,
      stop() {
        stopped ??= (async () => {
          sqs.destroy();
          await server.stop();
        })();
        return stopped;
      },
    };
  } catch (error) {
    sqs.destroy();
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

/** The bus rules of the topology: each queue receives the detail-types it lists in `events`. */
export function queueRules(queues: readonly LocalQueue[]): QueueRule[] {
  return queues
    .filter((queue) => queue.definition.events.length > 0)
    .map((queue) => ({ name: queue.name, detailTypes: queue.definition.events, queueUrl: queue.url }));
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
