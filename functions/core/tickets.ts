import type { ConversationRef } from './channels/channel.ts';
import { DomainError } from './errors.ts';
import { checkTransition, statusAfterComment } from './lifecycle.ts';
import {
  type Actor,
  type AssignmentStrategy,
  type AttachmentMeta,
  type Channel,
  type CustomFieldValue,
  type EmailOrigin,
  PINNABLE_FIELDS,
  type PinnableField,
  type Priority,
  type RequesterRef,
  type Status,
  type Ticket,
  type TicketSummary,
  type TicketType,
  type TimelineEvent,
  type TimelineEventData,
} from './model.ts';

/** Produces event ids that sort in the order they were made (ULIDs), so a timeline reads in order. */
export interface IdSource {
  next(): string;
}

/** The result of every change: the ticket as it is now and the events that record how it got there. */
export interface Change {
  readonly ticket: Ticket;
  readonly events: readonly TimelineEvent[];
}

export function summarize(ticket: Ticket): TicketSummary {
  return {
    number: ticket.number,
    status: ticket.status,
    priority: ticket.priority,
    type: ticket.type,
    group: ticket.group,
    assignee: ticket.assignee,
    requesterId: ticket.requester.id,
    channel: ticket.channel,
    version: ticket.version,
  };
}

function eventsFor(
  ticket: Ticket,
  actor: Actor,
  at: string,
  ids: IdSource,
  data: readonly TimelineEventData[],
) {
  const summary = summarize(ticket);
  return data.map(
    (d): TimelineEvent => ({
      id: ids.next(),
      tenantId: ticket.tenantId,
      ticketNumber: ticket.number,
      at,
      actor,
      data: d,
      ticket: summary,
    }),
  );
}

/** Participants are unique lower-case addresses, never the requester (who gets replies anyway). */
export function uniqueAddresses(addresses: readonly string[], requesterEmail: string | null): string[] {
  const seen = new Set<string>();
  for (const raw of addresses) {
    const address = raw.trim().toLowerCase();
    if (address && address !== requesterEmail) seen.add(address);
  }
  return [...seen];
}

/** Tags are lower-case words without spaces, unique, in the order given (Zendesk's rule). */
export function normalizeTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const raw of tags) {
    const tag = raw.trim().toLowerCase().replace(/\s+/g, '_');
    if (tag) seen.add(tag);
  }
  return [...seen];
}

export interface OpenTicketInput {
  readonly tenantId: string;
  readonly number: number;
  readonly subject: string;
  readonly comment: {
    readonly body: string;
    readonly public: boolean;
    readonly email?: EmailOrigin | undefined;
    readonly attachments?: readonly AttachmentMeta[] | undefined;
  };
  readonly requester: RequesterRef;
  readonly channel: Channel;
  readonly priority?: Priority | undefined;
  readonly type?: TicketType | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly customFields?: Readonly<Record<string, CustomFieldValue>> | undefined;
  readonly group?: string | null | undefined;
  /** Set when the ticket is the follow-up of a closed one. */
  readonly followUpOf?: number | undefined;
  readonly participants?: readonly string[] | undefined;
  readonly mailbox?: string | null | undefined;
  /** The outside conversation (channel thread) the ticket came from; null/absent for API and email tickets. */
  readonly conversation?: ConversationRef | null | undefined;
  readonly spam?: boolean | undefined;
}

/**
 * A new ticket and its first events. The first comment is the requester's description when public; an
 * internal first comment is a note by whoever opened the ticket (customers cannot write internal notes).
 */
