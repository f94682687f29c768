import type { FieldError } from './errors.ts';
import { CHANNELS, type CustomFieldValue, PRIORITIES, STATUSES, TICKET_TYPES, type Ticket } from './model.ts';
import { type Triage, URGENCIES } from './triage/classifier.ts';

/**
 * Conditions over a ticket, in the Zendesk model: every condition of `all` holds and, when `any` is not empty,
 * at least one of `any` does. SLA policies select with them, and the automation rules (triggers) use the same
 * shape, so one evaluator and one validator serve both.
 */
export interface Conditions {
  readonly all?: readonly Condition[];
  readonly any?: readonly Condition[];
}

export interface Condition {
  /** One of CONDITION_FIELDS, or `customFields.<key>`. */
  readonly field: string;
  readonly operator: ConditionOperator;
  readonly value: ConditionValue;
}

export type ConditionScalar = string | number | boolean | null;
export type ConditionValue = ConditionScalar | readonly ConditionScalar[];

export const CONDITION_OPERATORS = [
  'is',
  'is_not',
  'contains',
  'not_contains',
  'in',
  'matches',
  'greater_than',
  'less_than',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** The ticket fields conditions read (custom fields are `customFields.<key>` on top of these). */
export const CONDITION_FIELDS = [
  'priority',
  'type',
  'group',
  'channel',
  'tags',
  'status',
  'subject',
  'requester.email',
  'assignee',
  'comment',
  'triage.intent',
  'triage.language',
  'triage.urgency',
  'triage.sentiment',
  'sla.breached',
  'sla.at_risk',
] as const;
export type ConditionField = (typeof CONDITION_FIELDS)[number];

/** The part of the classifier's verdict conditions read (`triage.*`). */
export type ConditionTriage = Pick<Triage, 'intent' | 'language' | 'urgency' | 'sentiment'>;

/**
 * What conditions look at: a ticket, or anything with the same fields (a dry run, a stored summary). The
 * optional parts are what automation rules add: a missing `assignee` is unassigned, a missing `triage` is a
 * ticket not triaged yet, and `comment` is the text of the comment a rule run is about (null: none).
 */
export type ConditionTarget = Pick<
  Ticket,
  'priority' | 'type' | 'group' | 'channel' | 'tags' | 'status' | 'subject' | 'customFields'
> & {
  readonly requester: { readonly email: string | null };
  readonly assignee?: string | null | undefined;
  readonly triage?: ConditionTriage | null | undefined;
  readonly comment?: string | null | undefined;
  /** The ticket's SLA state (`sla.breached`, `sla.at_risk`); missing or null: no SLA applies. */
  readonly sla?: { readonly breached: boolean; readonly atRisk: boolean } | null | undefined;
};

/** Longest `matches` pattern accepted; the glob matcher is O(pattern × text) in the worst case. */
export const MAX_PATTERN_LENGTH = 200;
/** Most conditions in `all` and in `any` each, and most values in an `in` list. */
export const MAX_CONDITIONS = 50;
export const MAX_IN_VALUES = 100;

const CUSTOM_PREFIX = 'customFields.';
const CUSTOM_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Sentiment runs from -1 (angry) to 1 (happy); conditions compare it with a threshold in that range. */
export const SENTIMENT_RANGE = { min: -1, max: 1 } as const;
/** A language as triage names it: ISO 639-1 (`es`), or `und` when undetermined. */
const LANGUAGE_CODE = /^[a-z]{2,3}$/i;

/**
 * Kinds of field, each with its own operators. `ordered` enums compare by rank (low < normal < high < urgent).
 * `code` is a short case-insensitive code (a language); `number` compares with a threshold only.
 */
type FieldKind =
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly ordered: boolean }
  | { readonly kind: 'id' }
  | { readonly kind: 'text' }
  | { readonly kind: 'code' }
  | { readonly kind: 'number'; readonly min: number; readonly max: number }
  | { readonly kind: 'list' }
  | { readonly kind: 'flag' }
  | { readonly kind: 'custom' };

