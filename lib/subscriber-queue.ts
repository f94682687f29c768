import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionDefinition, QueueDefinition } from '../functions/topology.ts';
import { addDeadLetterAlarm } from './alarms.ts';

/** Long enough to notice, fix and redrive over a holiday weekend; the SQS maximum. */
const DLQ_RETENTION = Duration.days(14);

export interface SubscriberQueueProps {
  readonly definition: QueueDefinition;
  readonly bus: IEventBus;
  /** The `source` every domain event on the bus carries. */
  readonly source: string;
  /** The SNS topics a `topic` queue may subscribe to, by their topology name. */
  readonly topics: ReadonlyMap<string, ITopic>;
  readonly alarmTopic: ITopic;
}

/**
 * A queue of topology.ts with its DLQ and the DLQ's alarm, fed either by a bus rule with the domain events
 * it lists (`events`), by a subscription to an SNS topic (`topic`), or, a plain queue (neither), only by the
 * functions that send to it (`sendsTo`; see plainQueueSenders).
 */
export class SubscriberQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SubscriberQueueProps) {
    super(scope, id);
    const { definition } = props;
    const source = sourceOf(definition, props.topics);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
    });

    // Messages the source cannot deliver land in the same DLQ as those the consumer gave up on: both have the
    // shape the consumer reads (event JSON, or the SNS envelope), so one redrive handles both.
    if (source.kind === 'topic') {
      source.topic.addSubscription(
        new SqsSubscription(this.queue, { rawMessageDelivery: false, deadLetterQueue: this.deadLetterQueue }),
      );
    } else if (source.kind === 'events') {
      new Rule(this, 'Subscription', {
        eventBus: props.bus,
        description: `${definition.name}: ${definition.description}`,
        eventPattern: {
          source: [props.source],
          detailType: [...(definition.events ?? [])],
          ...(definition.detail && { detail: definition.detail as Record<string, unknown> }),
        },
        targets: [new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
      });
    }

    addDeadLetterAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      `queue "${definition.name}"`,
      props.alarmTopic,
    );
  }
}

type QueueSource = { kind: 'topic'; topic: ITopic } | { kind: 'events' } | { kind: 'plain' };

/** What feeds a queue: its topic, its bus rule, or only functions (plain); a mistake fails synth by name. */
function sourceOf(definition: QueueDefinition, topics: ReadonlyMap<string, ITopic>): QueueSource {
  const { name, events, topic } = definition;
  if (topic !== undefined && events !== undefined) {
    throw new Error(`queue "${name}" has both events and a topic; give it one source`);
  }
  if (topic !== undefined) {
    const found = topics.get(topic);
    if (!found) {
      throw new Error(
        `queue "${name}" subscribes to topic "${topic}", which is not one of ${[...topics.keys()].join(', ')}`,
      );
    }
    return { kind: 'topic', topic: found };
  }
  if (events === undefined) return { kind: 'plain' };
  if (events.length === 0) {
    throw new Error(`queue "${name}" subscribes to no events; give it at least one detail-type or a topic`);
  }
  return { kind: 'events' };
}

/**
 * The functions that send to each plain queue, by queue name. Every `sendsTo` must name a queue of the
 * topology that has an `envVar` (its URL reaches the sender through it), and every plain queue needs a sender:
 * nothing else would ever feed it.
 */
export function plainQueueSenders(
  queues: readonly QueueDefinition[],
  functions: Readonly<Record<string, FunctionDefinition>>,
): Map<string, string[]> {
  const byName = new Map(queues.map((queue) => [queue.name, queue]));
  const senders = new Map<string, string[]>();
  for (const [fn, definition] of Object.entries(functions)) {
    for (const target of definition.sendsTo ?? []) {
      const queue = byName.get(target);
      if (!queue)
        throw new Error(`function "${fn}" sends to queue "${target}", which topology.ts does not define`);
      if (!queue.envVar) {
        throw new Error(`function "${fn}" sends to queue "${target}", which has no envVar to pass its URL`);
      }
      senders.set(target, [...(senders.get(target) ?? []), fn]);
    }
  }
  for (const queue of queues) {
    if (queue.events === undefined && queue.topic === undefined && !senders.has(queue.name)) {
      throw new Error(
        `queue "${queue.name}" has no source: give it events, a topic, or a function that sendsTo it`,
      );
    }
  }
  return senders;
}