export function openTicket(input: OpenTicketInput, opener: Actor, now: string, ids: IdSource): Change {
  const ticket: Ticket = {
    tenantId: input.tenantId,
    number: input.number,
    subject: input.subject.trim(),
    status: 'new',
    priority: input.priority ?? 'normal',
    type: input.type ?? 'question',
    tags: normalizeTags(input.tags ?? []),
    customFields: { ...(input.customFields ?? {}) },
    requester: input.requester,
    assignee: null,
    group: input.group ?? null,
    channel: input.channel,
    links: input.followUpOf === undefined ? [] : [{ kind: 'follow_up_of', number: input.followUpOf }],
    externalLinks: [],
    participants: uniqueAddresses(input.participants ?? [], input.requester.email),
    mailbox: input.mailbox ?? null,
    conversation: input.conversation ?? null,
    spam: input.spam ?? false,
    triage: null,
    pinnedFields: [],
    ruleBudget: null,
    sla: null,
    timers: [],
    timerEffectsDone: [],
    createdAt: now,
    updatedAt: now,
    solvedAt: null,
    closedAt: null,
    version: 1,
  };
  const requesterActor: Actor = {
    type: 'customer',
    id: input.requester.id,
    name: input.requester.name,
    email: input.requester.email,
  };
  const created = eventsFor(ticket, opener, now, ids, [
    {
      type: 'created',
      subject: ticket.subject,
      channel: ticket.channel,
      status: ticket.status,
      priority: ticket.priority,
      requesterId: ticket.requester.id,
      tags: ticket.tags,
    },
  ]);
  const comment = eventsFor(ticket, input.comment.public ? requesterActor : opener, now, ids, [
    {
      type: 'comment',
      body: input.comment.body,
      public: input.comment.public,
      ...(input.comment.email && { email: input.comment.email }),
      ...(input.comment.attachments && { attachments: input.comment.attachments }),
    },
  ]);
  const linked =
    input.followUpOf === undefined
      ? []
      : eventsFor(ticket, opener, now, ids, [
          { type: 'linked', link: 'follow_up_of', number: input.followUpOf },
        ]);
  return { ticket, events: [...created, ...comment, ...linked] };
}

export interface TicketPatch {
  readonly subject?: string | undefined;
  readonly status?: Status | undefined;
  readonly priority?: Priority | undefined;
  readonly type?: TicketType | undefined;
  readonly assignee?: string | null | undefined;
  readonly group?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
  /** Keys set to null are removed. */
  readonly customFields?: Readonly<Record<string, CustomFieldValue | null>> | undefined;
  readonly spam?: boolean | undefined;
}

