import { App, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { mail, queues } from '../../functions/topology.ts';
import { readConfig } from '../../lib/config.ts';
import { type CfnResourceJson, resourcesOf, type SynthesisedDeskless, synthDeskless } from './synth.ts';

const MAIL_DOMAINS = 'support.example.com, Help@Example.org,support.example.com';

const withoutMail = synthDeskless();
const withMail = synthDeskless({ context: { 'deskless:mailDomains': MAIL_DOMAINS } });

/** The stateful resources of a synthesised deployment, with lookups by construct and by type. */
function stateful(deskless: SynthesisedDeskless) {
  const resources = resourcesOf(deskless.statefulTemplate);
  const logicalIdOf = (construct: IConstruct) =>
    deskless.stateful.getLogicalId(construct.node.defaultChild as CfnElement);
  return {
    resources,
    logicalIdOf,
    resourceOf: (construct: IConstruct) => resources[logicalIdOf(construct)]!,
    ofType: (type: string) =>
      Object.entries(resources)
        .filter(([, resource]) => resource.Type === type)
        .map(([id, resource]) => ({ id, ...resource })),
  };
}

function policyStatements(policy: CfnResourceJson | undefined): Array<Record<string, unknown>> {
  return policy?.Properties.PolicyDocument.Statement ?? [];
}

describe('mail bucket', () => {
  const { resourceOf, logicalIdOf, ofType } = stateful(withoutMail);
  const bucket = withoutMail.stateful.buckets.mail;
  const bucketId = logicalIdOf(bucket);
  const bucketPolicy = ofType('AWS::S3::BucketPolicy').find(
    (policy) => policy.Properties.Bucket.Ref === bucketId,
  );

  it('is private, encrypted with S3-managed keys, and kept when the stack goes', () => {
    const resource = resourceOf(bucket);
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    expect(resource.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('refuses every request without TLS', () => {
    expect(policyStatements(bucketPolicy)).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('expires raw inbound MIME after 90 days and keeps the attachments', () => {
    const rules: Array<Record<string, unknown>> = resourceOf(bucket).Properties.LifecycleConfiguration.Rules;
    const expiring = rules.filter((rule) => rule.ExpirationInDays !== undefined);
    expect(expiring).toEqual([
      { Id: 'expire-raw-inbound-mail', Prefix: mail.inboundPrefix, ExpirationInDays: 90, Status: 'Enabled' },
    ]);
    expect(JSON.stringify(rules)).not.toContain(mail.attachmentsPrefix);
    expect(rules).toContainEqual(
      expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
    );
  });

  it('lets no service in without deskless:mailDomains', () => {
    expect(policyStatements(bucketPolicy).filter((statement) => statement.Effect === 'Allow')).toEqual([]);
  });

  it('publishes its ARN as a plain stack output (no export) for grants by prefix', () => {
    expect(withoutMail.statefulTemplate.toJSON().Outputs.MailBucketArn).toEqual({
      Description: expect.stringContaining('mail bucket'),
      Value: { 'Fn::GetAtt': [bucketId, 'Arn'] },
    });
  });
});

describe('inbound topic', () => {
  const { resourceOf, logicalIdOf, ofType } = stateful(withoutMail);
  const topic = withoutMail.stateful.inboundMail.topic;
  const topicId = logicalIdOf(topic);

  it(`is named after the stage and "${mail.inboundTopic}", without a KMS key (metadata only, see inbound-mail.ts)`, () => {
    expect(resourceOf(topic).Properties.TopicName).toBe(`deskless-prod-${mail.inboundTopic}`);
    expect(resourceOf(topic).Properties.KmsMasterKeyId).toBeUndefined();
  });

  it('refuses publishing without TLS', () => {
    const policy = ofType('AWS::SNS::TopicPolicy').find((candidate) =>
      candidate.Properties.Topics.some((ref: { Ref: string }) => ref.Ref === topicId),
    );
    expect(policyStatements(policy)).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('feeds the inbound queue with the SNS envelope, undeliverable notifications going to its DLQ', () => {
    const inbound = queues.find((queue) => queue.topic === mail.inboundTopic)!;
    const queueId = logicalIdOf(withoutMail.stateful.queues.get(inbound.name)!);
    const queue = stateful(withoutMail).resources[queueId]!;
    const dlqArn = queue.Properties.RedrivePolicy.deadLetterTargetArn;
    const subscriptions = ofType('AWS::SNS::Subscription');
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]!.Properties).toEqual({
      Protocol: 'sqs',
      TopicArn: { Ref: topicId },
      Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
      RawMessageDelivery: false,
      RedrivePolicy: { deadLetterTargetArn: dlqArn },
    });
  });
});

describe('receipt rule set', () => {
  it('does not exist without deskless:mailDomains, nor anything that would activate one', () => {
    for (const type of [
      'AWS::SES::ReceiptRuleSet',
      'AWS::SES::ReceiptRule',
      'Custom::SesActiveReceiptRuleSet',
    ]) {
      withoutMail.statefulTemplate.resourceCountIs(type, 0);
    }
    withoutMail.statefulTemplate.resourceCountIs('AWS::Lambda::Function', 0);
    expect(withoutMail.stateful.inboundMail.ruleSet).toBeUndefined();
  });

  describe('with deskless:mailDomains', () => {
    const { logicalIdOf, ofType } = stateful(withMail);
    const { inboundMail } = withMail.stateful;
    const [ruleSet] = ofType('AWS::SES::ReceiptRuleSet');
    const [rule] = ofType('AWS::SES::ReceiptRule');
    const ruleName: string = rule!.Properties.Rule.Name;
    const ruleSetName: string = ruleSet!.Properties.RuleSetName;
    const expectedRuleArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ses:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:receipt-rule-set/${ruleSetName}:receipt-rule/${ruleName}`,
        ],
      ],
    };
    const bucketId = logicalIdOf(withMail.stateful.buckets.mail);
    const topicId = logicalIdOf(inboundMail.topic);

    it('is one set with one rule, named after the stage', () => {
      withMail.statefulTemplate.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
      withMail.statefulTemplate.resourceCountIs('AWS::SES::ReceiptRule', 1);
      expect(ruleSetName).toBe('deskless-prod-inbound');
      expect(ruleName).toBe('deskless-prod-store-raw-mime');
      expect(rule!.Properties.RuleSetName).toEqual({ Ref: ruleSet!.id });
    });

    it('receives for the listed domains and addresses (lowercased, once each), scanning, TLS required', () => {
      expect(rule!.Properties.Rule).toMatchObject({
        Enabled: true,
        Recipients: ['support.example.com', 'help@example.org'],
        ScanEnabled: true,
        TlsPolicy: 'Require',
      });
    });

    it('stores the raw MIME under the inbound prefix and notifies the inbound topic', () => {
      expect(rule!.Properties.Rule.Actions).toEqual([
        {
          S3Action: {
            BucketName: { Ref: bucketId },
            ObjectKeyPrefix: mail.inboundPrefix,
            TopicArn: { Ref: topicId },
          },
        },
      ]);
    });

    it('lets SES put objects under the inbound prefix only, for this rule of this account, over TLS', () => {
      const policy = ofType('AWS::S3::BucketPolicy').find(
        (candidate) => candidate.Properties.Bucket.Ref === bucketId,
      );
      const statements = policyStatements(policy);
      expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([
        {
          Sid: 'SesStoresInboundMail',
          Effect: 'Allow',
          Principal: { Service: 'ses.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${mail.inboundPrefix}*`]] },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': expectedRuleArn,
            },
          },
        },
      ]);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      expect(withMail.stateful.inboundMail.ruleArn).toBeDefined();
    });

    it('lets SES publish to the inbound topic for this rule of this account only', () => {
      const policy = ofType('AWS::SNS::TopicPolicy').find((candidate) =>
        candidate.Properties.Topics.some((ref: { Ref: string }) => ref.Ref === topicId),
      );
      expect(policyStatements(policy)).toContainEqual({
        Sid: 'SesNotifiesInboundMail',
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': expectedRuleArn },
        },
      });
    });

    it('is created after the bucket and topic policies, since SES checks it can write when it is created', () => {
      const policies = ofType('AWS::S3::BucketPolicy')
        .concat(ofType('AWS::SNS::TopicPolicy'))
        .filter((policy) => JSON.stringify(policy.Properties).includes('ses.amazonaws.com'))
        .map((policy) => policy.id);
      expect(policies).toHaveLength(2);
      expect(rule!.DependsOn).toEqual(expect.arrayContaining(policies));
    });
  });
});

