/**
 * What the rule set activation custom resource does, decided from what SES reports. Pure, so every case is
 * tested without AWS (test/infra/rule-set-activation.test.ts).
 *
 * SES evaluates exactly one receipt rule set per account and region: the active one. Activating ours
 * silently switches off every rule of the set it replaces, so Deskless never does that unless told to.
 */

/** The custom resource's properties, as the construct sets them and the handler reads them. */
export interface ActivationProperties {
  readonly RuleSetName: string;
  /** CloudFormation passes every property as a string. */
  readonly ReplaceActiveRuleSet: 'true' | 'false';
}

export type RequestType = 'Create' | 'Update' | 'Delete';

export interface ActivationInput {
  readonly requestType: RequestType;
  /** The rule set this deployment owns. */
  readonly ruleSetName: string;
  /** The set SES reports active right now, if any. */
  readonly activeRuleSetName: string | undefined;
  /** `deskless:replaceActiveRuleSet`: replace another active set instead of failing. */
  readonly replaceActiveRuleSet: boolean;
}

export type ActivationPlan =
  | { readonly action: 'activate'; readonly replacing?: string }
  | { readonly action: 'deactivate' }
  | { readonly action: 'none'; readonly why: string }
  | { readonly action: 'fail'; readonly message: string };

/** The context flag that lets a deployment replace someone else's active rule set; named in errors. */
export const REPLACE_FLAG = 'deskless:replaceActiveRuleSet';

export function planActivation(input: ActivationInput): ActivationPlan {
  const { ruleSetName: ours, activeRuleSetName: active } = input;
  if (input.requestType === 'Delete') {
    // Deactivating turns off all receiving in the region: only ever do it to our own set.
    return active === ours
      ? { action: 'deactivate' }
      : { action: 'none', why: `"${ours}" is not the active rule set; nothing to deactivate` };
  }
  if (active === ours) return { action: 'none', why: `"${ours}" is already the active rule set` };
  if (active === undefined) return { action: 'activate' };
  if (input.replaceActiveRuleSet) return { action: 'activate', replacing: active };
  return {
    action: 'fail',
    message:
      `The SES receipt rule set "${active}" is active in this account and region, and only one set can be ` +
      `active at a time. Deskless will not replace a rule set it does not own: activating "${ours}" would ` +
      `stop every rule of "${active}" from receiving mail. If that is what you want, deploy again with ` +
      `-c ${REPLACE_FLAG}=true; otherwise deploy Deskless to another region or account, or leave ` +
      `deskless:mailDomains unset (see docs/email-setup.md).`,
  };
}
