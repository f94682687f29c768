import type { FieldError } from './errors.ts';
import {
  type CustomFieldDefinition,
  type CustomFieldValue,
  type PinnableField,
  PRIORITIES,
  type Status,
  TICKET_TYPES,
  type Ticket,
} from './model.ts';
import { normalizeTags, type TicketPatch } from './tickets.ts';

/**
 * Field actions: the changes a macro or an automation rule makes to a ticket, as `{ field, value }` pairs in the
 * Zendesk model. Macros and rules share them, so they validate and apply the same way. Rules add actions of
 * their own on top (an internal note, a macro reply), handled by the rules engine.
 */
export interface FieldAction {
  readonly field: string;
  readonly value: unknown;
}

export const FIELD_ACTIONS = [
  'priority',
  'type',
  'status',
  'group',
  'assignee',
  'tags',
  'add_tags',
  'remove_tags',
] as const;
export type FieldActionName = (typeof FIELD_ACTIONS)[number];

/** Statuses an action may set: `new` is where tickets start, `closed` only comes from solved tickets aging. */
export const ACTION_STATUSES = ['open', 'pending', 'on_hold', 'solved'] as const satisfies readonly Status[];

/** Most actions in one macro or rule. */
export const MAX_ACTIONS = 30;
const MAX_TAGS = 50;
const CUSTOM_PREFIX = 'customFields.';

export const isFieldAction = (field: string): boolean =>
  (FIELD_ACTIONS as readonly string[]).includes(field) || field.startsWith(CUSTOM_PREFIX);

const tagList = (value: unknown): string[] | null => {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_TAGS) return null;
  if (!list.every((tag) => typeof tag === 'string' && tag.trim() !== '' && tag.length <= 100)) return null;
  return list as string[];
};

/** The error of one field action's value, or null when it can be stored. */
export function fieldActionError(
  action: FieldAction,
  customFields: readonly CustomFieldDefinition[],
): string | null {
  const { field, value } = action;
  switch (field) {
    case 'priority':
      return (PRIORITIES as readonly unknown[]).includes(value)
        ? null
        : `must be one of ${PRIORITIES.join(', ')}`;
    case 'type':
      return (TICKET_TYPES as readonly unknown[]).includes(value)
        ? null
        : `must be one of ${TICKET_TYPES.join(', ')}`;
    case 'status':
      return (ACTION_STATUSES as readonly unknown[]).includes(value)
        ? null
        : `must be one of ${ACTION_STATUSES.join(', ')}`;
    case 'group':
    case 'assignee':
      return value === null || (typeof value === 'string' && value.length > 0 && value.length <= 100)
        ? null
        : 'must be an id, or null to clear it';
    case 'tags':
      return Array.isArray(value) && value.length === 0
        ? null
        : tagList(value)
          ? null
          : 'must be a list of tags';
    case 'add_tags':
    case 'remove_tags':
      return tagList(value) ? null : 'must be a tag or a non-empty list of tags';
  }
  if (field.startsWith(CUSTOM_PREFIX)) {
    const key = field.slice(CUSTOM_PREFIX.length);
    const definition = customFields.find((d) => d.key === key);
    if (!definition) return `custom field ${key} is not declared (POST /v1/custom-fields)`;
    if (value === null) return null;
    const ok =
      (definition.type === 'string' && typeof value === 'string') ||
      (definition.type === 'number' && typeof value === 'number' && Number.isFinite(value)) ||
      (definition.type === 'boolean' && typeof value === 'boolean') ||
      (definition.type === 'date' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value));
    return ok ? null : `must be a ${definition.type} (or null to clear it)`;
  }
  return `unknown action field ${JSON.stringify(field)}`;
}

/**
 * Field errors of a list of actions as received. `extra` validates the caller's own action fields (a rule's
 * `internal_note`); it returns undefined for fields it does not know, which then go through the field actions.
 */
export function validateActions(
  input: unknown,
  customFields: readonly CustomFieldDefinition[],
  path = 'actions',
  extra?: (action: FieldAction) => string | null | undefined,
): FieldError[] {
  if (!Array.isArray(input)) return [{ path, message: 'must be a list of { field, value }' }];
  if (input.length > MAX_ACTIONS) return [{ path, message: `at most ${MAX_ACTIONS} actions` }];
  const errors: FieldError[] = [];
  input.forEach((action, index) => {
    const at = `${path}[${index}]`;
    if (typeof action !== 'object' || action === null || Array.isArray(action)) {
      errors.push({ path: at, message: 'must be an object { field, value }' });
      return;
    }
    const { field } = action as Record<string, unknown>;
    for (const key of Object.keys(action)) {
      if (key !== 'field' && key !== 'value')
        errors.push({ path: `${at}.${key}`, message: 'is not allowed' });
    }
    if (typeof field !== 'string') {
      errors.push({ path: `${at}.field`, message: 'must be a string' });
      return;
    }
    const own = extra?.(action as FieldAction);
    const message = own !== undefined ? own : fieldActionError(action as FieldAction, customFields);
    if (message)
      errors.push({
        path: `${at}.${own === undefined && !isFieldAction(field) ? 'field' : 'value'}`,
        message,
      });
  });
  return errors;
}

/** A field an action changes, as the pinning of fields by agents knows it. */
export function pinnableFieldOf(field: string): PinnableField | null {
  return field === 'priority' ||
    field === 'type' ||
    field === 'group' ||
    field === 'assignee' ||
    field === 'status'
    ? field
    : null;
}

/**
 * The patch field actions make, applied in order against the ticket as it is (tags add and remove against its
 * current tags, and against each other). Actions not for fields (a rule's own) are ignored here.
 */
export function actionsToPatch(ticket: Ticket, actions: readonly FieldAction[]): TicketPatch {
  let tags = [...ticket.tags];
  let tagsTouched = false;
  const patch: {
    -readonly [K in keyof TicketPatch]: TicketPatch[K];
  } = {};
  const customFields: Record<string, CustomFieldValue | null> = {};
  for (const { field, value } of actions) {
    switch (field) {
      case 'priority':
        patch.priority = value as TicketPatch['priority'];
        break;
      case 'type':
        patch.type = value as TicketPatch['type'];
        break;
      case 'status':
        patch.status = value as Status;
        break;
      case 'group':
        patch.group = value as string | null;
        break;
      case 'assignee':
        patch.assignee = value as string | null;
        break;
      case 'tags':
        tags = normalizeTags(value as string[]);
        tagsTouched = true;
        break;
      case 'add_tags':
        tags = normalizeTags([...tags, ...(tagList(value) ?? [])]);
        tagsTouched = true;
        break;
      case 'remove_tags': {
        const removed = new Set(normalizeTags(tagList(value) ?? []));
        tags = tags.filter((tag) => !removed.has(tag));
        tagsTouched = true;
        break;
      }
      default:
        if (field.startsWith(CUSTOM_PREFIX)) {
          customFields[field.slice(CUSTOM_PREFIX.length)] = value as CustomFieldValue | null;
        }
    }
  }
  if (tagsTouched) patch.tags = tags;
  if (Object.keys(customFields).length > 0) patch.customFields = customFields;
  return patch;
}
