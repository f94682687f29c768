import type { Caller } from '../caller.ts';
import type { ConversationRef } from '../channels/channel.ts';
import { checkCustomFields } from '../custom-fields.ts';
import { normalizeEmail, normalizePhone } from '../customers.ts';
import { ConcurrentModificationError, DomainError, invalid, notFound } from '../errors.ts';
import type {
  Actor,
  AttachmentMeta,
  Channel,
  CustomFieldValue,
  EmailOrigin,
  Page,
  Priority,
  Ticket,
  TicketType,
  TimelineEvent,
} from '../model.ts';
import {
  type Clock,
  type CustomerStore,
  type CustomerUpsert,
  type CustomFieldStore,
  IdempotencyConflictError,
  type IdempotencyStore,
  type Ids,
  type InboundMessage,
  type PageRequest,
  type TicketFilter,
  type TicketStore,
} from '../ports.ts';
import { addComment, applyPatch, openFollowUp, openTicket, type TicketPatch } from '../tickets.ts';

/** Attempts at a read-modify-write before a concurrent writer wins and the caller gets 409. */
const MAX_ATTEMPTS = 4;

export interface IdentityInput {
  readonly email?: string | undefined;
  readonly phone?: string | undefined;
  readonly name?: string | undefined;
}

export interface CommentInput {
  readonly body: string;
  readonly public?: boolean | undefined;
  readonly email?: EmailOrigin | undefined;
  readonly attachments?: readonly AttachmentMeta[] | undefined;
}

export interface CreateTicketInput {
  readonly subject: string;
  readonly comment: CommentInput;
  readonly participants?: readonly string[] | undefined;
  readonly mailbox?: string | undefined;
  /** Held as spam from the start (the email channel's spam verdict). */
  readonly spam?: boolean | undefined;
  /** The channel thread the ticket comes from (chat, SMS, webhook); null/absent for API and email tickets. */
  readonly conversation?: ConversationRef | null | undefined;
  readonly requester: IdentityInput;
  readonly priority?: Priority | undefined;
  readonly type?: TicketType | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly customFields?: Readonly<Record<string, CustomFieldValue>> | undefined;
  readonly group?: string | undefined;
}

export interface TicketDeps {
  readonly tickets: TicketStore;
  readonly customers: CustomerStore;
  readonly customFields: CustomFieldStore;
  readonly idempotency: IdempotencyStore;
  readonly clock: Clock;
  readonly ids: Ids;
}

function normalizedIdentity(
  identity: IdentityInput,
  path: string,
): { email: string | null; phone: string | null } {
  const email = identity.email ? normalizeEmail(identity.email) : null;
  let phone: string | null = null;
  if (identity.phone) {
    phone = normalizePhone(identity.phone);
    if (!phone) throw invalid(`${path}.phone`, 'must be an E.164 phone number, e.g. +14155550123');
  }
  if (!email && !phone) throw invalid(path, 'needs an email or a phone');
  return { email, phone };
}

async function assertCustomFields(
  deps: Pick<TicketDeps, 'customFields'>,
  tenantId: string,
  values: Readonly<Record<string, CustomFieldValue | null>> | undefined,
): Promise<void> {
  if (!values || Object.keys(values).length === 0) return;
  const errors = checkCustomFields(values, await deps.customFields.list(tenantId));
  if (errors.length > 0) throw new DomainError('validation', 'custom fields are not valid', errors);
}

export interface CreateTicketOptions {
  readonly channel?: Channel | undefined;
  /** The `Idempotency-Key` header with a hash of the request it came with. */
  readonly idempotency?: { readonly key: string; readonly requestHash: string } | undefined;
  /** The mail the ticket comes from: recorded for threading, and a second delivery is refused. */
  readonly inboundMessage?: InboundMessage | undefined;
}