const FIELD_KINDS: Readonly<Record<ConditionField, FieldKind>> = {
  priority: { kind: 'enum', values: PRIORITIES, ordered: true },
  // Zendesk's order: new < open < pending < on_hold < solved < closed ("status less than solved").
  status: { kind: 'enum', values: STATUSES, ordered: true },
  type: { kind: 'enum', values: TICKET_TYPES, ordered: false },
  channel: { kind: 'enum', values: CHANNELS, ordered: false },
  group: { kind: 'id' },
  assignee: { kind: 'id' },
  subject: { kind: 'text' },
  'requester.email': { kind: 'text' },
  comment: { kind: 'text' },
  tags: { kind: 'list' },
  'triage.intent': { kind: 'text' },
  'triage.language': { kind: 'code' },
  'triage.urgency': { kind: 'enum', values: URGENCIES, ordered: true },
  'triage.sentiment': { kind: 'number', min: SENTIMENT_RANGE.min, max: SENTIMENT_RANGE.max },
  'sla.breached': { kind: 'flag' },
  'sla.at_risk': { kind: 'flag' },
};

const OPERATORS_BY_KIND: Readonly<Record<FieldKind['kind'], readonly ConditionOperator[]>> = {
  enum: ['is', 'is_not', 'in', 'greater_than', 'less_than'],
  id: ['is', 'is_not', 'in'],
  text: ['is', 'is_not', 'contains', 'not_contains', 'in', 'matches'],
  code: ['is', 'is_not', 'in'],
  number: ['greater_than', 'less_than'],
  list: ['contains', 'not_contains'],
  flag: ['is', 'is_not'],
  custom: CONDITION_OPERATORS,
};

/** The operators a field takes; empty for an unknown field. */
export function operatorsFor(field: string): readonly ConditionOperator[] {
  const kind = kindOf(field);
  return kind ? OPERATORS_BY_KIND[kind.kind] : [];
}

const TRIAGE_PREFIX = 'triage.';

