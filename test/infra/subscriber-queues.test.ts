import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it, vi } from 'vitest';
import type { QueueDefinition } from '../../functions/topology.ts';

/**
 * topology.ts has no subscriber queues yet; these tests give it two, to check what every queue added later
 * will get: a bus rule, a DLQ with an alarm, and (when it has a consumer) a batch event source.
 */
const SAMPLE_QUEUES = vi.hoisted((): QueueDefinition[] => [
  {
    name: 'triage',
    description: 'New tickets to classify',
    events: ['ticket.created', 'ticket.reopened'],
    consumer: 'dispatcher',
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
]);

vi.mock(import('../../functions/topology.ts'), async (importOriginal) => ({
  ...(await importOriginal()),
  queues: SAMPLE_QUEUES,
}));

const { resourcesOf, synthDeskless } = await import('./synth.ts');
const { eventBus } = await import('../../functions/topology.ts');
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

  it('receives its domain events from the bus, undeliverable ones going to the DLQ', () => {
    const rule = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' &&
        resource.Properties.Targets[0].Arn['Fn::GetAtt'][0] === queueId,
    );
    expect(rule!.Properties.EventPattern).toEqual({
      source: [eventBus.source],
      'detail-type': definition.events,
    });
    expect(rule!.Properties.EventBusName).toEqual({ Ref: logicalIdOf(stateful.eventBus) });
    expect(rule!.Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
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
    expect(sqsMappings).toHaveLength(SAMPLE_QUEUES.filter((queue) => queue.consumer).length);
    expect(sqsMappings[0]!.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(JSON.stringify(sqsMappings[0]!.Properties.EventSourceArn)).toContain('TriageSubscriber');
  });
});
