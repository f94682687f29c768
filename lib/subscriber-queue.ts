import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
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
  readonly alarmTopic: ITopic;
}

/** A queue fed by a bus rule with the domain events it subscribes to, its DLQ and the DLQ's alarm. */
export class SubscriberQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: SubscriberQueueProps) {
    super(scope, id);
    const { definition } = props;
    if (definition.events.length === 0) {
      throw new Error(`queue "${definition.name}" subscribes to no events; give it at least one detail-type`);
    }

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

    new Rule(this, 'Subscription', {
      eventBus: props.bus,
      description: `${definition.name}: ${definition.description}`,
      eventPattern: { source: [props.source], detailType: [...definition.events] },
      // Events EventBridge cannot deliver land in the same DLQ as those the consumer gave up on: both are
      // the same event JSON, so one redrive handles both.
      targets: [new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });

    addDeadLetterAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      `queue "${definition.name}"`,
      props.alarmTopic,
    );
  }
}
