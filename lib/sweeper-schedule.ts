import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ScheduleDefinition } from '../functions/topology.ts';
import { addDeadLetterAlarm } from './alarms.ts';

export interface TopologyScheduleProps {
  readonly stage: string;
  readonly definition: ScheduleDefinition;
  /** The function each tick invokes. */
  readonly target: IFunction;
  readonly alarmTopic: ITopic;
}

/** `rate(1 minute)`, `rate(5 minutes)`: Scheduler wants the singular for one. */
export function rateExpression(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < 1) throw new Error(`a schedule rate must be whole minutes ≥ 1`);
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}

/**
 * A schedule of topology.ts as an EventBridge Scheduler schedule (the sweeper's every minute):
 *
 * - flexible time window off, so ticks are a rate apart and the timers' lateness stays under one rate;
 * - its own role, which may invoke that one function (unqualified ARN: what Scheduler calls) and nothing else;
 * - retries of a failed invocation only while the tick is fresh: an event older than one rate is superseded by
 *   the next tick anyway;
 * - ticks that could not be delivered go to a dead-letter queue with an alarm, as every Deskless DLQ has.
 *
 * Scheduler invokes Lambda asynchronously; Lambda's own retries of a failed run are turned off, because the
 * next tick is that retry and a retried run would only overlap it.
 */
export class TopologySchedule extends Construct {
  readonly schedule: CfnSchedule;
  readonly role: Role;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: TopologyScheduleProps) {
    super(scope, id);
    const { definition, target } = props;
    const stack = Stack.of(this);
    const rate = Duration.minutes(definition.rateMinutes);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter destination: EventBridge Scheduler writes the ticks it could not ' +
        'deliver to the function here; nothing consumes it automatically.',
    });
    addDeadLetterAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      `The ${definition.name} schedule (ticks that never reached the ${definition.target} function)`,
      props.alarmTopic,
    );

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        // Only schedules of this account may use the role (confused-deputy protection).
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Deskless ${definition.name} schedule: invokes the ${definition.target} function`,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['lambda:InvokeFunction'],
        resources: [target.functionArn],
      }),
    );
    this.deadLetterQueue.grantSendMessages(this.role);

    this.schedule = new CfnSchedule(this, 'Schedule', {
      description: `Deskless ${props.stage}: ${definition.description}`,
      scheduleExpression: rateExpression(definition.rateMinutes),
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: target.functionArn,
        roleArn: this.role.roleArn,
        input: JSON.stringify({ schedule: definition.name }),
        retryPolicy: {
          maximumEventAgeInSeconds: Math.max(60, rate.toSeconds()),
          maximumRetryAttempts: 2,
        },
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      },
    });
    // The role's policy must exist before Scheduler first assumes it.
    this.schedule.node.addDependency(this.role);

    target.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.seconds(Math.max(60, rate.toSeconds())),
    });
  }
}