function kindOf(field: string): FieldKind | null {
  if (Object.hasOwn(FIELD_KINDS, field)) return FIELD_KINDS[field as ConditionField];
  if (field.startsWith(CUSTOM_PREFIX) && CUSTOM_KEY.test(field.slice(CUSTOM_PREFIX.length))) {
    return { kind: 'custom' };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

/** Whether the ticket satisfies the conditions. No conditions at all (or empty lists) match every ticket. */
export function evaluate(conditions: Conditions | null | undefined, ticket: ConditionTarget): boolean {
  const all = conditions?.all ?? [];
  const any = conditions?.any ?? [];
  if (!all.every((condition) => evaluateCondition(condition, ticket))) return false;
  return any.length === 0 || any.some((condition) => evaluateCondition(condition, ticket));
}

/** One condition. An unknown field or an operator the field does not take is false (validation refuses both). */
export function evaluateCondition(condition: Condition, ticket: ConditionTarget): boolean {
  const kind = kindOf(condition.field);
  if (!kind || !OPERATORS_BY_KIND[kind.kind].includes(condition.operator)) return false;
  const { operator, value } = condition;
  // Before triage there is nothing to compare: only the negations hold.
  if (condition.field.startsWith(TRIAGE_PREFIX) && !ticket.triage) {
    return operator === 'is_not' || operator === 'not_contains';
  }
  const actual = readField(condition.field, ticket);
  switch (kind.kind) {
    case 'enum': {
      const current = actual as string;
      if (operator === 'greater_than' || operator === 'less_than') {
        const [a, b] = [kind.values.indexOf(current), kind.values.indexOf(String(value))];
        if (a < 0 || b < 0) return false;
        return operator === 'greater_than' ? a > b : a < b;
      }
      return compareEquality(operator, current, value, false);
    }
    case 'id':
      return compareEquality(operator, actual as string | null, value, false);
    case 'code':
      return compareEquality(operator, actual as string | null, value, true);
    case 'text':
      return compareText(operator, actual as string | null, value);
    case 'number': {
      if (typeof actual !== 'number' || typeof value !== 'number') return false;
      return operator === 'greater_than' ? actual > value : actual < value;
    }
    case 'flag':
      return operator === 'is' ? actual === value : actual !== value;
    case 'list': {
      // `contains`: has at least one of the tags given; `not_contains`: has none of them.
      const wanted = toList(value).map((tag) => String(tag).toLowerCase());
      const has = ticket.tags.some((tag) => wanted.includes(tag.toLowerCase()));
      return operator === 'contains' ? has : !has;
    }
    case 'custom':
      return compareCustom(operator, actual as CustomFieldValue | undefined, value);
  }
}

/**
 * The value a condition's field reads on the target: what a dry run shows next to each condition. Missing
 * optional parts read as null (unassigned, no comment, not triaged); a missing custom field as undefined.
 */
export function readField(field: string, ticket: ConditionTarget): unknown {
  switch (field as ConditionField) {
    case 'priority':
    case 'status':
    case 'type':
    case 'channel':
    case 'group':
    case 'subject':
    case 'tags':
      return ticket[field as 'priority' | 'status' | 'type' | 'channel' | 'group' | 'subject' | 'tags'];
    case 'requester.email':
      return ticket.requester.email;
    case 'assignee':
      return ticket.assignee ?? null;
    case 'sla.breached':
      return ticket.sla?.breached ?? false;
    case 'sla.at_risk':
      return ticket.sla?.atRisk ?? false;
    case 'comment':
      return ticket.comment ?? null;
    case 'triage.intent':
      return ticket.triage ? ticket.triage.intent : null;
    case 'triage.language':
      return ticket.triage ? ticket.triage.language : null;
    case 'triage.urgency':
      return ticket.triage ? ticket.triage.urgency : null;
    case 'triage.sentiment':
      return ticket.triage ? ticket.triage.sentiment : null;
  }
  if (field.startsWith(CUSTOM_PREFIX)) {
    const key = field.slice(CUSTOM_PREFIX.length);
    return Object.hasOwn(ticket.customFields, key) ? ticket.customFields[key] : undefined;
  }
  return undefined;
}

/** How one condition fared against a target, for a dry run that shows why a rule matches or not. */
export interface ConditionResult {
  readonly list: 'all' | 'any';
  readonly index: number;
  readonly field: string;
  readonly operator: ConditionOperator;
  readonly value: ConditionValue;
  /** What the field holds on the target (null when empty or not triaged). */
  readonly actual: unknown;
  readonly matched: boolean;
}

/** Every condition of `all` then of `any`, each with the value it read and whether it holds. */
export function explainConditions(
  conditions: Conditions | null | undefined,
  ticket: ConditionTarget,
): ConditionResult[] {
  return (['all', 'any'] as const).flatMap((list) =>
    (conditions?.[list] ?? []).map(
      (condition, index): ConditionResult => ({
        list,
        index,
        field: condition.field,
        operator: condition.operator,
        value: condition.value,
        actual: readField(condition.field, ticket) ?? null,
        matched: evaluateCondition(condition, ticket),
      }),
    ),
  );
}

const toList = (value: ConditionValue): readonly ConditionScalar[] =>
  Array.isArray(value) ? value : [value as ConditionScalar];

const fold = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);

/** `is`, `is_not`, `in` (text compared case-insensitively when `caseless`). A missing value is never `in`. */
function compareEquality(
  operator: ConditionOperator,
  actual: ConditionScalar | undefined,
  value: ConditionValue,
  caseless: boolean,
): boolean {
  const norm = (v: unknown) => (caseless ? fold(v) : v);
  const same = (expected: ConditionScalar) => actual !== undefined && norm(actual) === norm(expected);
  switch (operator) {
    case 'is':
      return !Array.isArray(value) && same(value as ConditionScalar);
    case 'is_not':
      return Array.isArray(value) || !same(value as ConditionScalar);
    case 'in':
      return toList(value).some(same);
    default:
      return false;
  }
}

function compareText(operator: ConditionOperator, actual: string | null, value: ConditionValue): boolean {
  switch (operator) {
    case 'contains':
      return (
        actual !== null && typeof value === 'string' && actual.toLowerCase().includes(value.toLowerCase())
      );
    case 'not_contains':
      return !(
        actual !== null &&
        typeof value === 'string' &&
        actual.toLowerCase().includes(value.toLowerCase())
      );
    case 'matches':
      return actual !== null && typeof value === 'string' && globMatches(value, actual);
    default:
      return compareEquality(operator, actual, value, true);
  }
}

function compareCustom(
  operator: ConditionOperator,
  actual: CustomFieldValue | undefined,
  value: ConditionValue,
): boolean {
  switch (operator) {
    case 'contains':
    case 'not_contains':
    case 'matches':
      if (typeof actual !== 'string' && actual !== undefined) return operator === 'not_contains';
      return compareText(operator, actual ?? null, value);
    case 'greater_than':
    case 'less_than': {
      // Numbers compare as numbers; dates (YYYY-MM-DD) and other text compare as strings of the same kind.
      if (actual === undefined || typeof actual === 'boolean' || typeof actual !== typeof value) return false;
      const a = actual as number | string;
      const b = value as number | string;
      return operator === 'greater_than' ? a > b : a < b;
    }
    default:
      return compareEquality(operator, actual, value, false);
  }
}

/**
 * `matches` is a glob, not a regular expression, so no pattern can make evaluation blow up: `*` is any run of
 * characters (none included), `?` exactly one, `\*` and `\?` the characters themselves; everything else is
 * literal. Case-insensitive, against the whole value (`*@example.com`). Iterative with one backtrack point:
 * O(pattern × text) at worst, with the pattern at most MAX_PATTERN_LENGTH characters.
 */
export function globMatches(pattern: string, text: string): boolean {
  const tokens: ({ readonly literal: string } | '*' | '?')[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) tokens.push({ literal: pattern[++i]!.toLowerCase() });
    else if (char === '*') {
      if (tokens.at(-1) !== '*') tokens.push('*');
    } else if (char === '?') tokens.push('?');
    else tokens.push({ literal: char.toLowerCase() });
  }
  const chars = Array.from(text.toLowerCase());
  let [p, t] = [0, 0];
  let [starP, starT] = [-1, 0];
  while (t < chars.length) {
    const token = tokens[p];
    if (token === '*') {
      [starP, starT] = [p++, t];
    } else if (token !== undefined && (token === '?' || token.literal === chars[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (tokens[p] === '*') p++;
  return p === tokens.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

const isScalar = (value: unknown): value is ConditionScalar =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value));

/**
 * Field errors of a conditions object as received (unknown input); empty when it can be stored. Paths follow the
 * request body under `path`: `conditions.all[0].operator`.
 */
export function validateConditions(input: unknown, path = 'conditions'): FieldError[] {
  if (input === undefined || input === null) return [];
  if (typeof input !== 'object' || Array.isArray(input)) {
    return [{ path, message: 'must be an object with "all" and/or "any" lists' }];
  }
  const errors: FieldError[] = [];
  for (const key of Object.keys(input)) {
    if (key !== 'all' && key !== 'any') errors.push({ path: `${path}.${key}`, message: 'is not allowed' });
  }
  for (const list of ['all', 'any'] as const) {
    const conditions = (input as Record<string, unknown>)[list];
    if (conditions === undefined) continue;
    if (!Array.isArray(conditions)) {
      errors.push({ path: `${path}.${list}`, message: 'must be a list of conditions' });
      continue;
    }
    if (conditions.length > MAX_CONDITIONS) {
      errors.push({ path: `${path}.${list}`, message: `at most ${MAX_CONDITIONS} conditions` });
    }
    conditions.forEach((condition, index) => {
      errors.push(...validateCondition(condition, `${path}.${list}[${index}]`));
    });
  }
  return errors;
}

/** Field errors of one condition as received. */
export function validateCondition(input: unknown, path: string): FieldError[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ path, message: 'must be an object { field, operator, value }' }];
  }
  const { field, operator, value } = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const key of Object.keys(input)) {
    if (key !== 'field' && key !== 'operator' && key !== 'value') {
      errors.push({ path: `${path}.${key}`, message: 'is not allowed' });
    }
  }
  const kind = typeof field === 'string' ? kindOf(field) : null;
  if (!kind) {
    errors.push({
      path: `${path}.field`,
      message: `must be one of ${CONDITION_FIELDS.join(', ')} or customFields.<key>`,
    });
  }
  if (typeof operator !== 'string' || !(CONDITION_OPERATORS as readonly string[]).includes(operator)) {
    errors.push({ path: `${path}.operator`, message: `must be one of ${CONDITION_OPERATORS.join(', ')}` });
    return errors;
  }
  if (!kind) return errors;
  const op = operator as ConditionOperator;
  if (!OPERATORS_BY_KIND[kind.kind].includes(op)) {
    errors.push({
      path: `${path}.operator`,
      message: `${field as string} takes ${OPERATORS_BY_KIND[kind.kind].join(', ')}`,
    });
    return errors;
  }
  const message = valueError(kind, op, value);
  if (message) errors.push({ path: `${path}.value`, message });
  return errors;
}

