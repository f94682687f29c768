import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it, vi } from 'vitest';
import type { QueueDefinition } from '../../functions/topology.ts';

/**
 * These tests give topology.ts sample queues, to check what every queue added later will get: a bus rule
 * (`events`) or a topic subscription (`topic`), a DLQ with an alarm, and (when it has a consumer) a batch
 * event source. email-channel.test.ts checks the queues topology.ts has today.
 */
const SAMPLE_QUEUES = vi.hoisted((): QueueDefinition[] => [
  {
    name: 'triage',
    description: 'New tickets to classify',
    events: ['ticket.created', 'ticket.reopened'],
    consumer: 'dispatcher',
    batchSize: 5,
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
  },
  {
    name: 'metering',
    description: 'Usage counters',
    events: ['ticket.created'],
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 3,
  },
  {
    name: 'mail-audit',
    description: 'Every inbound mail notification, for an audit trail',
    topic: 'inbound-mail',
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 3,
  },
]);

vi.mock(import('../../functions/topology.ts'), async (importOriginal) => {
  const original = await importOriginal();
  // Plain queues stay: functions send to them (`sendsTo`), and a sender without its queue fails synth.
  const plain = original.queues.filter((queue) => !queue.events && !queue.topic);
  return { ...original, queues: [...SAMPLE_QUEUES, ...plain] };
});

const { resourcesOf, synthDeskless } = await import('./synth.ts');
const { eventBus, queues } = await import('../../functions/topology.ts');
const { stateful, statefulTemplate, statelessTemplate } = synthDeskless();
const resources = resourcesOf(statefulTemplate);

function logicalIdOf(construct: IConstruct): string {
  return stateful.getLogicalId(construct.node.defaultChild as CfnElement);
}

describe.each(SAMPLE_QUEUES)('queue $name', (definition) => {
  const queue = stateful.queues.get(definition.name)!;
  const queueId = logicalIdOf(queue);
  const queueProperties = resources[queueId]!.Properties;
  const dlqId = queueProperties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;

  it('is encrypted, and redrives to its DLQ after maxReceiveCount', () => {
    expect(queueProperties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: definition.visibilityTimeoutSeconds,
      RedrivePolicy: { maxReceiveCount: definition.maxReceiveCount },
    });
    expect(resources[dlqId]!.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('refuses plain HTTP, on the queue and the DLQ', () => {
    for (const id of [queueId, dlqId]) {
      const policy = Object.values(resources).find(
        (resource) =>
          resource.Type === 'AWS::SQS::QueuePolicy' &&
          resource.Properties.Queues.some((ref: { Ref: string }) => ref.Ref === id),
      );
      expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain('aws:SecureTransport');
    }
  });

  it.runIf(definition.events)(
    'receives its domain events from the bus, undeliverable ones going to the DLQ',
    () => {
      const rule = Object.values(resources).find(
        (resource) =>
          resource.Type === 'AWS::Events::Rule' &&
          resource.Properties.Targets[0].Arn['Fn::GetAtt'][0] === queueId,
      );
      expect(rule!.Properties.EventPattern).toEqual({
        source: [eventBus.source],
        'detail-type': definition.events,
        ...(definition.detail && { detail: definition.detail }),
      });
      expect(rule!.Properties.EventBusName).toEqual({ Ref: logicalIdOf(stateful.eventBus) });
      expect(rule!.Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
    },
  );

  it.runIf(definition.topic)('subscribes to its topic, undeliverable notifications going to the DLQ', () => {
    const subscriptions = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::SNS::Subscription' &&
        JSON.stringify(resource.Properties.Endpoint).includes(queueId),
    );
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]!.Properties).toMatchObject({
      Protocol: 'sqs',
      TopicArn: { Ref: logicalIdOf(stateful.inboundMail.topic) },
      RawMessageDelivery: false,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
    });
    const rules = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' && JSON.stringify(resource.Properties).includes(queueId),
    );
    expect(rules).toEqual([]);
  });

  it('alarms when its DLQ holds a message', () => {
    const alarm = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::CloudWatch::Alarm' &&
        JSON.stringify(resource.Properties.Dimensions).includes(dlqId),
    );
    expect(alarm!.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});

describe('consumers', () => {
  it('polls queues that have a consumer, reporting partial batch failures', () => {
    const sqsMappings = Object.values(resourcesOf(statelessTemplate)).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::EventSourceMapping' &&
        resource.Properties.StartingPosition === undefined,
    );
    expect(sqsMappings).toHaveLength(queues.filter((queue) => queue.consumer).length);
    expect(sqsMappings[0]!.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(sqsMappings[0]!.Properties.BatchSize).toBe(5);
    expect(JSON.stringify(sqsMappings[0]!.Properties.EventSourceArn)).toContain('TriageSubscriber');
  });
});
