import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueDefinition } from '../functions/topology.ts';
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
 * it lists (`events`) or by a subscription to an SNS topic (`topic`).
 */
export class SubscriberQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SubscriberQueueProps) {
    super(scope, id);
    const { definition } = props;
    const topic = topicOf(definition, props.topics);

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
    if (topic) {
      topic.addSubscription(
        new SqsSubscription(this.queue, { rawMessageDelivery: false, deadLetterQueue: this.deadLetterQueue }),
      );
    } else {
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

/** The topic a queue subscribes to, or undefined for an `events` queue; a mistake fails synth by name. */
function topicOf(definition: QueueDefinition, topics: ReadonlyMap<string, ITopic>): ITopic | undefined {
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
    return found;
  }
  if (!events || events.length === 0) {
    throw new Error(`queue "${name}" subscribes to no events; give it at least one detail-type or a topic`);
  }
  return undefined;
}
