import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buckets, env } from '../../functions/topology.ts';
import { type CfnResourceJson, resourcesOf, synthDeskless } from './synth.ts';

/**
 * Report exports and survey mails in the stacks: the exports bucket (private, encrypted, TLS only, objects
 * expire after 7 days), the API's prefix-scoped access to it, and emailOut learning the API's URL.
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

function s3StatementsOf(roleId: string) {
  return ofType(statelessResources, 'AWS::IAM::Policy')
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: { Action: string | string[] }) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:')),
    );
}

const variablesOf = (fn: IConstruct) =>
  statelessResources[statelessId(fn)]!.Properties.Environment.Variables as Record<string, unknown>;

describe('the exports bucket', () => {
  const bucketId = statefulId(stateful.buckets.exports);
  const bucket = statefulResources[bucketId]!;

  it('is private, encrypted and kept with the stack’s data', () => {
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('deletes every export 7 days after it was written', () => {
    expect(buckets.exports.expireAfterDays).toBe(7);
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([{ Id: 'expire-objects', Status: 'Enabled', ExpirationInDays: 7 }]),
    );
    // The mail bucket keeps its objects (raw mail expires by the inbound prefix's own rule, not this one).
    const mailRules =
      statefulResources[statefulId(stateful.buckets.mail)]!.Properties.LifecycleConfiguration.Rules;
    expect(mailRules.some((rule: { Id?: string }) => rule.Id === 'expire-objects')).toBe(false);
  });

  it('refuses requests without TLS', () => {
    const [policy] = ofType(statefulResources, 'AWS::S3::BucketPolicy').filter(
      (candidate) => candidate.Properties.Bucket.Ref === bucketId,
    );
    expect(policy!.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    );
  });
});

describe('who may touch exports', () => {
  const arn = { 'Fn::GetStackOutput': { StackName: stateful.stackName, OutputName: 'ExportsBucketArn' } };

  it('the api function writes and reads (what its pre-signed links act as) under exports/ only', () => {
    const onExports = s3StatementsOf(statelessId(stateless.functions.api.role)).filter(
      (statement: { Resource: unknown }) => JSON.stringify(statement.Resource).includes('ExportsBucketArn'),
    );
    expect(
      onExports.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat()).sort(),
    ).toEqual(['s3:GetObject', 's3:PutObject']);
    for (const statement of onExports) {
      expect(statement).toMatchObject({
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [arn, '/exports/*']] },
      });
    }
    const variables = variablesOf(stateless.functions.api.function);
    expect(JSON.stringify(variables[buckets.exports.envVar])).toContain(statefulId(stateful.buckets.exports));
  });

  it('the api function only writes channel attachments into the mail bucket, and never reads raw mail', () => {
    const onMail = s3StatementsOf(statelessId(stateless.functions.api.role)).filter(
      (statement: { Resource: unknown }) => JSON.stringify(statement.Resource).includes('MailBucketArn'),
    );
    expect(onMail.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat())).toEqual([
      's3:PutObject',
    ]);
    expect(JSON.stringify(onMail)).toContain('/attachments/*');
    expect(JSON.stringify(onMail)).not.toContain('/inbound/*');
    // email-in keeps reading what SES stored.
    const emailIn = s3StatementsOf(statelessId(stateless.functions.emailIn.role)).filter(
      (statement: { Resource: unknown }) => JSON.stringify(statement.Resource).includes('MailBucketArn'),
    );
    expect(JSON.stringify(emailIn)).toContain('/inbound/*');
  });

  it('no other function may', () => {
    for (const [name, fn] of Object.entries(stateless.functions)) {
      if (name === 'api') continue;
      const statements = JSON.stringify(s3StatementsOf(statelessId(fn.role)));
      expect(statements, name).not.toContain('ExportsBucketArn');
      expect(variablesOf(fn.function)[buckets.exports.envVar], name).toBeUndefined();
    }
  });
});

describe('survey links', () => {
  it.each(['emailOut', 'webhookFanout'] as const)(
    '%s learns the HTTP API’s URL (its $default stage, from the API id)',
    (name) => {
      const url = variablesOf(stateless.functions[name].function)[env.publicApiUrl];
      const apiId = statelessId(stateless.httpApi.api);
      expect(url).toEqual({
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: apiId },
            '.execute-api.',
            { Ref: 'AWS::Region' },
            '.',
            { Ref: 'AWS::URLSuffix' },
            '/',
          ],
        ],
      });
      // Only the survey mail sender and the webhook fan-out (a solve's payload) need it.
      for (const [other, fn] of Object.entries(stateless.functions)) {
        if (other !== 'emailOut' && other !== 'webhookFanout') {
          expect(variablesOf(fn.function)[env.publicApiUrl], other).toBeUndefined();
        }
      }
    },
  );
});
