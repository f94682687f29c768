import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  type FunctionDefinition,
  functions,
  type QueueDefinition,
  queues,
  schedules,
  tables,
} from '../../functions/topology.ts';
import { plainQueueSenders, SubscriberQueue } from '../../lib/subscriber-queue.ts';
import { rateExpression } from '../../lib/sweeper-schedule.ts';
import { type CfnResourceJson, resourcesOf, synthDeskless } from './synth.ts';

const { stateful, stateless, statefulTemplate, statelessTemplate } = synthDeskless();
const statefulResources = resourcesOf(statefulTemplate);
const statelessResources = resourcesOf(statelessTemplate);

const statefulId = (construct: IConstruct) =>
  stateful.getLogicalId(construct.node.defaultChild as CfnElement);
const statelessId = (construct: IConstruct) =>
  stateless.getLogicalId(construct.node.defaultChild as CfnElement);
const ofType = (resources: Record<string, CfnResourceJson>, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
function statementsOf(roleId: string): Statement[] {
  return ofType(statelessResources, 'AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}
const allows = (statements: Statement[], action: string, resource: (json: string) => boolean) =>
  statements.some(
    (s) => s.Effect === 'Allow' && [s.Action].flat().includes(action) && resource(JSON.stringify(s.Resource)),
  );

const timersQueue = queues.find((queue) => queue.name === 'timers')!;
const sweeper = stateless.functions.sweeper;
const timerFn = stateless.functions.timer;

describe('the sweeper schedule', () => {
  const schedules_ = ofType(statelessResources, 'AWS::Scheduler::Schedule');

  it('is one EventBridge Scheduler schedule per topology schedule', () => {
    expect(schedules.map((s) => s.name)).toEqual(['sweeper']);
    expect(schedules_).toHaveLength(schedules.length);
  });

  const [, schedule] = schedules_[0]!;
  const target = schedule.Properties.Target;

  it('ticks every minute on the dot (flexible window off) and targets the sweeper function', () => {
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [statelessId(sweeper.function), 'Arn'] });
    expect(JSON.parse(target.Input)).toEqual({ schedule: 'sweeper' });
  });

  it('retries a failed invocation only while the tick is fresh, then dead-letters it (with an alarm)', () => {
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 });
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0] as string;
    expect(statelessResources[dlqId]).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 },
    });
    const alarm = ofType(statelessResources, 'AWS::CloudWatch::Alarm').find(([, a]) =>
      JSON.stringify(a.Properties.Dimensions).includes(dlqId),
    );
    expect(alarm?.[1].Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(JSON.stringify(alarm?.[1].Properties.AlarmActions)).toContain('AlarmTopic');
  });

  it('runs as a role Scheduler alone assumes, which may invoke the sweeper and nothing else', () => {
    const roleId = target.RoleArn['Fn::GetAtt'][0] as string;
    const role = statelessResources[roleId]!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const statements = statementsOf(roleId);
    const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.Resource).toEqual({ 'Fn::GetAtt': [statelessId(sweeper.function), 'Arn'] });
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0] as string;
    expect(allows(statements, 'sqs:SendMessage', (json) => json.includes(dlqId))).toBe(true);
  });

  it('turns off Lambda’s own retries of a failed sweep: the next tick is the retry', () => {
    const [[, config]] = ofType(statelessResources, 'AWS::Lambda::EventInvokeConfig').filter(([, c]) =>
      JSON.stringify(c.Properties.FunctionName).includes(statelessId(sweeper.function)),
    ) as [[string, CfnResourceJson]];
    expect(config.Properties).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
  });

  it('writes rates as Scheduler wants them', () => {
    expect(rateExpression(1)).toBe('rate(1 minute)');
    expect(rateExpression(5)).toBe('rate(5 minutes)');
    expect(() => rateExpression(0.5)).toThrow(/whole minutes/);
  });
});

