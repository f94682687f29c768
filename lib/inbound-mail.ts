import { Annotations, ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { type ReceiptRule, ReceiptRuleSet, TlsPolicy } from 'aws-cdk-lib/aws-ses';
import { S3 } from 'aws-cdk-lib/aws-ses-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { mail } from '../functions/topology.ts';
import { RuleSetActivation } from './rule-set-activation.ts';

/** Raw MIME is needed only until email-in has turned it into a ticket; this leaves weeks for redrives. */
const RAW_MIME_RETENTION = Duration.days(90);

export interface InboundMailProps {
  readonly stage: string;
  /** The mail bucket of topology.ts. */
  readonly bucket: Bucket;
  /** Domains and addresses SES receives for; none means no receipt rule set at all. */
  readonly recipients: readonly string[];
  readonly replaceActiveRuleSet: boolean;
}

/**
 * SES's side of the email channel: customer mail → receipt rule → raw MIME in the mail bucket under
 * `mail.inboundPrefix` → notification on the inbound topic (to which the inbound queue subscribes).
 *
 * Without recipients there is no rule set: the topic and queue exist and simply receive nothing, so the
 * stacks look the same whether or not a deployment takes mail.
 */
export class InboundMail extends Construct {
  readonly topic: Topic;
  readonly ruleSet?: ReceiptRuleSet;
  readonly rule?: ReceiptRule;
  readonly activation?: RuleSetActivation;
  /** The ARN SES presents (aws:SourceArn) when the rule writes to the bucket. */
  readonly ruleArn?: string;

  constructor(scope: Construct, id: string, props: InboundMailProps) {
    super(scope, id);
    const { bucket, stage } = props;

    // The raw MIME is a transit copy: the parsed ticket keeps what matters (text, addresses, Message-ID for
    // threading and de-duplication), and the attachments worth keeping are copied under
    // `mail.attachmentsPrefix`, which never expires. Keeping every raw mail forever would only grow the bill
    // and the amount of personal data at rest.
    bucket.addLifecycleRule({
      id: 'expire-raw-inbound-mail',
      prefix: mail.inboundPrefix,
      expiration: RAW_MIME_RETENTION,
    });

    // Not encrypted with KMS, on purpose: SES can only publish to an encrypted topic through a customer
    // managed key whose policy lets it in (fixed cost of about $1 a month plus requests), and what it
    // publishes here is metadata only (bucket, object key, headers, spam and virus verdicts), never the body
    // or the attachments, which stay in the encrypted bucket. The queue behind it is encrypted at rest and
    // publishing requires TLS.
    this.topic = new Topic(this, 'Topic', {
      topicName: `deskless-${stage}-${mail.inboundTopic}`,
      displayName: `Deskless ${stage} inbound mail`,
      enforceSSL: true,
    });

    if (props.recipients.length === 0) return;

    const ruleSetName = `deskless-${stage}-inbound`;
    const ruleName = `deskless-${stage}-store-raw-mime`;
    // Named up front so the bucket policy can name the rule before the rule exists: SES test-writes to the
    // bucket when the rule is created, so the policy has to be in place first.
    this.ruleArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'receipt-rule-set',
      resourceName: `${ruleSetName}:receipt-rule/${ruleName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    // Only this rule of this account: no confused deputy, another account's (or another) SES rule cannot
    // write here or publish there.
    const onlyThisRule = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': this.ruleArn },
    };
    const ses = new ServicePrincipal('ses.amazonaws.com');
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SesStoresInboundMail',
        principals: [ses],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${mail.inboundPrefix}*`)],
        conditions: onlyThisRule,
      }),
    );
    // SES documents this grant for topics of other accounts only, but the topic's own policy (enforceSSL)
    // replaces the default one SNS would have: grant it explicitly rather than rely on how SES authorises
    // publishing in its own account.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SesNotifiesInboundMail',
        principals: [ses],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: onlyThisRule,
      }),
    );

    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: ruleSetName });
    this.rule = this.ruleSet.addRule('StoreRawMime', {
      receiptRuleName: ruleName,
      recipients: [...props.recipients],
      enabled: true,
      // SES adds spam and virus verdicts to the notification and the stored mail's headers.
      scanEnabled: true,
      // Mail not delivered over TLS is bounced.
      tlsPolicy: TlsPolicy.REQUIRE,
      actions: [
        new S3({
          // The S3 action adds its own bucket policy statement to a bucket of this app, trusting every SES
          // rule of the account (aws:SourceAccount only). Handing it a reference instead leaves the bucket
          // with the statement above only, which names this rule.
          bucket: Bucket.fromBucketName(this, 'MailBucketReference', bucket.bucketName),
          objectKeyPrefix: mail.inboundPrefix,
          topic: this.topic,
        }),
      ],
    });
    // SES checks that it can write to the bucket when the rule is created; the topic (with its policy) too.
    this.rule.node.addDependency(bucket.policy!, this.topic);
    Annotations.of(this.rule).acknowledgeWarning(
      '@aws-cdk/s3:AddBucketPermissions',
      'SES is granted PutObject under the inbound prefix by the mail bucket policy, scoped to this rule ARN',
    );

    this.activation = new RuleSetActivation(this, 'Activation', {
      ruleSet: this.ruleSet,
      replaceActiveRuleSet: props.replaceActiveRuleSet,
    });
    // Activate a set that already holds its rule, and deactivate before the rule set is deleted (SES does
    // not delete an active set).
    this.activation.resource.node.addDependency(this.rule);
  }
}