describe('rule set activation', () => {
  const { resources, logicalIdOf, ofType } = stateful(withMail);
  const { inboundMail } = withMail.stateful;
  const [activation] = ofType('Custom::SesActiveReceiptRuleSet');

  it('activates our rule set once its rule exists, without replacing another set by default', () => {
    expect(activation!.Properties).toMatchObject({
      RuleSetName: { Ref: logicalIdOf(inboundMail.ruleSet!) },
      ReplaceActiveRuleSet: 'false',
    });
    expect(activation!.DependsOn).toContain(logicalIdOf(inboundMail.rule!));
  });

  it.each([['true'], [true]])('passes deskless:replaceActiveRuleSet=%s through', (flag) => {
    const replacing = synthDeskless({
      context: { 'deskless:mailDomains': MAIL_DOMAINS, 'deskless:replaceActiveRuleSet': flag },
    });
    const [resource] = stateful(replacing).ofType('Custom::SesActiveReceiptRuleSet');
    expect(resource!.Properties.ReplaceActiveRuleSet).toBe('true');
  });

  it('is served by the provider framework, which calls the activation handler', () => {
    const handlerId = logicalIdOf(inboundMail.activation!.handler);
    const frameworkId = activation!.Properties.ServiceToken['Fn::GetAtt'][0];
    expect(resources[frameworkId]!.Properties.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({
      'Fn::GetAtt': [handlerId, 'Arn'],
    });
    expect(resources[handlerId]!.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
    });
  });

  it('gives the handler the two SES actions it needs and no other', () => {
    const handlerRoleId = logicalIdOf(inboundMail.activation!.handler.role!);
    const statements = ofType('AWS::IAM::Policy')
      .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === handlerRoleId))
      .flatMap((policy) => policyStatements(policy));
    const sesActions = statements
      .flatMap((statement) => [statement.Action].flat())
      .filter((action) => String(action).startsWith('ses:'));
    expect(sesActions.sort()).toEqual(['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet']);
  });
});

