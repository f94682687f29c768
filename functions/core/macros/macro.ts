import { type FieldAction, validateActions } from '../actions.ts';
import type { FieldError } from '../errors.ts';
import type { CustomFieldDefinition } from '../model.ts';
import { placeholderErrors } from './placeholders.ts';

/**
 * A macro: a canned reply (with placeholders) and field changes an agent applies to a ticket in one go, as in
 * Zendesk. Automation rules reuse them for their "send a macro reply" action.
 */
export interface MacroReply {
  /** Plain text with placeholders, rendered when the macro is applied (see placeholders.ts). */
  readonly body: string;
  /** True: a reply the requester sees (and gets by email); false: an internal note. */
  readonly public: boolean;
}

export interface Macro {
  readonly tenantId: string;
  /** `mac_<ulid>`. */
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly reply: MacroReply | null;
  readonly actions: readonly FieldAction[];
  /** Inactive macros are kept but cannot be applied. */
  readonly active: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A macro as an admin writes it (POST creates one, PUT replaces one whole). */
export interface MacroInput {
  readonly name: string;
  readonly description?: string | null | undefined;
  readonly reply?: { readonly body: string; readonly public?: boolean | undefined } | null | undefined;
  readonly actions?: readonly FieldAction[] | undefined;
  /** Default true. */
  readonly active?: boolean | undefined;
}

export const MACRO_ID_PREFIX = 'mac_';
export const MAX_MACRO_NAME_CHARS = 200;
export const MAX_MACRO_DESCRIPTION_CHARS = 1000;
export const MAX_REPLY_CHARS = 20_000;
/** Most macros per tenant: the list is read whole, and agents pick from it. */
export const MAX_MACROS = 500;

/** Field errors of a macro as received, against the tenant's declared custom fields. */
export function validateMacroInput(
  input: MacroInput,
  customFields: readonly CustomFieldDefinition[],
): FieldError[] {
  const errors: FieldError[] = [];
  const name = input.name.trim();
  if (name === '') errors.push({ path: 'name', message: 'must not be empty' });
  if (name.length > MAX_MACRO_NAME_CHARS)
    errors.push({ path: 'name', message: `at most ${MAX_MACRO_NAME_CHARS} characters` });
  if ((input.description?.trim().length ?? 0) > MAX_MACRO_DESCRIPTION_CHARS)
    errors.push({ path: 'description', message: `at most ${MAX_MACRO_DESCRIPTION_CHARS} characters` });
  const actions = input.actions ?? [];
  if (!input.reply && actions.length === 0) {
    errors.push({ path: 'actions', message: 'a macro needs a reply or at least one action' });
  }
  if (input.reply) {
    const { body } = input.reply;
    if (body.trim() === '') errors.push({ path: 'reply.body', message: 'must not be empty' });
    else if (body.length > MAX_REPLY_CHARS)
      errors.push({ path: 'reply.body', message: `at most ${MAX_REPLY_CHARS} characters` });
    else errors.push(...placeholderErrors(body, customFields, 'reply.body'));
  }
  errors.push(...validateActions(actions, customFields, 'actions'));
  return errors;
}

function fieldsOf(input: MacroInput) {
  return {
    name: input.name.trim(),
    description: input.description?.trim() || null,
    reply: input.reply ? { body: input.reply.body, public: input.reply.public ?? true } : null,
    actions: (input.actions ?? []).map(({ field, value }) => ({ field, value })),
    active: input.active ?? true,
  };
}

/** A new macro from a validated input. */
export function newMacro(tenantId: string, id: string, input: MacroInput, now: string): Macro {
  return { tenantId, id, ...fieldsOf(input), createdAt: now, updatedAt: now, version: 1 };
}

/** The macro replaced whole by a validated input (PUT): same id and creation time, next version. */
export function replaceMacro(previous: Macro, input: MacroInput, now: string): Macro {
  return {
    tenantId: previous.tenantId,
    id: previous.id,
    ...fieldsOf(input),
    createdAt: previous.createdAt,
    updatedAt: now,
    version: previous.version + 1,
  };
}
