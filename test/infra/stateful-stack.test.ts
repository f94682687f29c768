import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { eventBus, type TableDefinition, tables } from '../../functions/topology.ts';
import { resourcesOf, synthDeskless } from './synth.ts';

const { stateful, statefulTemplate: template } = synthDeskless();
const tableDefinitions = Object.entries(tables).map(([key, definition]) => ({
  key: key as keyof typeof tables,
  ...(definition as TableDefinition),
}));

function logicalIdOf(construct: IConstruct): string {
  return stateful.getLogicalId(construct.node.defaultChild as CfnElement);
}

function resourceOf(construct: IConstruct) {
  return resourcesOf(template)[logicalIdOf(construct)]!;
}

function tableResource(definition: { key: keyof typeof tables }) {
  return resourceOf(stateful.tables[definition.key]);
}

describe('tables', () => {
  it('builds one table per topology table', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', tableDefinitions.length);
  });

  it.each(tableDefinitions)('$name: string keys and every index exactly as in topology.ts', (definition) => {
    const { Properties: table } = tableResource(definition);
    const keySchema = [{ AttributeName: definition.partitionKey, KeyType: 'HASH' }];
    if (definition.sortKey) keySchema.push({ AttributeName: definition.sortKey, KeyType: 'RANGE' });
    expect(table.KeySchema).toEqual(keySchema);

    const indexes = (table.GlobalSecondaryIndexes ?? []).map((index: Record<string, unknown>) => ({
      name: index.IndexName,
      keys: index.KeySchema,
      projection: index.Projection,
    }));
    expect(indexes).toEqual(
      definition.indexes.map((index) => ({
        name: index.name,
        keys: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' }] : []),
        ],
        projection: { ProjectionType: 'ALL' },
      })),
    );
    for (const attribute of table.AttributeDefinitions) expect(attribute.AttributeType).toBe('S');
  });

  it.each(tableDefinitions)('$name: on-demand, TTL, PITR, deletion protection, encryption', (definition) => {
    const resource = tableResource(definition);
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    expect(resource.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    if (definition.ttlAttribute) {
      expect(resource.Properties.TimeToLiveSpecification).toEqual({
        AttributeName: definition.ttlAttribute,
        Enabled: true,
      });
    }
    if (definition.stream) {
      expect(resource.Properties.StreamSpecification).toEqual({ StreamViewType: definition.stream });
    } else {
      expect(resource.Properties.StreamSpecification).toBeUndefined();
    }
  });
});

describe('event bus and operator key', () => {
  it('creates the domain event bus', () => {
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: Match.stringLikeRegexp(`-${eventBus.name}$`),
    });
  });

  it.each([
    ['operator key', () => stateful.operatorKey],
    ['reply secret', () => stateful.replySecret],
  ])('generates the %s: 48 characters without punctuation', (_name, secret) => {
    expect(resourceOf(secret()).Properties.GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      PasswordLength: 48,
    });
  });
});

describe('outbox dead-letter queue', () => {
  const dlqLogicalId = logicalIdOf(stateful.outboxDeadLetterQueue);

  it('is encrypted, keeps messages 14 days and refuses plain HTTP', () => {
    expect(resourceOf(stateful.outboxDeadLetterQueue).Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlqLogicalId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('pages the alarm topic as soon as one batch lands in it', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqLogicalId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
  });
});

describe('alarm topic', () => {
  it('has no email subscription unless deskless:alarmEmail is set', () => {
    expect(template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'email' } })).toEqual(
      {},
    );
  });

  it('subscribes deskless:alarmEmail', () => {
    const withEmail = synthDeskless({ context: { 'deskless:alarmEmail': 'oncall@example.com' } });
    withEmail.statefulTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });
});
