import { functions, queues, schedules } from '../../topology.ts';

/**
 * What a deployment keeps that is billed by the month whatever the traffic, counted from the topology the way
 * lib/ builds it. Change lib/ (an alarm, a secret, a key) and this must change with it; the unit tests pin
 * the counts to the stacks' construction rules below.
 */
export interface DeploymentFootprint {
  /** CloudWatch metric alarms, standard resolution, by reason. */
  readonly alarms: {
    /** lib/subscriber-queue.ts: one DLQ alarm per topology queue. */
    readonly queueDeadLetters: number;
    /** lib/stateful-stack.ts: the outbox (dispatcher stream on-failure) DLQ alarm. */
    readonly outboxDeadLetter: number;
    /** lib/sweeper-schedule.ts: one DLQ alarm per schedule (ticks that never reached their function). */
    readonly scheduleDeadLetters: number;
    /** lib/stateless-stack.ts addAlarms: one `Errors` alarm per function. */
    readonly functionErrors: number;
    /** lib/stateless-stack.ts addAlarms: HTTP API 5xx. */
    readonly api5xx: number;
    /** lib/stateless-stack.ts addAlarms: dispatcher IteratorAge (outbox lag). */
    readonly outboxLag: number;
  };
  /** Secrets Manager secrets (lib/stateful-stack.ts): the operator API key and the reply-address secret. */
  readonly secrets: number;
  /**
   * CloudWatch dashboards (lib/dashboard.ts): one, of more than 50 metrics, so billed even when the account has
   * none of its 3 free ones in use.
   */
  readonly dashboards: number;
  /** EventBridge Scheduler schedules (no charge per schedule; their invocations are metered). */
  readonly schedules: number;
  /**
   * KMS customer managed keys: none. Queues use SQS-managed encryption, the bucket S3-managed keys, the table
   * DynamoDB's AWS managed key — none has a monthly key charge.
   */
  readonly kmsKeys: number;
  /** Queues a Lambda event source mapping polls (their pollers' empty receives cost even when idle). */
  readonly polledQueues: number;
}

export function deploymentFootprint(): DeploymentFootprint {
  return {
    alarms: {
      queueDeadLetters: queues.length,
      outboxDeadLetter: 1,
      scheduleDeadLetters: schedules.length,
      functionErrors: Object.keys(functions).length,
      api5xx: 1,
      outboxLag: 1,
    },
    secrets: 2,
    dashboards: 1,
    schedules: schedules.length,
    kmsKeys: 0,
    polledQueues: queues.filter((queue) => queue.consumer !== undefined).length,
  };
}

/** A deployment that keeps nothing running: what a tenant's own usage, without the fixed month, is billed with. */
export const NOTHING_FIXED: DeploymentFootprint = {
  alarms: {
    queueDeadLetters: 0,
    outboxDeadLetter: 0,
    scheduleDeadLetters: 0,
    functionErrors: 0,
    api5xx: 0,
    outboxLag: 0,
  },
  secrets: 0,
  dashboards: 0,
  schedules: 0,
  kmsKeys: 0,
  polledQueues: 0,
};

export const alarmCount = (footprint: DeploymentFootprint): number =>
  Object.values(footprint.alarms).reduce((sum, n) => sum + n, 0);
