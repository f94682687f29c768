/**
 * onEvent handler of the custom resource that makes Deskless's SES receipt rule set the active one, which
 * CloudFormation cannot do (lib/rule-set-activation.ts). What it does is decided by `planActivation`.
 *
 * Unlike the functions of topology.ts, this one takes the AWS SDK from the Lambda runtime (bundled with
 * `@aws-sdk/*` external): it is an admin function that runs a few times per deployment's life, and the
 * SES v1 client it needs (receipt rules have no SES v2 API) is used nowhere else. The repository's
 * devDependency on @aws-sdk/client-ses only gives it types and tests.
 */
import {
  DescribeActiveReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { type ActivationProperties, planActivation } from './activation-plan.ts';

const ses = new SESClient({});

export async function handler(event: CloudFormationCustomResourceEvent) {
  // On Delete these are the properties of the resource being deleted, also after a replacement.
  const properties = event.ResourceProperties as unknown as ActivationProperties;
  const ruleSetName = properties.RuleSetName;
  if (!ruleSetName) throw new Error('RuleSetName is required');

  const active = await ses.send(new DescribeActiveReceiptRuleSetCommand({}));
  const activeRuleSetName = active.Metadata?.Name;
  const plan = planActivation({
    requestType: event.RequestType,
    ruleSetName,
    activeRuleSetName,
    replaceActiveRuleSet: properties.ReplaceActiveRuleSet === 'true',
  });
  console.log(JSON.stringify({ requestType: event.RequestType, ruleSetName, activeRuleSetName, plan }));

  switch (plan.action) {
    case 'fail':
      // The provider framework reports the message to CloudFormation, which shows it as the failure reason.
      throw new Error(plan.message);
    case 'activate':
      await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: ruleSetName }));
      break;
    case 'deactivate':
      // No name: no set is active, so SES receives nothing in this region (as before Deskless was deployed).
      await ses.send(new SetActiveReceiptRuleSetCommand({}));
      break;
    case 'none':
      break;
  }
  return {
    PhysicalResourceId: `active-receipt-rule-set:${ruleSetName}`,
    Data: { PreviouslyActive: activeRuleSetName ?? '' },
  };
}
