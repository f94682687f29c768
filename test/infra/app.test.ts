import { describe, expect, it } from 'vitest';
import { synthDeskless } from './synth.ts';

type Resource = { Type: string; Properties?: { Tags?: unknown } };

/** CloudFormation spells tags as a list of Key/Value pairs on most types and as a map on a few. */
function tagsOf(resource: Resource): Record<string, string> | undefined {
  const tags = resource.Properties?.Tags;
  if (tags === undefined) return undefined;
  if (Array.isArray(tags)) return Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value]));
  return tags as Record<string, string>;
}

function allResources(deskless: ReturnType<typeof synthDeskless>): Resource[] {
  return [deskless.statefulTemplate, deskless.statelessTemplate].flatMap((template) =>
    Object.values<Resource>(template.toJSON().Resources),
  );
}

/** Types that cost money or hold data: a missing tag there would hide cost in the bill. */
const MUST_BE_TAGGED = [
  'AWS::DynamoDB::Table',
  'AWS::Lambda::Function',
  'AWS::SQS::Queue',
  'AWS::S3::Bucket',
  'AWS::SNS::Topic',
  'AWS::SecretsManager::Secret',
  'AWS::Events::EventBus',
  'AWS::Logs::LogGroup',
  'AWS::ApiGatewayV2::Api',
  'AWS::CloudWatch::Alarm',
];

describe('the app', () => {
  const deskless = synthDeskless();

  it('has a stateful and a stateless stack named after the stage, the stateless one deployed second', () => {
    expect(deskless.stateful.stackName).toBe('Deskless-prod-Stateful');
    expect(deskless.stateless.stackName).toBe('Deskless-prod-Stateless');
    expect(deskless.stateless.dependencies).toContain(deskless.stateful);
  });

  it('is environment-agnostic, so synth needs no AWS account', () => {
    for (const stack of [deskless.stateful, deskless.stateless]) {
      expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    }
  });

  it('tags every taggable resource with app, stage and cost centre', () => {
    const resources = allResources(deskless);
    for (const type of MUST_BE_TAGGED) {
      expect(
        resources.some((resource) => resource.Type === type),
        type,
      ).toBe(true);
    }
    for (const resource of resources) {
      const tags = tagsOf(resource);
      if (tags === undefined) {
        expect(MUST_BE_TAGGED, `${resource.Type} has no tags`).not.toContain(resource.Type);
        continue;
      }
      expect(tags, resource.Type).toMatchObject({
        'deskless:app': 'deskless',
        'deskless:stage': 'prod',
        'deskless:cost-centre': 'prod',
      });
    }
  });

  it('reads the stateful stack through stack outputs, not exports that could never be removed', () => {
    expect(JSON.stringify(deskless.statelessTemplate.toJSON())).not.toContain('Fn::ImportValue');
    const outputs = Object.values<{ Export?: unknown }>(deskless.statefulTemplate.toJSON().Outputs ?? {});
    expect(outputs.filter((output) => output.Export !== undefined)).toEqual([]);
  });
});

describe('context options', () => {
  it('deskless:stage names the stacks and the stage tag', () => {
    const staging = synthDeskless({ context: { 'deskless:stage': 'staging' } });
    expect(staging.stateful.stackName).toBe('Deskless-staging-Stateful');
    expect(staging.stateless.stackName).toBe('Deskless-staging-Stateless');
    for (const resource of allResources(staging)) {
      const tags = tagsOf(resource);
      if (tags)
        expect(tags).toMatchObject({ 'deskless:stage': 'staging', 'deskless:cost-centre': 'staging' });
    }
  });

  it('deskless:costCentre sets the cost-centre tag', () => {
    const tagged = synthDeskless({ context: { 'deskless:costCentre': 'support-ops' } });
    for (const resource of allResources(tagged)) {
      const tags = tagsOf(resource);
      if (tags)
        expect(tags).toMatchObject({ 'deskless:stage': 'prod', 'deskless:cost-centre': 'support-ops' });
    }
  });

  it('rejects a stage that cannot name AWS resources', () => {
    expect(() => synthDeskless({ context: { 'deskless:stage': 'Prod_1' } })).toThrow(/deskless:stage/);
  });

  it('rejects an alarm email that is not an address', () => {
    expect(() => synthDeskless({ context: { 'deskless:alarmEmail': 'oncall' } })).toThrow(
      /deskless:alarmEmail/,
    );
  });
});