function valueError(kind: FieldKind, operator: ConditionOperator, value: unknown): string | null {
  if (operator === 'in' || (kind.kind === 'list' && Array.isArray(value))) {
    if (!Array.isArray(value) || value.length === 0) return 'must be a non-empty list';
    if (value.length > MAX_IN_VALUES) return `at most ${MAX_IN_VALUES} values`;
    for (const item of value) {
      const message = scalarError(kind, operator, item);
      if (message) return `each value ${message}`;
    }
    return null;
  }
  if (Array.isArray(value)) return 'must be a single value (a list goes with "in")';
  return scalarError(kind, operator, value);
}

function scalarError(kind: FieldKind, operator: ConditionOperator, value: unknown): string | null {
  if (!isScalar(value)) return 'must be a string, a number, a boolean or null';
  switch (kind.kind) {
    case 'enum':
      return typeof value === 'string' && kind.values.includes(value)
        ? null
        : `must be one of ${kind.values.join(', ')}`;
    case 'id':
      return value === null || (typeof value === 'string' && value !== '') ? null : 'must be an id or null';
    case 'code':
      return typeof value === 'string' && LANGUAGE_CODE.test(value)
        ? null
        : 'must be a language code such as en, es, or und (undetermined)';
    case 'number':
      return typeof value === 'number' && value >= kind.min && value <= kind.max
        ? null
        : `must be a number from ${kind.min} to ${kind.max}`;
    case 'list':
      return typeof value === 'string' && value !== '' ? null : 'must be a tag';
    case 'flag':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'text':
      if (operator === 'is' || operator === 'is_not') {
        return value === null || typeof value === 'string' ? null : 'must be a string or null';
      }
      return textError(operator, value);
    case 'custom':
      if (operator === 'contains' || operator === 'not_contains' || operator === 'matches') {
        return textError(operator, value);
      }
      if (operator === 'greater_than' || operator === 'less_than') {
        return typeof value === 'number' || (typeof value === 'string' && value !== '')
          ? null
          : 'must be a number or a date (YYYY-MM-DD)';
      }
      return null;
  }
}

function textError(operator: ConditionOperator, value: ConditionScalar): string | null {
  if (typeof value !== 'string' || value === '') return 'must be a non-empty string';
  if (operator === 'matches' && value.length > MAX_PATTERN_LENGTH) {
    return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  }
  return null;
}
