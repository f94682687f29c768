import { describe, expect, it } from 'vitest';
import { TRIAGE_ENV } from '../../functions/adapters/bedrock/config.ts';
import { queues } from '../../functions/topology.ts';
import { resourcesOf, synthDeskless } from './synth.ts';

type Statement = { Action: string | string[]; Resource: unknown };

function policyOf(deskless: ReturnType<typeof synthDeskless>, fn: 'triage' | 'routing') {
  const resources = resourcesOf(deskless.statelessTemplate);
  const role = deskless.stateless.getLogicalId(
    deskless.stateless.functions[fn].role.node.defaultChild as never,
  );
  const policies = Object.values(resources).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: { Ref: string }) => x.Ref === role),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

function environmentOf(deskless: ReturnType<typeof synthDeskless>, fn: 'triage' | 'routing') {
  const resources = resourcesOf(deskless.statelessTemplate);
  const id = deskless.stateless.getLogicalId(
    deskless.stateless.functions[fn].function.node.defaultChild as never,
  );
  return resources[id]!.Properties.Environment.Variables as Record<string, unknown>;
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

describe('triage and routing in the stacks', () => {
  const plain = synthDeskless();

  it('feeds both workers from their queues, with bus rules on the events of topology.ts', () => {
    const rules = Object.values(resourcesOf(plain.statefulTemplate)).filter(
      (r) => r.Type === 'AWS::Events::Rule',
    );
    for (const name of ['triage', 'routing']) {
      const definition = queues.find((q) => q.name === name)!;
      const rule = rules.find(
        (r) => JSON.stringify(r.Properties.EventPattern['detail-type']) === JSON.stringify(definition.events),
      );
      expect(rule, `bus rule of the ${name} queue`).toBeDefined();
    }
    const mappings = Object.values(resourcesOf(plain.statelessTemplate)).filter(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
    );
    // The SQS mappings (the outbox's stream mapping has a starting position and reports failures too).
    const reporting = mappings.filter(
      (m) =>
        m.Properties.StartingPosition === undefined &&
        JSON.stringify(m.Properties.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    );
    expect(reporting.length).toBe(queues.filter((q) => q.consumer).length);
  });

  it('lets each worker send poison messages to its own DLQ, and triage never call Bedrock by default', () => {
    for (const fn of ['triage', 'routing'] as const) {
      expect(actionsOf(policyOf(plain, fn))).toContain('sqs:SendMessage');
    }
    expect(actionsOf(policyOf(plain, 'triage'))).not.toContain('bedrock:InvokeModel');
    expect(environmentOf(plain, 'triage')).not.toHaveProperty(TRIAGE_ENV.classifier);
  });

  it('with a Bedrock model configured, triage may invoke that model only', () => {
    const withModel = synthDeskless({
      context: {
        'deskless:bedrockModelId': 'anthropic.claude-3-haiku-20240307-v1:0',
        'deskless:bedrockTimeoutMs': '2500',
      },
    });
    expect(environmentOf(withModel, 'triage')).toMatchObject({
      [TRIAGE_ENV.classifier]: 'bedrock',
      [TRIAGE_ENV.bedrockModelId]: 'anthropic.claude-3-haiku-20240307-v1:0',
      [TRIAGE_ENV.bedrockTimeoutMs]: '2500',
    });
    const invoke = policyOf(withModel, 'triage').find((s) =>
      [s.Action].flat().includes('bedrock:InvokeModel'),
    );
    expect(JSON.stringify(invoke?.Resource)).toContain(
      'foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
    );
    expect(actionsOf(policyOf(withModel, 'routing'))).not.toContain('bedrock:InvokeModel');
    expect(() => synthDeskless({ context: { 'deskless:bedrockModelId': 'not a model!' } })).toThrow(
      /not a Bedrock model id/,
    );
    expect(() => synthDeskless({ context: { 'deskless:bedrockTimeoutMs': '5' } })).toThrow(/100 to 60000/);
  });
});