function assertOpenForChange(ticket: Ticket): void {
  if (ticket.status === 'closed') {
    throw new DomainError(
      'ticket_closed',
      `ticket #${ticket.number} is closed and cannot change; a requester writing to it gets a follow-up ticket`,
    );
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function timestampsFor(ticket: Ticket, to: Status, now: string): Pick<Ticket, 'solvedAt' | 'closedAt'> {
  if (to === 'solved') return { solvedAt: now, closedAt: null };
  if (to === 'closed') return { solvedAt: ticket.solvedAt, closedAt: now };
  return { solvedAt: null, closedAt: null };
}

/**
 * Applies an agent's (or automation's) change. Returns no events when nothing actually changes, so a PATCH
 * that repeats the current values writes nothing.
 */
export function applyPatch(
  ticket: Ticket,
  patch: TicketPatch,
  actor: Actor,
  now: string,
  ids: IdSource,
): Change {
  assertOpenForChange(ticket);
  const data: TimelineEventData[] = [];
  let next: Ticket = ticket;

  if (patch.subject !== undefined && patch.subject.trim() !== ticket.subject) {
    data.push({ type: 'field_changed', field: 'subject', from: ticket.subject, to: patch.subject.trim() });
    next = { ...next, subject: patch.subject.trim() };
  }
  if (patch.priority !== undefined && patch.priority !== ticket.priority) {
    data.push({ type: 'field_changed', field: 'priority', from: ticket.priority, to: patch.priority });
    next = { ...next, priority: patch.priority };
  }
  if (patch.type !== undefined && patch.type !== ticket.type) {
    data.push({ type: 'field_changed', field: 'type', from: ticket.type, to: patch.type });
    next = { ...next, type: patch.type };
  }
  if (patch.group !== undefined && patch.group !== ticket.group) {
    data.push({ type: 'field_changed', field: 'group', from: ticket.group, to: patch.group });
    next = { ...next, group: patch.group };
  }
  if (patch.tags !== undefined) {
    const tags = normalizeTags(patch.tags);
    if (!sameJson(tags, ticket.tags)) {
      data.push({ type: 'field_changed', field: 'tags', from: ticket.tags, to: tags });
      next = { ...next, tags };
    }
  }
  if (patch.customFields !== undefined) {
    const merged: Record<string, CustomFieldValue> = { ...ticket.customFields };
    for (const [key, value] of Object.entries(patch.customFields)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    if (!sameJson(sortKeys(merged), sortKeys(ticket.customFields))) {
      data.push({ type: 'field_changed', field: 'customFields', from: ticket.customFields, to: merged });
      next = { ...next, customFields: merged };
    }
  }
  if (patch.spam !== undefined && patch.spam !== ticket.spam) {
    data.push({ type: 'field_changed', field: 'spam', from: ticket.spam, to: patch.spam });
    next = { ...next, spam: patch.spam };
  }
  if (patch.assignee !== undefined && patch.assignee !== ticket.assignee) {
    data.push({ type: 'assigned', from: ticket.assignee, to: patch.assignee });
    next = { ...next, assignee: patch.assignee };
  }
  if (patch.status !== undefined && patch.status !== ticket.status) {
    const verdict = checkTransition(ticket.status, patch.status);
    if (!verdict.allowed) {
      throw new DomainError(
        'invalid_transition',
        `status ${ticket.status} → ${patch.status}: ${verdict.reason}`,
        [{ path: 'status', message: verdict.reason }],
      );
    }
    data.push({
      type: 'status_changed',
      from: ticket.status,
      to: patch.status,
      reason: 'changed by an agent',
    });
    next = { ...next, status: patch.status, ...timestampsFor(ticket, patch.status, now) };
  } else if (data.length > 0 && ticket.status === 'new' && actor.type === 'agent') {
    // An agent working the ticket means it is no longer untouched: new → open, as in Zendesk.
    data.push({ type: 'status_changed', from: 'new', to: 'open', reason: 'an agent updated the ticket' });
    next = { ...next, status: 'open' };
  }

  if (data.length === 0) return { ticket, events: [] };
  if (actor.type === 'agent') next = { ...next, pinnedFields: pinned(ticket, next) };
  next = { ...next, updatedAt: now, version: ticket.version + 1 };
  return { ticket: next, events: eventsFor(next, actor, now, ids, data) };
}

/** The ticket's pinned fields plus those an agent just changed by hand. */
function pinned(before: Ticket, after: Ticket): PinnableField[] {
  const fields = new Set(before.pinnedFields);
  for (const field of PINNABLE_FIELDS) if (before[field] !== after[field]) fields.add(field);
  return PINNABLE_FIELDS.filter((field) => fields.has(field));
}

function sortKeys(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** A comment, and the status change it causes (a customer's reply reopens; an agent's reply opens a new ticket). */
export function addComment(
  ticket: Ticket,
  comment: {
    readonly body: string;
    readonly public: boolean;
    readonly email?: EmailOrigin | undefined;
    readonly attachments?: readonly AttachmentMeta[] | undefined;
  },
  author: Actor,
  now: string,
  ids: IdSource,
  newParticipants: readonly string[] = [],
): Change {
  assertOpenForChange(ticket);
  if (author.type === 'customer' && !comment.public) {
    throw new DomainError('validation', 'customers cannot write internal notes', [
      { path: 'public', message: 'must be true for a customer’s comment' },
    ]);
  }
  const to = statusAfterComment(ticket.status, author.type, comment.public);
  const data: TimelineEventData[] = [
    {
      type: 'comment',
      body: comment.body,
      public: comment.public,
      ...(comment.email && { email: comment.email }),
      ...(comment.attachments && { attachments: comment.attachments }),
    },
  ];
  let next: Ticket = { ...ticket, updatedAt: now, version: ticket.version + 1 };
  const participants = uniqueAddresses([...ticket.participants, ...newParticipants], ticket.requester.email);
  if (participants.length !== ticket.participants.length) {
    data.push({ type: 'field_changed', field: 'participants', from: ticket.participants, to: participants });
    next = { ...next, participants };
  }
  if (to) {
    data.push({
      type: 'status_changed',
      from: ticket.status,
      to,
      reason: author.type === 'customer' ? 'the customer replied' : 'an agent replied',
    });
    next = { ...next, status: to, ...timestampsFor(ticket, to, now) };
  }
  return { ticket: next, events: eventsFor(next, author, now, ids, data) };
}

/**
 * Records on a closed ticket that a follow-up was opened for it. The closed ticket's fields stay as they were;
 * only its links and timeline grow, so an agent can find the follow-up from the original.
 */
export function linkFollowUp(
  closed: Ticket,
  followUpNumber: number,
  actor: Actor,
  now: string,
  ids: IdSource,
): Change {
  const next: Ticket = {
    ...closed,
    links: [...closed.links, { kind: 'followed_up_by', number: followUpNumber }],
    version: closed.version + 1,
  };
  return {
    ticket: next,
    events: eventsFor(next, actor, now, ids, [
      { type: 'linked', link: 'followed_up_by', number: followUpNumber },
    ]),
  };
}

/**
 * The follow-up of a closed ticket its requester wrote to again (by email, a channel message or the API): a new
 * ticket with the closed one's subject, fields, participants, mailbox and conversation, opened by the new
 * message, and the link recorded on the closed ticket. Both changes are saved in one transaction.
 */
export function openFollowUp(
  closed: Ticket,
  input: {
    readonly number: number;
    readonly comment: OpenTicketInput['comment'];
    readonly requester: RequesterRef;
    readonly channel?: Channel | undefined;
    readonly participants?: readonly string[] | undefined;
    /** The thread the new message came through; the closed ticket's when absent. */
    readonly conversation?: ConversationRef | null | undefined;
  },
  author: Actor,
  now: string,
  ids: IdSource,
): { readonly change: Change; readonly link: Change } {
  const change = openTicket(
    {
      tenantId: closed.tenantId,
      number: input.number,
      subject: closed.subject,
      comment: input.comment,
      requester: input.requester,
      channel: input.channel ?? closed.channel,
      participants: [...closed.participants, ...(input.participants ?? [])],
      mailbox: closed.mailbox,
      conversation: input.conversation ?? closed.conversation,
      priority: closed.priority,
      type: closed.type,
      tags: closed.tags,
      customFields: closed.customFields,
      group: closed.group,
      followUpOf: closed.number,
    },
    author,
    now,
    ids,
  );
  return { change, link: linkFollowUp(closed, input.number, author, now, ids) };
}

/**
 * An event that records something that happened around the ticket without changing it (a mail sent or
 * bounced). The ticket keeps its version; the event carries its current summary.
 */
export function noteEvent(
  ticket: Ticket,
  actor: Actor,
  now: string,
  ids: IdSource,
  data: TimelineEventData,
): TimelineEvent {
  return eventsFor(ticket, actor, now, ids, [data])[0]!;
}

/**
 * Several steps on one ticket (a macro's field changes and its reply; the rules that fired in one pass) as one
 * change: one version step, so they save in one transaction. Each event keeps the ticket's state right after
 * its own step, with the version the whole change writes.
 */
export function combineChanges(original: Ticket, steps: readonly Change[]): Change {
  const events = steps.flatMap((step) => step.events);
  if (events.length === 0) return { ticket: original, events: [] };
  const last = steps.findLast((step) => step.events.length > 0)!.ticket;
  const version = original.version + 1;
  return {
    ticket: { ...last, version },
    events: events.map((event) => ({ ...event, ticket: { ...event.ticket, version } })),
  };
}

/**
 * Marks the events of an automatic change with why it happened (a rule, an SLA breach, a routing strategy), so
 * an agent can see it on the timeline: field changes and assignments keep a reason they already carry, a status
 * change takes this one; `strategy` goes on assignments.
 */
export function withReason(change: Change, reason: string, strategy?: AssignmentStrategy): Change {
  return {
    ticket: change.ticket,
    events: change.events.map((event): TimelineEvent => {
      const data = event.data;
      if (data.type === 'field_changed')
        return data.reason === undefined ? { ...event, data: { ...data, reason } } : event;
      if (data.type === 'assigned') {
        return {
          ...event,
          data: { ...data, reason: data.reason ?? reason, ...(strategy && { strategy }) },
        };
      }
      if (data.type === 'status_changed') return { ...event, data: { ...data, reason } };
      return event;
    }),
  };
}