export function makeCreateTicket(deps: TicketDeps) {
  async function replay(tenantId: string, key: string, requestHash: string) {
    const record = await deps.idempotency.get(tenantId, key);
    if (!record) return null;
    if (record.requestHash !== requestHash) {
      throw new DomainError(
        'idempotency_mismatch',
        'this Idempotency-Key was already used with a different request body',
      );
    }
    return { ticket: JSON.parse(record.body) as Ticket, replayed: true };
  }

  return async function createTicket(
    caller: Caller,
    input: CreateTicketInput,
    options: CreateTicketOptions = {},
  ) {
    const { idempotency } = options;
    if (idempotency) {
      const previous = await replay(caller.tenantId, idempotency.key, idempotency.requestHash);
      if (previous) return previous;
    }
    await assertCustomFields(deps, caller.tenantId, input.customFields);
    // Checked before a ticket number is taken, so a bad requester never burns one.
    const identity = normalizedIdentity(input.requester, 'requester');
    const name = input.requester.name?.trim() || null;

    for (let attempt = 1; ; attempt++) {
      // Independent reads, issued together: creating a ticket costs two round trips before its transaction.
      const [requester, number] = await Promise.all([
        deps.customers.identify(caller.tenantId, identity, name),
        deps.tickets.nextNumber(caller.tenantId),
      ]);
      const now = deps.clock.now();
      const change = openTicket(
        {
          tenantId: caller.tenantId,
          number,
          subject: input.subject,
          comment: {
            body: input.comment.body,
            public: input.comment.public ?? true,
            email: input.comment.email,
            attachments: input.comment.attachments,
          },
          participants: input.participants,
          mailbox: input.mailbox,
          conversation: input.conversation,
          spam: input.spam,
          requester: requester.ref,
          channel: options.channel ?? 'api',
          priority: input.priority,
          type: input.type,
          tags: input.tags,
          customFields: input.customFields,
          group: input.group,
        },
        caller.actor,
        now,
        deps.ids,
      );
      const record = idempotency && {
        key: idempotency.key,
        requestHash: idempotency.requestHash,
        statusCode: 201,
        body: JSON.stringify(change.ticket),
        createdAt: now,
      };
      try {
        await deps.tickets.create({
          change,
          requester,
          idempotency: record,
          references: { group: input.group },
          inboundMessage: options.inboundMessage,
        });
        return { ticket: change.ticket, replayed: false };
      } catch (error) {
        if (error instanceof IdempotencyConflictError && idempotency) {
          const previous = await replay(caller.tenantId, idempotency.key, idempotency.requestHash);
          if (previous) return previous;
          throw new DomainError(
            'idempotency_in_progress',
            'a request with this Idempotency-Key is in progress',
          );
        }
        // A concurrent request claimed one of the requester's identities: identify again and retry.
        if (error instanceof ConcurrentModificationError && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
    }
  };
}

export function makeGetTicket(
  deps: Pick<TicketDeps, 'tickets'> & {
    readonly currentSla?: ((ticket: Ticket) => Promise<Ticket>) | undefined;
  },
) {
  return async function getTicket(caller: Caller, number: number): Promise<Ticket> {
    const ticket = await deps.tickets.get(caller.tenantId, number);
    if (!ticket) throw notFound(`ticket #${number}`);
    return deps.currentSla ? deps.currentSla(ticket) : ticket;
  };
}

export function makeUpdateTicket(deps: TicketDeps) {
  return async function updateTicket(
    caller: Caller,
    number: number,
    patch: TicketPatch,
    ifMatch?: number | undefined,
  ): Promise<Ticket> {
    await assertCustomFields(deps, caller.tenantId, patch.customFields);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const ticket = await deps.tickets.get(caller.tenantId, number);
      if (!ticket) throw notFound(`ticket #${number}`);
      if (ifMatch !== undefined && ticket.version !== ifMatch) {
        throw new DomainError(
          'version_mismatch',
          `ticket #${number} is at version ${ticket.version}, not ${ifMatch}; read it again and retry`,
        );
      }
      const change = applyPatch(ticket, patch, caller.actor, deps.clock.now(), deps.ids);
      if (change.events.length === 0) return ticket;
      try {
        const references = {
          group: change.ticket.group !== ticket.group ? (change.ticket.group ?? undefined) : undefined,
          assignee:
            change.ticket.assignee !== ticket.assignee ? (change.ticket.assignee ?? undefined) : undefined,
        };
        await deps.tickets.save(change, ticket.version, { references });
        return change.ticket;
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
        if (ifMatch !== undefined) {
          throw new DomainError(
            'version_mismatch',
            `ticket #${number} was changed by someone else; read it again`,
          );
        }
      }
    }
    throw new DomainError('conflict', `ticket #${number} is being changed by others right now; retry`);
  };
}

export interface AddCommentInput extends CommentInput {
  /** A customer writing; only admin and channel keys may write on a customer's behalf. */
  readonly author?: IdentityInput | undefined;
  /** Addresses copied on the comment (email): they join the conversation. */
  readonly participants?: readonly string[] | undefined;
}

export interface AddCommentOptions {
  readonly channel?: Channel | undefined;
  readonly inboundMessage?: InboundMessage | undefined;
}

export interface CommentResult {
  readonly ticket: Ticket;
  readonly comment: TimelineEvent;
  /** Set when the ticket was closed and the comment opened a follow-up ticket instead. */
  readonly followUpOf: number | null;
}

export function makeAddComment(deps: TicketDeps) {
  async function followUp(
    caller: Caller,
    closed: Ticket,
    input: AddCommentInput,
    customer: CustomerUpsert,
    author: Actor,
    options: AddCommentOptions,
  ): Promise<CommentResult> {
    const number = await deps.tickets.nextNumber(caller.tenantId);
    const now = deps.clock.now();
    const { change, link } = openFollowUp(
      closed,
      {
        number,
        comment: { body: input.body, public: true, email: input.email, attachments: input.attachments },
        requester: customer.ref,
        channel: options.channel,
        participants: input.participants,
      },
      author,
      now,
      deps.ids,
    );
    await deps.tickets.create({
      change,
      requester: customer,
      followUpOf: { change: link, expectedVersion: closed.version },
      inboundMessage: options.inboundMessage,
    });
    const first = change.events.find((e) => e.data.type === 'comment')!;
    return { ticket: change.ticket, comment: first, followUpOf: closed.number };
  }

  return async function addCommentToTicket(
    caller: Caller,
    number: number,
    input: AddCommentInput,
    options: AddCommentOptions = {},
  ): Promise<CommentResult> {
    const isPublic = input.public ?? true;
    let customer: CustomerUpsert | undefined;
    let author = caller.actor;
    if (input.author) {
      if (caller.role === 'agent') {
        throw new DomainError('forbidden', 'only admin and channel keys may comment on behalf of a customer');
      }
      const name = input.author.name?.trim() || null;
      customer = await deps.customers.identify(
        caller.tenantId,
        normalizedIdentity(input.author, 'author'),
        name,
      );
      author = { type: 'customer', id: customer.ref.id, name: customer.ref.name, email: customer.ref.email };
    }
    const comment = {
      body: input.body,
      public: isPublic,
      email: input.email,
      attachments: input.attachments,
    };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const ticket = await deps.tickets.get(caller.tenantId, number);
      if (!ticket) throw notFound(`ticket #${number}`);
      try {
        if (ticket.status === 'closed' && customer && isPublic) {
          return await followUp(caller, ticket, input, customer, author, options);
        }
        const change = addComment(ticket, comment, author, deps.clock.now(), deps.ids, input.participants);
        await deps.tickets.save(change, ticket.version, { customer, inboundMessage: options.inboundMessage });
        return { ticket: change.ticket, comment: change.events[0]!, followUpOf: null };
      } catch (error) {
        if (!(error instanceof ConcurrentModificationError)) throw error;
      }
    }
    throw new DomainError('conflict', `ticket #${number} is being changed by others right now; retry`);
  };
}

export function makeGetTimeline(deps: Pick<TicketDeps, 'tickets'>) {
  return async function getTimeline(
    caller: Caller,
    number: number,
    page: PageRequest,
  ): Promise<Page<TimelineEvent>> {
    const result = await deps.tickets.timeline(caller.tenantId, number, page);
    if (result.items.length === 0 && !page.cursor && !(await deps.tickets.get(caller.tenantId, number))) {
      throw notFound(`ticket #${number}`);
    }
    return result;
  };
}

export function makeListTickets(deps: Pick<TicketDeps, 'tickets'>) {
  return async function listTickets(
    caller: Caller,
    filter: TicketFilter,
    page: PageRequest,
  ): Promise<Page<Ticket>> {
    return deps.tickets.list(caller.tenantId, filter, page);
  };
}