describe('deskless:mailDomains and deskless:replaceActiveRuleSet', () => {
  const configOf = (context: Record<string, unknown>) => readConfig(new App({ context }));

  it('default to no recipients and no replacement', () => {
    expect(configOf({})).toMatchObject({ mailRecipients: [], replaceActiveRuleSet: false });
    expect(configOf({ 'deskless:mailDomains': ' ' }).mailRecipients).toEqual([]);
  });

  it('take a comma-separated list from -c, or a JSON list from cdk.json', () => {
    expect(
      configOf({ 'deskless:mailDomains': 'a.example.com,support@b.example.org' }).mailRecipients,
    ).toEqual(['a.example.com', 'support@b.example.org']);
    expect(configOf({ 'deskless:mailDomains': ['A.example.com', 'a.example.com'] }).mailRecipients).toEqual([
      'a.example.com',
    ]);
    expect(configOf({ 'deskless:replaceActiveRuleSet': 'TRUE' }).replaceActiveRuleSet).toBe(true);
    expect(configOf({ 'deskless:replaceActiveRuleSet': false }).replaceActiveRuleSet).toBe(false);
  });

  it.each([
    'localhost',
    'support@',
    '@example.com',
    'exa mple.com',
    'https://example.com',
    '-bad.example.com',
  ])('rejects "%s"', (recipient) => {
    expect(() => configOf({ 'deskless:mailDomains': recipient })).toThrow(/deskless:mailDomains/);
  });

  it('rejects more recipients than one SES rule takes', () => {
    const many = Array.from({ length: 101 }, (_, index) => `d${index}.example.com`).join(',');
    expect(() => configOf({ 'deskless:mailDomains': many })).toThrow(/at most 100/);
  });

  it('rejects a replace flag that is not true or false', () => {
    expect(() => configOf({ 'deskless:replaceActiveRuleSet': 'yes' })).toThrow(
      /deskless:replaceActiveRuleSet/,
    );
  });
});
