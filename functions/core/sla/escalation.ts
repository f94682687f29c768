import type { FieldError } from '../errors.ts';
import { type PinnableField, PRIORITIES, type Priority, type Ticket } from '../model.ts';
import { normalizeTags, type TicketPatch } from '../tickets.ts';

/**
 * What an SLA policy does to a ticket when one of its targets is breached: raise the priority, move the ticket to
 * another group, tag it. The timer worker applies it at the breach (through `applyPatch`, as automation).
 */
export interface SlaEscalation {
  /** Raised to this, never lowered: an urgent ticket stays urgent when the escalation says high. */
  readonly priority?: EscalationPriority | undefined;
  /** The group the ticket moves to (a group id of the tenant). */
  readonly group?: string | undefined;
  /** Added to the ticket's tags. */
  readonly addTags?: readonly string[] | undefined;
}

/** An escalation only ever raises a priority to one of these. */
export const ESCALATION_PRIORITIES = ['high', 'urgent'] as const satisfies readonly Priority[];
export type EscalationPriority = (typeof ESCALATION_PRIORITIES)[number];

export const MAX_ESCALATION_TAGS = 20;
export const MAX_TAG_CHARS = 64;

const GROUP_ID = /^[A-Za-z0-9_-]{1,100}$/;
const rank = (priority: Priority) => PRIORITIES.indexOf(priority);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Field errors of an escalation as received (unknown input); empty when it can be stored. Null and undefined
 * (no escalation) are fine; an escalation that would do nothing is not. Whether `group` names an existing group
 * is for the use case to check (it needs the store). Paths follow the request body under `path`.
 */
export function validateEscalation(input: unknown, path = 'escalation'): FieldError[] {
  if (input === undefined || input === null) return [];
  if (!isObject(input)) return [{ path, message: 'must be an object, or null for no escalation' }];
  const errors: FieldError[] = [];
  for (const key of Object.keys(input)) {
    if (key !== 'priority' && key !== 'group' && key !== 'addTags') {
      errors.push({ path: `${path}.${key}`, message: 'is not allowed' });
    }
  }
  const { priority, group, addTags } = input;
  if (priority !== undefined && !(ESCALATION_PRIORITIES as readonly unknown[]).includes(priority)) {
    errors.push({ path: `${path}.priority`, message: `must be one of ${ESCALATION_PRIORITIES.join(', ')}` });
  }
  if (group !== undefined && (typeof group !== 'string' || !GROUP_ID.test(group))) {
    errors.push({ path: `${path}.group`, message: 'must be a group id' });
  }
  if (addTags !== undefined) {
    if (!Array.isArray(addTags)) {
      errors.push({ path: `${path}.addTags`, message: 'must be a list of tags' });
    } else {
      if (addTags.length > MAX_ESCALATION_TAGS) {
        errors.push({ path: `${path}.addTags`, message: `at most ${MAX_ESCALATION_TAGS} tags` });
      }
      addTags.forEach((tag, index) => {
        if (typeof tag !== 'string' || tag.trim() === '' || tag.length > MAX_TAG_CHARS || tag.includes(',')) {
          errors.push({
            path: `${path}.addTags[${index}]`,
            message: `must be a tag: 1 to ${MAX_TAG_CHARS} characters, no commas`,
          });
        }
      });
    }
  }
  if (
    errors.length === 0 &&
    priority === undefined &&
    group === undefined &&
    (addTags === undefined || (addTags as unknown[]).length === 0)
  ) {
    errors.push({
      path,
      message: 'needs a priority, a group or tags to add; leave it out (or null) for no escalation',
    });
  }
  return errors;
}

/** The escalation as stored: tags normalised the way tickets keep them, empty parts left out. */
export function normalizeEscalation(escalation: SlaEscalation | null | undefined): SlaEscalation | null {
  if (!escalation) return null;
  const tags = normalizeTags(escalation.addTags ?? []);
  const normalized: SlaEscalation = {
    ...(escalation.priority !== undefined && { priority: escalation.priority }),
    ...(escalation.group !== undefined && { group: escalation.group }),
    ...(tags.length > 0 && { addTags: tags }),
  };
  return Object.keys(normalized).length > 0 ? normalized : null;
}

/** A part of an escalation left out, with why. */
export interface EscalationSkip {
  readonly field: PinnableField;
  readonly reason: string;
}

/** The fields of a ticket an escalation reads. */
export type EscalationTarget = Pick<Ticket, 'priority' | 'group' | 'tags' | 'pinnedFields'>;

/**
 * What the escalation changes on the ticket now, and what it leaves out. The priority only goes up; the group
 * moves when it is another one; tags are added to the ticket's. A field an agent set by hand (pinned) is never
 * overwritten by automation: it is skipped, with the reason. Parts that would change nothing make no patch
 * field, so a ticket already escalated gets an empty patch.
 */
export function escalationOutcome(
  ticket: EscalationTarget,
  escalation: SlaEscalation,
): { readonly patch: TicketPatch; readonly skipped: readonly EscalationSkip[] } {
  const patch: { -readonly [K in keyof TicketPatch]: TicketPatch[K] } = {};
  const skipped: EscalationSkip[] = [];
  const pinned = (field: PinnableField) => ticket.pinnedFields.includes(field);
  const { priority, group, addTags } = escalation;
  if (priority !== undefined && rank(priority) > rank(ticket.priority)) {
    if (pinned('priority')) {
      skipped.push({ field: 'priority', reason: `an agent set the priority (${ticket.priority}) by hand` });
    } else patch.priority = priority;
  }
  if (group !== undefined && group !== ticket.group) {
    if (pinned('group')) {
      skipped.push({ field: 'group', reason: 'an agent set the group by hand' });
    } else patch.group = group;
  }
  if (addTags !== undefined && addTags.length > 0) {
    const tags = normalizeTags([...ticket.tags, ...addTags]);
    if (tags.length > ticket.tags.length) patch.tags = tags;
  }
  return { patch, skipped };
}

/** The TicketPatch an escalation makes on the ticket (see `escalationOutcome`); `{}` when it changes nothing. */
export function escalationPatch(ticket: EscalationTarget, escalation: SlaEscalation): TicketPatch {
  return escalationOutcome(ticket, escalation).patch;
}
