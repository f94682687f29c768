import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  buckets,
  eventBus,
  type FunctionDefinition,
  type FunctionName,
  functions,
  mail,
  queues,
} from '../../functions/topology.ts';
import { type CfnResourceJson, resourcesOf, synthDeskless } from './synth.ts';

/**
 * The email channel as topology.ts describes it today: the inbound queue behind SES's topic, the outbound
 * queue behind the bus, their consumers, and what emailIn and emailOut may touch.
 */
const deskless = synthDeskless({ context: { 'deskless:mailDomains': 'support.example.com' } });
const { stateful, stateless } = deskless;
const statefulResources = resourcesOf(deskless.statefulTemplate);
const statelessResources = resourcesOf(deskless.statelessTemplate);

function statefulId(construct: IConstruct): string {
  return stateful.getLogicalId(construct.node.defaultChild as CfnElement);
}

function statelessId(construct: IConstruct): string {
  return stateless.getLogicalId(construct.node.defaultChild as CfnElement);
}

function ofType(resources: Record<string, CfnResourceJson>, type: string) {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => ({ id, ...resource }));
}

/** Every statement of every policy attached to the role. */
function statementsOf(roleId: string): Array<{ Action: string | string[]; Resource: unknown }> {
  return ofType(statelessResources, 'AWS::IAM::Policy')
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function actionsOf(statements: Array<{ Action: string | string[] }>): string[] {
  return statements.flatMap((statement) => [statement.Action].flat());
}

/** Values the stateless stack reads from the stateful one; they name the producing resource's logical id. */
function refersTo(value: unknown, construct: IConstruct): boolean {
  return JSON.stringify(value).includes(statefulId(construct));
}

const inbound = queues.find((queue) => queue.topic === mail.inboundTopic)!;
const outbound = queues.find((queue) => queue.consumer === 'emailOut')!;

describe.each(queues)('queue $name', (definition) => {
  const queue = stateful.queues.get(definition.name)!;
  const queueId = statefulId(queue);
  const properties = statefulResources[queueId]!.Properties;
  const dlqId: string = properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];

  it('is encrypted and redrives to an encrypted DLQ after maxReceiveCount', () => {
    expect(properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: definition.visibilityTimeoutSeconds,
      RedrivePolicy: { maxReceiveCount: definition.maxReceiveCount },
    });
    expect(statefulResources[dlqId]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('pages the alarm topic when its DLQ holds a message', () => {
    const alarm = ofType(statefulResources, 'AWS::CloudWatch::Alarm').find((candidate) =>
      JSON.stringify(candidate.Properties.Dimensions).includes(dlqId),
    );
    expect(alarm!.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: statefulId(stateful.alarmTopic) }],
    });
  });

  it('is consumed by its function in batches, reporting partial batch failures', () => {
    const consumer = stateless.functions[definition.consumer!].function;
    const mappings = ofType(statelessResources, 'AWS::Lambda::EventSourceMapping').filter((mapping) =>
      refersTo(mapping.Properties.EventSourceArn, queue),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      FunctionName: { Ref: statelessId(consumer) },
      BatchSize: definition.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('the two email queues', () => {
  it('inbound-email subscribes to the inbound topic and to no bus rule', () => {
    const queueId = statefulId(stateful.queues.get(inbound.name)!);
    const [subscription] = ofType(statefulResources, 'AWS::SNS::Subscription').filter((candidate) =>
      JSON.stringify(candidate.Properties.Endpoint).includes(queueId),
    );
    expect(subscription!.Properties.TopicArn).toEqual({ Ref: statefulId(stateful.inboundMail.topic) });
    expect(subscription!.Properties.RawMessageDelivery).toBe(false);
    const rules = ofType(statefulResources, 'AWS::Events::Rule').filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(queueId),
    );
    expect(rules).toEqual([]);
  });

  it('outbound-email receives its domain events from the bus, undeliverable ones going to its DLQ', () => {
    const queueId = statefulId(stateful.queues.get(outbound.name)!);
    const dlqId = statefulResources[queueId]!.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    const rules = ofType(statefulResources, 'AWS::Events::Rule').filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(queueId),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      EventBusName: { Ref: statefulId(stateful.eventBus) },
      // Only public comments and solves on email conversations (email and web form tickets): the function is
      // not invoked for anything else.
      EventPattern: {
        source: [eventBus.source],
        'detail-type': ['comment.added', 'ticket.status_changed'],
        detail: {
          ticket: { channel: ['email', 'web_form'] },
          $or: [{ data: { public: [true] } }, { data: { to: ['solved'] } }],
        },
      },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
        },
      ],
    });
    expect(outbound.events?.length).toBeGreaterThan(0);
  });
});

describe('email functions', () => {
  const functionNames = Object.keys(functions) as FunctionName[];

  function variablesOf(name: FunctionName): Record<string, unknown> {
    return statelessResources[statelessId(stateless.functions[name].function)]!.Properties.Environment
      .Variables;
  }

  it('emailIn learns the mail bucket and the reply secret from its environment', () => {
    const variables = variablesOf('emailIn');
    expect(refersTo(variables[buckets.mail.envVar], stateful.buckets.mail)).toBe(true);
    expect(refersTo(variables[mail.replySecretArnEnvVar], stateful.replySecret)).toBe(true);
  });

  it('emailOut learns the reply secret, not the bucket', () => {
    const variables = variablesOf('emailOut');
    expect(refersTo(variables[mail.replySecretArnEnvVar], stateful.replySecret)).toBe(true);
    expect(variables[buckets.mail.envVar]).toBeUndefined();
  });

  it('emailIn reads raw MIME under the inbound prefix and writes attachments under theirs, nothing else', () => {
    const statements = statementsOf(statelessId(stateless.functions.emailIn.role)).filter((statement) =>
      actionsOf([statement]).some((action) => action.startsWith('s3:')),
    );
    const arn = { 'Fn::GetStackOutput': { StackName: stateful.stackName, OutputName: 'MailBucketArn' } };
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [arn, `/${mail.inboundPrefix}*`]] },
      },
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [arn, `/${mail.attachmentsPrefix}*`]] },
      },
    ]);
    expect(stateful.bucketArnOutputs.mail).toBe('MailBucketArn');
  });

  it('emailOut sends through SES v2, raw MIME included, from identities of this account and region only', () => {
    const statements = statementsOf(statelessId(stateless.functions.emailOut.role)).filter((statement) =>
      actionsOf([statement]).some((action) => action.startsWith('ses:')),
    );
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ses:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':identity/*',
            ],
          ],
        },
      },
    ]);
  });

  it.each(functionNames)(
    '%s: may read the reply secret, use the bucket, or send mail only as topology.ts says',
    (name) => {
      const definition: FunctionDefinition = functions[name];
      const statements = statementsOf(statelessId(stateless.functions[name].role));
      const actions = actionsOf(statements);
      expect(actions.some((action) => action.startsWith('ses:'))).toBe(definition.sendsEmail === true);
      expect(actions.some((action) => action.startsWith('s3:'))).toBe((definition.buckets ?? []).length > 0);
      const readsReplySecret = statements.some(
        (statement) =>
          actionsOf([statement]).includes('secretsmanager:GetSecretValue') &&
          refersTo(statement.Resource, stateful.replySecret),
      );
      expect(readsReplySecret).toBe(definition.readsReplySecret === true);
    },
  );
});
