import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { buckets, eventBus, mail, queues, tables } from '../functions/topology.ts';
import { addDeadLetterAlarm } from './alarms.ts';
import type { BucketKey } from './bucket-access.ts';
import { bucketFromDefinition } from './buckets.ts';
import { InboundMail } from './inbound-mail.ts';
import { pascal } from './names.ts';
import { SubscriberQueue } from './subscriber-queue.ts';
import { tableFromDefinition } from './tables.ts';

export type TableKey = keyof typeof tables;

/** What the stateless stack builds on; handed over as constructor props. */
export interface StatefulResources {
  readonly stackName: string;
  readonly tables: Readonly<Record<TableKey, Table>>;
  readonly buckets: Readonly<Record<BucketKey, Bucket>>;
  /** Names of the outputs holding the bucket ARNs, for grants that must name the ARN (bucket-access.ts). */
  readonly bucketArnOutputs: Readonly<Record<BucketKey, string>>;
  readonly eventBus: EventBus;
  readonly operatorKey: Secret;
  /** Signs reply addresses (`support+<ticket>.<signature>@domain`), so replies thread without a lookup. */
  readonly replySecret: Secret;
  /** Receives the stream batches the dispatcher gave up on (Lambda on-failure destination). */
  readonly outboxDeadLetterQueue: Queue;
  /** Subscriber queues by topology name. */
  readonly queues: ReadonlyMap<string, Queue>;
  /** Their dead-letter queues, by the same names. */
  readonly deadLetterQueues: ReadonlyMap<string, Queue>;
  readonly alarmTopic: Topic;
}

export interface StatefulStackProps extends StackProps {
  readonly stage: string;
  readonly alarmEmail?: string;
  /** Domains and addresses SES receives mail for; none: no receipt rule set (see InboundMail). */
  readonly mailRecipients: readonly string[];
  readonly replaceActiveRuleSet: boolean;
}

/** Everything that holds data or identity: replacing it would lose tickets, keys or queued work. */
export class StatefulStack extends Stack implements StatefulResources {
  readonly tables: Readonly<Record<TableKey, Table>>;
  readonly buckets: Readonly<Record<BucketKey, Bucket>>;
  readonly bucketArnOutputs: Readonly<Record<BucketKey, string>>;
  readonly eventBus: EventBus;
  readonly operatorKey: Secret;
  readonly replySecret: Secret;
  readonly outboxDeadLetterQueue: Queue;
  readonly queues: ReadonlyMap<string, Queue>;
  readonly deadLetterQueues: ReadonlyMap<string, Queue>;
  readonly alarmTopic: Topic;
  readonly inboundMail: InboundMail;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Deskless ${props.stage} alarms`,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    const built: Partial<Record<TableKey, Table>> = {};
    for (const key of Object.keys(tables) as TableKey[]) built[key] = tableFromDefinition(this, tables[key]);
    this.tables = built as Record<TableKey, Table>;

    const builtBuckets: Partial<Record<BucketKey, Bucket>> = {};
    const arnOutputs: Partial<Record<BucketKey, string>> = {};
    for (const key of Object.keys(buckets) as BucketKey[]) {
      const bucket = bucketFromDefinition(this, buckets[key]);
      const output = new CfnOutput(this, `${pascal(key)}BucketArn`, {
        value: bucket.bucketArn,
        description: `ARN of the ${key} bucket (${buckets[key].purpose})`,
      });
      builtBuckets[key] = bucket;
      arnOutputs[key] = this.getLogicalId(output);
    }
    this.buckets = builtBuckets as Record<BucketKey, Bucket>;
    this.bucketArnOutputs = arnOutputs as Record<BucketKey, string>;

    this.inboundMail = new InboundMail(this, 'InboundMail', {
      stage: props.stage,
      bucket: this.buckets.mail,
      recipients: props.mailRecipients,
      replaceActiveRuleSet: props.replaceActiveRuleSet,
    });

    this.eventBus = new EventBus(this, 'EventBus', {
      eventBusName: `deskless-${props.stage}-${eventBus.name}`,
      description: `Deskless ${props.stage} domain events (source "${eventBus.source}")`,
    });

    this.operatorKey = new Secret(this, 'OperatorKey', {
      description: `Deskless ${props.stage} operator API key: creates tenants (POST /v1/tenants)`,
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    Validations.of(this.operatorKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The operator key is a bearer credential held by a person, not a database password: an automatic ' +
        'rotation would lock the operator out. It is rotated by hand (rotate-secret with a new random value).',
    });

    this.replySecret = new Secret(this, 'ReplySecret', {
      description: `Deskless ${props.stage} key that signs reply addresses of outgoing mail`,
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    Validations.of(this.replySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The reply secret signs the reply addresses of every mail already sent; rotating it would make ' +
        "customers' replies to those mails fail verification and open new tickets instead of threading.",
    });

    this.outboxDeadLetterQueue = new Queue(this, 'OutboxDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.outboxDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter destination: the on-failure destination of the dispatcher ' +
        'stream mapping, which Lambda writes to directly; nothing consumes it automatically.',
    });
    addDeadLetterAlarm(
      this,
      'OutboxDeadLetterAlarm',
      this.outboxDeadLetterQueue,
      'The outbox dispatcher (unpublished domain events; the stream keeps their records only 24 hours)',
      this.alarmTopic,
    );

    const topics = new Map([[mail.inboundTopic, this.inboundMail.topic]]);
    const subscriberQueues = new Map<string, Queue>();
    const deadLetterQueues = new Map<string, Queue>();
    for (const definition of queues) {
      const subscriber = new SubscriberQueue(this, `${pascal(definition.name)}Subscriber`, {
        definition,
        bus: this.eventBus,
        source: eventBus.source,
        topics,
        alarmTopic: this.alarmTopic,
      });
      subscriberQueues.set(definition.name, subscriber.queue);
      deadLetterQueues.set(definition.name, subscriber.deadLetterQueue);
    }
    this.queues = subscriberQueues;
    this.deadLetterQueues = deadLetterQueues;
  }
}
