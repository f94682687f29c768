import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { TWILIO_SECRET_PREFIX } from '../../functions/core/channels/sms.ts';
import {
  eventBus,
  type FunctionDefinition,
  type FunctionName,
  functions,
  queues,
  routes,
} from '../../functions/topology.ts';
import { type CfnResourceJson, resourcesOf, synthDeskless } from './synth.ts';

/**
 * The SMS channel as topology.ts describes it: the outbound-sms queue behind the bus (only public comments by
 * agents or the system on SMS tickets), its DLQ and consumer, and the read grant on the tenants' Twilio token
 * secrets that only the api (webhook signatures) and smsOut (sending) get.
 */
const deskless = synthDeskless();
const { stateful, stateless } = deskless;
const statefulResources = resourcesOf(deskless.statefulTemplate);
const statelessResources = resourcesOf(deskless.statelessTemplate);

const statefulId = (construct: IConstruct) =>
  stateful.getLogicalId(construct.node.defaultChild as CfnElement);
const statelessId = (construct: IConstruct) =>
  stateless.getLogicalId(construct.node.defaultChild as CfnElement);

function ofType(resources: Record<string, CfnResourceJson>, type: string) {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => ({ id, ...resource }));
}

function statementsOf(name: FunctionName): Array<{ Action: string | string[]; Resource: unknown }> {
  const roleId = statelessId(stateless.functions[name].role);
  return ofType(statelessResources, 'AWS::IAM::Policy')
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const outbound = queues.find((queue) => queue.name === 'outbound-sms')!;

describe('the outbound-sms queue', () => {
  const queue = stateful.queues.get(outbound.name)!;
  const queueId = statefulId(queue);
  const properties = statefulResources[queueId]!.Properties;
  const dlqId: string = properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];

  it('is fed by a bus rule for public comments by agents or the system on SMS tickets only', () => {
    const rules = ofType(statefulResources, 'AWS::Events::Rule').filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(queueId),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      EventBusName: { Ref: statefulId(stateful.eventBus) },
      EventPattern: {
        source: [eventBus.source],
        'detail-type': ['comment.added'],
        detail: {
          ticket: { channel: ['sms'] },
          data: { public: [true] },
          actor: { type: ['agent', 'system'] },
        },
      },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
        },
      ],
    });
  });

  it('redrives to an encrypted DLQ after maxReceiveCount, and its visibility outlasts smsOut', () => {
    expect(properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: outbound.visibilityTimeoutSeconds,
      RedrivePolicy: { maxReceiveCount: outbound.maxReceiveCount },
    });
    expect(statefulResources[dlqId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    expect(outbound.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(functions.smsOut.timeoutSeconds);
  });

  it('is consumed by smsOut in batches with partial failures; smsOut may dead-letter poison messages', () => {
    const mappings = ofType(statelessResources, 'AWS::Lambda::EventSourceMapping').filter((mapping) =>
      JSON.stringify(mapping.Properties.EventSourceArn).includes(queueId),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      FunctionName: { Ref: statelessId(stateless.functions.smsOut.function) },
      BatchSize: outbound.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const sends = statementsOf('smsOut').filter((statement) =>
      [statement.Action].flat().includes('sqs:SendMessage'),
    );
    expect(JSON.stringify(sends)).toContain(dlqId);
  });
});

describe('Twilio auth token secrets', () => {
  const prefixArn = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':secretsmanager:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:secret:${TWILIO_SECRET_PREFIX}*`,
      ],
    ],
  };

  it.each(Object.keys(functions) as FunctionName[])(
    '%s may read secrets under deskless/twilio/ only as topology.ts says, and nothing else with that grant',
    (name) => {
      const definition: FunctionDefinition = functions[name];
      const grants = statementsOf(name).filter(
        (statement) => JSON.stringify(statement.Resource) === JSON.stringify(prefixArn),
      );
      if (definition.readsChannelSecrets) {
        expect(grants).toEqual([
          { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: prefixArn },
        ]);
      } else {
        expect(grants).toEqual([]);
      }
    },
  );

  it('go to the api (the webhook’s signature) and smsOut (sending), not to other functions', () => {
    const readers = (Object.keys(functions) as FunctionName[]).filter(
      (name) => (functions[name] as FunctionDefinition).readsChannelSecrets,
    );
    expect(readers.sort()).toEqual(['api', 'smsOut']);
  });

  it('smsOut uses the main table only, and the webhook route is public', () => {
    expect(functions.smsOut.tables).toEqual(['main']);
    const route = routes.find((r) => r.operationId === 'receiveTwilioSms')!;
    expect(route).toMatchObject({ method: 'POST', path: '/v1/channels/{id}/twilio', roles: [] });
  });
});
