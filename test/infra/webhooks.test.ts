import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ALLOW_LOOPBACK_ENV } from '../../functions/adapters/http/safe-fetch.ts';
import { WEBHOOK_BACKOFF_SCALE_ENV } from '../../functions/adapters/webhooks/config.ts';
import { AGENT_AVAILABLE } from '../../functions/core/agent-events.ts';
import { DOMAIN_EVENT_TYPES } from '../../functions/core/domain-events.ts';
import { ATTEMPT_LEASE_SECONDS } from '../../functions/core/webhooks/delivery.ts';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../functions/core/webhooks/subscription.ts';
import {
  env,
  eventBus,
  type FunctionName,
  functions,
  mail,
  queues,
  tables,
} from '../../functions/topology.ts';
import { type CfnResourceJson, resourcesOf, synthDeskless } from './synth.ts';

/**
 * Outbound webhooks in the stacks: the `webhooks` queue behind the bus (every domain event), the plain
 * `webhook-deliveries` queue, both with a DLQ and its alarm, their two workers, and who may send to what.
 */
const deskless = synthDeskless();
const { stateful, stateless } = deskless;
const statefulResources = resourcesOf(deskless.statefulTemplate);
const statelessResources = resourcesOf(deskless.statelessTemplate);

const statefulId = (construct: IConstruct) =>
  stateful.getLogicalId(construct.node.defaultChild as CfnElement);
const statelessId = (construct: IConstruct) =>
  stateless.getLogicalId(construct.node.defaultChild as CfnElement);

const ofType = (resources: Record<string, CfnResourceJson>, type: string) =>
  Object.values(resources).filter((resource) => resource.Type === type);

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const statementsOf = (name: FunctionName): Statement[] => {
  const roleId = statelessId(stateless.functions[name].role);
  return ofType(statelessResources, 'AWS::IAM::Policy')
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
};
const variablesOf = (name: FunctionName): Record<string, unknown> =>
  statelessResources[statelessId(stateless.functions[name].function)]!.Properties.Environment.Variables;

const fanoutQueue = queues.find((queue) => queue.name === 'webhooks')!;
const deliveryQueue = queues.find((queue) => queue.name === 'webhook-deliveries')!;
const queueId = (name: string) => statefulId(stateful.queues.get(name)!);
const dlqId = (name: string): string =>
  statefulResources[queueId(name)]!.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];

/** The functions whose policies let them SendMessage to a resource of the stateful stack (by logical id). */
function sendersTo(logicalId: string): FunctionName[] {
  return (Object.keys(functions) as FunctionName[]).filter((name) =>
    statementsOf(name).some(
      (statement) =>
        [statement.Action].flat().includes('sqs:SendMessage') &&
        JSON.stringify(statement.Resource).includes(logicalId),
    ),
  );
}

