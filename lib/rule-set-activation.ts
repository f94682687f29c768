import { type CfnElement, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { bundling } from '../functions/topology.ts';
import { desklessBundling } from './bundling.ts';
import type { ActivationProperties } from './custom-resources/activation-plan.ts';
import { fromRepoRoot } from './repo-path.ts';

export interface RuleSetActivationProps {
  readonly ruleSet: IReceiptRuleSet;
  /** Replace a rule set someone else made active, instead of failing the deployment. */
  readonly replaceActiveRuleSet: boolean;
}

/**
 * Makes `ruleSet` the active SES receipt rule set, which CloudFormation has no resource for. Another active
 * set is replaced only when `replaceActiveRuleSet` is set; otherwise the deployment fails and says so. On
 * removal, receiving is switched off only if our set is still the active one. The decisions are in
 * custom-resources/activation-plan.ts.
 */
export class RuleSetActivation extends Construct {
  readonly handler: NodejsFunction;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: RuleSetActivationProps) {
    super(scope, id);

    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });

    const handlerRole = new Role(this, 'HandlerRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Deskless SES receipt rule set activation',
    });
    logGroup.grantWrite(handlerRole);
    handlerRole.addToPolicy(
      new PolicyStatement({
        actions: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
        resources: ['*'],
      }),
    );
    Validations.of(handlerRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ses:DescribeActiveReceiptRuleSet and ses:SetActiveReceiptRuleSet act on the account-wide pointer to ' +
        'the active rule set and support no resource-level permissions; the role has no other SES action.',
    });

    this.handler = new NodejsFunction(this, 'Handler', {
      entry: fromRepoRoot('lib/custom-resources/activate-rule-set.ts'),
      handler: 'handler',
      description: 'Deskless: activates the SES receipt rule set without replacing one it does not own',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role: handlerRole,
      logGroup,
      depsLockFilePath: fromRepoRoot('package-lock.json'),
      environment: { NODE_OPTIONS: bundling.nodeOptions },
      // The one function that takes the SDK from the Lambda runtime (see the handler's header comment).
      bundling: desklessBundling(['@aws-sdk/*']),
    });

    // The framework function answers CloudFormation even when the handler throws or times out.
    const frameworkRole = new Role(this, 'ProviderRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Deskless SES receipt rule set activation (custom resource provider)',
    });
    logGroup.grantWrite(frameworkRole);
    const provider = new Provider(this, 'Provider', {
      onEventHandler: this.handler,
      frameworkOnEventRole: frameworkRole,
      logGroup,
    });
    const handlerId = Stack.of(this).getLogicalId(this.handler.node.defaultChild as CfnElement);
    Validations.of(frameworkRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
      reason:
        'Added by the CDK custom resource provider: lambda:InvokeFunction on the activation handler and its ' +
        'versions (":*"), the one function this provider exists to call; it may invoke nothing else.',
    });

    const properties: ActivationProperties = {
      RuleSetName: props.ruleSet.receiptRuleSetName,
      ReplaceActiveRuleSet: props.replaceActiveRuleSet ? 'true' : 'false',
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SesActiveReceiptRuleSet',
      properties: { ...properties },
    });
  }
}
