import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface AlarmOptions {
  readonly metric: IMetric;
  readonly description: string;
  /** The alarm fires when the metric is above this value. */
  readonly above: number;
  readonly topic: ITopic;
}

/**
 * Every Deskless alarm notifies the same topic on ALARM and OK, so whoever watches it also learns when a
 * problem has cleared. Missing data is "fine": the metrics here are only emitted when something happens.
 */
export function addAlarm(scope: Construct, id: string, options: AlarmOptions): Alarm {
  const alarm = new Alarm(scope, id, {
    metric: options.metric,
    alarmDescription: options.description,
    threshold: options.above,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  const action = new SnsAction(options.topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/** A message in a DLQ is a lost effect until someone redrives it: one is enough to page. */
export function addDeadLetterAlarm(scope: Construct, id: string, dlq: IQueue, what: string, topic: ITopic) {
  return addAlarm(scope, id, {
    metric: dlq.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    }),
    description: `${what} has messages in its dead-letter queue; inspect them, fix the cause, then redrive.`,
    above: 0,
    topic,
  });
}