describe('webhook queues', () => {
  it('the webhooks queue receives every domain event from the bus, undeliverable ones going to its DLQ', () => {
    // Every type a subscription may name reaches the fan-out.
    expect(fanoutQueue.events).toEqual(
      expect.arrayContaining([...Object.values(DOMAIN_EVENT_TYPES), AGENT_AVAILABLE]),
    );
    expect(fanoutQueue.events).toEqual(expect.arrayContaining(SUBSCRIBABLE_EVENT_TYPES));
    const rules = ofType(statefulResources, 'AWS::Events::Rule').filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(queueId('webhooks')),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      EventBusName: { Ref: statefulId(stateful.eventBus) },
      EventPattern: { source: [eventBus.source], 'detail-type': fanoutQueue.events },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [queueId('webhooks'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId('webhooks'), 'Arn'] } },
        },
      ],
    });
  });

  it('the delivery queue is plain: no bus rule, no topic; only the fan-out, the worker and the API send to it', () => {
    const id = queueId('webhook-deliveries');
    expect(
      ofType(statefulResources, 'AWS::Events::Rule').filter((rule) =>
        JSON.stringify(rule.Properties).includes(id),
      ),
    ).toEqual([]);
    expect(
      ofType(statefulResources, 'AWS::SNS::Subscription').filter((s) =>
        JSON.stringify(s.Properties).includes(id),
      ),
    ).toEqual([]);
    expect(sendersTo(id).sort()).toEqual(['api', 'webhookDeliver', 'webhookFanout']);
    for (const name of ['api', 'webhookDeliver', 'webhookFanout'] as const) {
      expect(JSON.stringify(variablesOf(name)[deliveryQueue.envVar!])).toContain(id);
    }
  });

  it.each([fanoutQueue, deliveryQueue])(
    '$name has an encrypted DLQ with an alarm, and lets its consumer dead-letter',
    (definition) => {
      const id = queueId(definition.name);
      expect(statefulResources[id]!.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        VisibilityTimeout: definition.visibilityTimeoutSeconds,
        RedrivePolicy: { maxReceiveCount: definition.maxReceiveCount },
      });
      const dlq = dlqId(definition.name);
      expect(statefulResources[dlq]!.Properties.SqsManagedSseEnabled).toBe(true);
      const alarm = ofType(statefulResources, 'AWS::CloudWatch::Alarm').find((candidate) =>
        JSON.stringify(candidate.Properties.Dimensions).includes(dlq),
      );
      expect(alarm!.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        AlarmActions: [{ Ref: statefulId(stateful.alarmTopic) }],
      });
      // Poison messages and (for deliveries) the last failed attempt go to the DLQ from the consumer itself.
      expect(sendersTo(dlq)).toEqual([definition.consumer]);
    },
  );

  it('each is consumed by its worker in batches, reporting partial batch failures', () => {
    for (const definition of [fanoutQueue, deliveryQueue]) {
      const mappings = ofType(statelessResources, 'AWS::Lambda::EventSourceMapping').filter((mapping) =>
        JSON.stringify(mapping.Properties.EventSourceArn).includes(queueId(definition.name)),
      );
      expect(mappings).toHaveLength(1);
      expect(mappings[0]!.Properties).toMatchObject({
        FunctionName: { Ref: statelessId(stateless.functions[definition.consumer!].function) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('redelivers a message only after the worker’s timeout and its claim on an attempt are over', () => {
    expect(deliveryQueue.visibilityTimeoutSeconds).toBeGreaterThan(functions.webhookDeliver.timeoutSeconds);
    expect(deliveryQueue.visibilityTimeoutSeconds).toBeGreaterThan(ATTEMPT_LEASE_SECONDS);
    expect(ATTEMPT_LEASE_SECONDS).toBeGreaterThan(functions.webhookDeliver.timeoutSeconds);
  });
});

describe('webhook workers', () => {
  it.each(['webhookFanout', 'webhookDeliver'] as const)(
    '%s reads and writes the main table items only, never scanning',
    (name) => {
      const dynamo = statementsOf(name).filter((s) =>
        [s.Action].flat().some((a) => a.startsWith('dynamodb:')),
      );
      const actions = dynamo.flatMap((s) => [s.Action].flat());
      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions).toEqual(
        expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']),
      );
      expect(JSON.stringify(dynamo.map((s) => s.Resource))).not.toContain(
        statefulId(stateful.tables.idempotency),
      );
      expect(variablesOf(name)).toHaveProperty(tables.main.envVar);
    },
  );

  it('the fan-out signs survey links (a solve’s payload): it reads the reply secret and knows the API’s URL', () => {
    const secretId = statefulId(stateful.replySecret);
    const readsSecret = (name: FunctionName) =>
      statementsOf(name).some(
        (statement) =>
          [statement.Action].flat().includes('secretsmanager:GetSecretValue') &&
          JSON.stringify(statement.Resource).includes(secretId),
      );
    expect(readsSecret('webhookFanout')).toBe(true);
    expect(variablesOf('webhookFanout')).toHaveProperty(mail.replySecretArnEnvVar);
    expect(variablesOf('webhookFanout')).toHaveProperty(env.publicApiUrl);
    // The worker only sends what the fan-out stored.
    expect(readsSecret('webhookDeliver')).toBe(false);
    expect(variablesOf('webhookDeliver')).not.toHaveProperty(mail.replySecretArnEnvVar);
    expect(variablesOf('webhookDeliver')).not.toHaveProperty(env.publicApiUrl);
  });

  it('run with the AWS URL policy and the real backoff: neither local-only variable is set', () => {
    for (const name of ['api', 'webhookFanout', 'webhookDeliver'] as const) {
      expect(variablesOf(name)).not.toHaveProperty(ALLOW_LOOPBACK_ENV);
      expect(variablesOf(name)).not.toHaveProperty(WEBHOOK_BACKOFF_SCALE_ENV);
    }
  });

  it('alarm on errors like every function', () => {
    for (const name of ['webhookFanout', 'webhookDeliver'] as const) {
      const fnId = statelessId(stateless.functions[name].function);
      const alarm = ofType(statelessResources, 'AWS::CloudWatch::Alarm').find(
        (candidate) =>
          candidate.Properties.MetricName === 'Errors' &&
          JSON.stringify(candidate.Properties.Dimensions).includes(fnId),
      );
      expect(alarm, name).toBeDefined();
    }
  });
});
