import type { FieldAction } from '../actions.ts';
import type { Caller } from '../caller.ts';
import { DomainError, type FieldError, notFound } from '../errors.ts';
import type {
  AgentStore,
  Clock,
  CustomFieldStore,
  GroupStore,
  Ids,
  RuleStore,
  TicketStore,
} from '../ports.ts';
import { type DryRunResult, dryRun } from '../rules/engine.ts';
import {
  MAX_RULES,
  macroIdsOf,
  newRule,
  RULE_ID_PREFIX,
  type Rule,
  type RuleInput,
  replaceRule,
  subscriptionIdsOf,
  validateRuleInput,
} from '../rules/rule.ts';
import { replaceGuarded } from './replace-guarded.ts';

/** Automation rules (triggers): kept per tenant, run by the triage worker, dry-run against a ticket here. */

export interface RuleDeps {
  readonly rules: RuleStore;
  readonly customFields: CustomFieldStore;
  readonly groups: GroupStore;
  readonly agents: AgentStore;
  readonly clock: Clock;
  readonly ids: Ids;
  /** Whether the tenant has a macro with this id (the macros module answers; a rule's `macro` action needs one). */
  readonly macroExists: (tenantId: string, id: string) => Promise<boolean>;
  /**
   * Whether the tenant has a webhook subscription with this id (a rule's `notify_webhook` action needs one);
   * without it, such actions are refused.
   */
  readonly subscriptionExists?: ((tenantId: string, id: string) => Promise<boolean>) | undefined;
}

/** The groups, agents and macros a rule's actions name must exist when it is saved. */
async function referenceErrors(
  deps: RuleDeps,
  tenantId: string,
  actions: readonly FieldAction[],
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const at = (field: string) =>
    actions.flatMap((action, index) =>
      action.field === field && typeof action.value === 'string' ? [{ index, id: action.value }] : [],
    );
  const groups = at('group');
  if (groups.length > 0) {
    const missing = new Set(
      await deps.groups.missing(
        tenantId,
        groups.map((g) => g.id),
      ),
    );
    for (const { index, id } of groups) {
      if (missing.has(id))
        errors.push({ path: `actions[${index}].value`, message: `group ${id} does not exist` });
    }
  }
  for (const { index, id } of at('assignee')) {
    if (!(await deps.agents.get(tenantId, id))) {
      errors.push({ path: `actions[${index}].value`, message: `agent ${id} does not exist` });
    }
  }
  for (const { index, id } of macroIdsOf(actions)) {
    if (!(await deps.macroExists(tenantId, id))) {
      errors.push({ path: `actions[${index}].value`, message: `macro ${id} does not exist` });
    }
  }
  for (const { index, id } of subscriptionIdsOf(actions)) {
    if (!(await deps.subscriptionExists?.(tenantId, id))) {
      errors.push({ path: `actions[${index}].value`, message: `webhook subscription ${id} does not exist` });
    }
  }
  return errors;
}

async function assertValid(deps: RuleDeps, tenantId: string, input: RuleInput): Promise<void> {
  let errors = validateRuleInput(input, await deps.customFields.list(tenantId));
  if (errors.length === 0) errors = await referenceErrors(deps, tenantId, input.actions);
  if (errors.length > 0) {
    throw new DomainError(
      'validation',
      `the rule is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
  }
}

export function makeCreateRule(deps: RuleDeps) {
  /** A new rule; without a position it goes after the last one. */
  return async function createRule(caller: Caller, input: RuleInput): Promise<Rule> {
    await assertValid(deps, caller.tenantId, input);
    const existing = await deps.rules.list(caller.tenantId);
    if (existing.length >= MAX_RULES) {
      throw new DomainError('validation', `a tenant has at most ${MAX_RULES} rules; delete one first`);
    }
    const last = existing.reduce((max, rule) => Math.max(max, rule.position), 0);
    const rule = newRule(
      caller.tenantId,
      `${RULE_ID_PREFIX}${deps.ids.next()}`,
      input,
      existing.length === 0 ? 1 : last + 1,
      deps.clock.now(),
    );
    await deps.rules.create(rule);
    return rule;
  };
}

export function makeListRules(deps: Pick<RuleDeps, 'rules'>) {
  /** Every rule of the tenant, in the order they run. */
  return (caller: Caller): Promise<Rule[]> => deps.rules.list(caller.tenantId);
}

export function makeGetRule(deps: Pick<RuleDeps, 'rules'>) {
  return async function getRule(caller: Caller, id: string): Promise<Rule> {
    const rule = await deps.rules.get(caller.tenantId, id);
    if (!rule) throw notFound(`rule ${id}`);
    return rule;
  };
}

export function makeUpdateRule(deps: RuleDeps) {
  /**
   * PUT: the rule replaced whole (without `position`, it keeps its place). With `ifMatch`, only the version
   * the caller read is replaced.
   */
  return async function updateRule(
    caller: Caller,
    id: string,
    input: RuleInput,
    ifMatch?: number | undefined,
  ): Promise<Rule> {
    await assertValid(deps, caller.tenantId, input);
    return replaceGuarded(
      `rule ${id}`,
      ifMatch,
      () => deps.rules.get(caller.tenantId, id),
      async (previous) => {
        const next = replaceRule(previous, input, deps.clock.now());
        await deps.rules.update(next, previous.version);
        return next;
      },
    );
  };
}

export function makeDeleteRule(deps: Pick<RuleDeps, 'rules'>) {
  return async function deleteRule(caller: Caller, id: string): Promise<void> {
    if (!(await deps.rules.delete(caller.tenantId, id))) throw notFound(`rule ${id}`);
  };
}

export interface TestRuleInput {
  /** The ticket number to try the rule on. */
  readonly ticket: number;
  /** A comment to evaluate `comment` conditions against, as if the update had added it. */
  readonly comment?: string | null | undefined;
}

export function makeTestRule(deps: Pick<RuleDeps, 'rules'> & { readonly tickets: TicketStore }) {
  /**
   * A dry run: whether the rule matches the ticket now (each condition explained) and what it would change.
   * Nothing is written; the ticket keeps its version. Inactive rules can be tried before they are switched on.
   */
  return async function testRule(caller: Caller, id: string, input: TestRuleInput): Promise<DryRunResult> {
    const rule = await deps.rules.get(caller.tenantId, id);
    if (!rule) throw notFound(`rule ${id}`);
    const ticket = await deps.tickets.get(caller.tenantId, input.ticket);
    if (!ticket) throw notFound(`ticket #${input.ticket}`);
    return dryRun(rule, ticket, input.comment ?? null);
  };
}
