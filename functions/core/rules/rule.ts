import { type FieldAction, validateActions } from '../actions.ts';
import { type Conditions, validateConditions } from '../conditions.ts';
import type { FieldError } from '../errors.ts';
import type { CustomFieldDefinition } from '../model.ts';

/**
 * An automation rule (a Zendesk trigger): when a ticket changes and the rule's conditions hold, its actions
 * change the ticket. Rules run in `position` order, each seeing what the rules before it did (engine.ts).
 */
export interface Rule {
  readonly tenantId: string;
  /** `rul_<ulid>`. */
  readonly id: string;
  readonly name: string;
  readonly position: number;
  /** Inactive rules are kept (and can be dry-run) but never fire. */
  readonly active: boolean;
  readonly conditions: Conditions;
  readonly actions: readonly FieldAction[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A rule as an admin writes it (POST creates one, PUT replaces one whole). */
export interface RuleInput {
  readonly name: string;
  /** Default: after the last rule. */
  readonly position?: number | undefined;
  /** Default true. */
  readonly active?: boolean | undefined;
  readonly conditions: Conditions;
  readonly actions: readonly FieldAction[];
}

export const RULE_ID_PREFIX = 'rul_';
export const MAX_RULE_NAME_CHARS = 200;
export const MAX_NOTE_CHARS = 10_000;
/** Most rules per tenant: every ticket update reads them all. */
export const MAX_RULES = 500;
export const MAX_POSITION = 1_000_000;

/**
 * Firings allowed per ticket in one window of RULE_BUDGET_WINDOW_MS: rules that keep undoing each other on
 * every update (a loop) are stopped there.
 */
export const RULE_FIRE_BUDGET = 20;
export const RULE_BUDGET_WINDOW_MS = 60 * 60 * 1000;

/** Actions only rules have, on top of the field actions they share with macros. */
export const RULE_ACTIONS = ['internal_note', 'macro', 'notify_webhook'] as const;
export type RuleActionName = (typeof RULE_ACTIONS)[number];

const MACRO_ID = /^[A-Za-z0-9_-]{1,100}$/;
const SUBSCRIPTION_ID = /^[A-Za-z0-9_-]{1,100}$/;
const CUSTOM_PREFIX = 'customFields.';

/** The order rules run in: by position, ties by id (stable, whatever order they were read in). */
export const byPosition = (a: Pick<Rule, 'position' | 'id'>, b: Pick<Rule, 'position' | 'id'>): number =>
  a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The timeline's reason for a change a rule made: `rule “Escalate VIPs” (rul_…)`. */
export const ruleReason = (rule: Pick<Rule, 'id' | 'name'>): string => `rule “${rule.name}” (${rule.id})`;

/**
 * The error of a rule-only action's value; undefined for any other field (a field action). With
 * `checkCustomFields` false, custom field actions pass here and are checked later against the declarations.
 */
export function ruleActionError(action: FieldAction, checkCustomFields = true): string | null | undefined {
  const { field, value } = action;
  switch (field) {
    case 'internal_note':
      return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_NOTE_CHARS
        ? null
        : `must be a non-empty text of at most ${MAX_NOTE_CHARS} characters`;
    case 'macro':
      return typeof value === 'string' && MACRO_ID.test(value) ? null : 'must be a macro id';
    case 'notify_webhook':
      return typeof value === 'string' && SUBSCRIPTION_ID.test(value)
        ? null
        : 'must be a webhook subscription id (POST /v1/subscriptions makes one)';
  }
  if (!checkCustomFields && field.startsWith(CUSTOM_PREFIX)) return null;
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Field errors of a rule as received (unknown input); empty when it can be stored. `customFields` are the
 * tenant's declarations that custom field actions are checked against; null skips that check (the HTTP edge,
 * which does not know them: the use case checks again with them). Whether a `macro` action names an existing
 * macro is for the use case to check too (it needs the store).
 */
export function validateRuleInput(
  input: unknown,
  customFields: readonly CustomFieldDefinition[] | null,
): FieldError[] {
  if (!isObject(input)) return [{ path: '', message: 'must be an object' }];
  const errors: FieldError[] = [];
  const allowed = ['name', 'position', 'active', 'conditions', 'actions'];
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) errors.push({ path: key, message: 'is not allowed' });
  }
  const { name, position, active, conditions, actions } = input;
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_RULE_NAME_CHARS) {
    errors.push({
      path: 'name',
      message: `must be a non-empty string of at most ${MAX_RULE_NAME_CHARS} characters`,
    });
  }
  if (
    position !== undefined &&
    (typeof position !== 'number' ||
      !Number.isSafeInteger(position) ||
      position < 0 ||
      position > MAX_POSITION)
  ) {
    errors.push({ path: 'position', message: `must be a whole number from 0 to ${MAX_POSITION}` });
  }
  if (active !== undefined && typeof active !== 'boolean') {
    errors.push({ path: 'active', message: 'must be true or false' });
  }
  if (conditions === undefined) {
    errors.push({ path: 'conditions', message: 'is required: { "all": [...], "any": [...] }' });
  } else {
    errors.push(...validateConditions(conditions, 'conditions'));
  }
  if (Array.isArray(actions) && actions.length === 0) {
    errors.push({ path: 'actions', message: 'a rule needs at least one action' });
  } else {
    errors.push(
      ...validateActions(actions, customFields ?? [], 'actions', (action) =>
        ruleActionError(action, customFields !== null),
      ),
    );
  }
  return errors;
}

/** The webhook subscription ids a rule's `notify_webhook` actions name (to check that they exist). */
export function subscriptionIdsOf(actions: readonly FieldAction[]): { index: number; id: string }[] {
  return actions.flatMap((action, index) =>
    action.field === 'notify_webhook' && typeof action.value === 'string'
      ? [{ index, id: action.value }]
      : [],
  );
}

/** The macro ids a rule's actions name (to check that they exist). */
export function macroIdsOf(actions: readonly FieldAction[]): { index: number; id: string }[] {
  return actions.flatMap((action, index) =>
    action.field === 'macro' && typeof action.value === 'string' ? [{ index, id: action.value }] : [],
  );
}

function fieldsOf(input: RuleInput) {
  return {
    name: input.name.trim(),
    active: input.active ?? true,
    conditions: {
      ...(input.conditions.all !== undefined && { all: input.conditions.all }),
      ...(input.conditions.any !== undefined && { any: input.conditions.any }),
    },
    actions: input.actions.map(({ field, value }) => ({ field, value })),
  };
}

/** A new rule from a validated input, at `position` (the input's, else the one given: after the last rule). */
export function newRule(tenantId: string, id: string, input: RuleInput, position: number, now: string): Rule {
  return {
    tenantId,
    id,
    ...fieldsOf(input),
    position: input.position ?? position,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** The rule replaced whole by a validated input (PUT): same id, creation time and (unless given) position. */
export function replaceRule(previous: Rule, input: RuleInput, now: string): Rule {
  return {
    tenantId: previous.tenantId,
    id: previous.id,
    ...fieldsOf(input),
    position: input.position ?? previous.position,
    createdAt: previous.createdAt,
    updatedAt: now,
    version: previous.version + 1,
  };
}