describe('the sweeper function', () => {
  const properties = statelessResources[statelessId(sweeper.function)]!.Properties;
  const statements = statementsOf(statelessId(sweeper.role));
  const queueId = statefulId(stateful.queues.get('timers')!);

  it('has the size and timeout of topology.ts: done well within its minute', () => {
    expect(properties).toMatchObject({ MemorySize: 256, Timeout: 50 });
    expect(functions.sweeper.timeoutSeconds).toBeLessThan(60);
  });

  it('learns the timer queue URL from TIMER_QUEUE_URL and may send to that queue', () => {
    expect(timersQueue.envVar).toBe('TIMER_QUEUE_URL');
    expect(JSON.stringify(properties.Environment.Variables.TIMER_QUEUE_URL)).toContain(
      `PublishOutputRef${queueId}`,
    );
    expect(allows(statements, 'sqs:SendMessage', (json) => json.includes(queueId))).toBe(true);
    // No other function may send to it.
    for (const name of Object.keys(functions) as (keyof typeof functions)[]) {
      if (name === 'sweeper') continue;
      const others = statementsOf(statelessId(stateless.functions[name].role));
      expect(
        allows(others, 'sqs:SendMessage', (json) => json.includes(queueId)),
        name,
      ).toBe(false);
    }
  });

  it('may Query the dueTimers index and UpdateItem the table, and never Scan', () => {
    expect(allows(statements, 'dynamodb:Query', (json) => json.includes('/index/dueTimers'))).toBe(true);
    expect(allows(statements, 'dynamodb:UpdateItem', (json) => json.includes('MainTable'))).toBe(true);
    expect(statements.flatMap((s) => [s.Action].flat())).not.toContain('dynamodb:Scan');
    expect(tables.main.indexes.find((i) => i.name === 'dueTimers')).toMatchObject({
      partitionKey: 'dueShard',
      sortKey: 'dueAt',
    });
  });
});

describe('the timer queue', () => {
  const queueId = statefulId(stateful.queues.get('timers')!);
  const queue = statefulResources[queueId]!.Properties;
  const dlqId = queue.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;

  it('is a plain queue: no bus rule, no topic subscription', () => {
    expect(timersQueue.events).toBeUndefined();
    expect(timersQueue.topic).toBeUndefined();
    const feeds = [
      ...ofType(statefulResources, 'AWS::Events::Rule'),
      ...ofType(statefulResources, 'AWS::SNS::Subscription'),
    ].filter(([, resource]) => JSON.stringify(resource.Properties).includes(queueId));
    expect(feeds).toEqual([]);
  });

  it('redrives to an encrypted DLQ after 5 receives, with an alarm on the DLQ', () => {
    expect(queue).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 120,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(statefulResources[dlqId]!.Properties.SqsManagedSseEnabled).toBe(true);
    const alarm = ofType(statefulResources, 'AWS::CloudWatch::Alarm').find(([, a]) =>
      JSON.stringify(a.Properties.Dimensions).includes(dlqId),
    );
    expect(alarm?.[1].Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('feeds the timer function in batches of 10, reporting partial batch failures', () => {
    const mappings = ofType(statelessResources, 'AWS::Lambda::EventSourceMapping').filter(([, m]) =>
      JSON.stringify(m.Properties.EventSourceArn).includes(queueId),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]![1].Properties).toMatchObject({
      FunctionName: { Ref: statelessId(timerFn.function) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(statelessResources[statelessId(timerFn.function)]!.Properties).toMatchObject({
      MemorySize: 512,
      Timeout: 60,
    });
  });
});

describe('plain queue guards', () => {
  const plain: QueueDefinition = {
    name: 'plain',
    description: 'Fed by a function',
    envVar: 'PLAIN_QUEUE_URL',
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 3,
  };
  const sender = (sendsTo: string[]): FunctionDefinition => ({
    ...functions.sweeper,
    name: 'sender',
    sendsTo,
  });

  it('builds a plain queue with its DLQ and alarm, and no rule or subscription', () => {
    const stack = new Stack(new App(), 'Test');
    new SubscriberQueue(stack, 'Queue', {
      definition: plain,
      bus: new EventBus(stack, 'Bus'),
      source: 'deskless',
      topics: new Map([['inbound-mail', new Topic(stack, 'Inbound')]]),
      alarmTopic: new Topic(stack, 'Alarms'),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('maps each plain queue to its senders', () => {
    expect(plainQueueSenders(queues, functions).get('timers')).toEqual(['sweeper']);
  });

  it('rejects a plain queue nothing sends to', () => {
    expect(() => plainQueueSenders([plain], {})).toThrow(
      /queue "plain" has no source: give it events, a topic, or a function that sendsTo it/,
    );
  });

  it('rejects a function sending to a queue that does not exist, or has no envVar', () => {
    expect(() => plainQueueSenders([plain], { sender: sender(['nowhere']) })).toThrow(
      /function "sender" sends to queue "nowhere", which topology.ts does not define/,
    );
    expect(() => plainQueueSenders([{ ...plain, envVar: undefined }], { sender: sender(['plain']) })).toThrow(
      /function "sender" sends to queue "plain", which has no envVar/,
    );
  });
});
