/**
 * What the use cases need from the outside world. Adapters implement these; unit tests use in-memory fakes.
 */

import type { EmailSettings, OutboundMail } from './email/outbound.ts';
import type {
  Agent,
  ApiKey,
  Customer,
  CustomFieldDefinition,
  Group,
  Page,
  RequesterRef,
  Status,
  Tenant,
  Ticket,
  TimelineEvent,
} from './model.ts';
import type { Change } from './tickets.ts';

export interface Clock {
  /** Current time as an ISO-8601 string (UTC, millisecond precision). */
  now(): string;
}

export interface Ids {
  /** A time-ordered id (ULID): later calls sort after earlier ones. */
  next(): string;
}

export interface PageRequest {
  readonly limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string | undefined;
}

/**
 * A customer profile to create or refresh in the same transaction as the ticket change that mentions it.
 * Identities (email, phone) that are new get claimed for this customer; existing values are kept.
 */
export interface CustomerUpsert {
  readonly ref: RequesterRef;
  readonly organization: string | null;
  /**
   * False when the profile already holds everything this request knows (a returning customer writing from a
   * known address): the change then writes nothing for the customer.
   */
  readonly write: boolean;
}

export interface IdempotencyRecord {
  readonly key: string;
  readonly requestHash: string;
  readonly statusCode: number;
  readonly body: string;
  readonly createdAt: string;
}

export interface TicketFilter {
  /** A status, or `spam` for the tickets held as spam (which no status view shows). */
  readonly status?: Status | 'spam' | undefined;
  readonly group?: string | undefined;
  readonly assignee?: string | undefined;
  readonly requester?: string | undefined;
}

/**
 * A group or agent a change points at. The store checks they exist in the same transaction as the change
 * (no extra read) and throws DomainError('validation') naming the field when one does not.
 */
export interface TicketReferences {
  readonly group?: string | undefined;
  readonly assignee?: string | undefined;
}

/**
 * The inbound mail a change records: its Message-ID is stored with the ticket number (threading) under a
 * key that can be written once only (de-duplication). A second write throws DuplicateMessageError.
 */
export interface InboundMessage {
  readonly messageId: string;
}

export class DuplicateMessageError extends Error {
  constructor(messageId: string) {
    super(`message ${messageId} was already taken in`);
    this.name = 'DuplicateMessageError';
  }
}

export interface TicketStore {
  /** The tenant's next ticket number (an atomic counter). */
  nextNumber(tenantId: string): Promise<number>;
  /**
   * Writes a new ticket, its events and its requester in one transaction. With `idempotency`, the record is
   * written in the same transaction and an existing one makes it fail with IdempotencyConflictError.
   * With `followUpOf`, the closed ticket's link change is written too, guarded by its version.
   */
  create(args: {
    readonly change: Change;
    readonly requester: CustomerUpsert;
    readonly idempotency?: IdempotencyRecord | undefined;
    readonly followUpOf?: { readonly change: Change; readonly expectedVersion: number } | undefined;
    readonly references?: TicketReferences | undefined;
    readonly inboundMessage?: InboundMessage | undefined;
  }): Promise<void>;
  get(tenantId: string, number: number): Promise<Ticket | null>;
  /**
   * Writes a change of an existing ticket, guarded by its version; throws ConcurrentModificationError when
   * someone else changed it first. `customer` is upserted in the same transaction.
   */
  save(
    change: Change,
    expectedVersion: number,
    options?: {
      readonly customer?: CustomerUpsert | undefined;
      readonly references?: TicketReferences | undefined;
      readonly inboundMessage?: InboundMessage | undefined;
    },
  ): Promise<void>;
  /** Appends events that record something without changing the ticket (mail sent, bounced). Idempotent by id. */
  appendEvents(events: readonly TimelineEvent[], inboundMessage?: InboundMessage): Promise<void>;
  timeline(tenantId: string, number: number, page: PageRequest): Promise<Page<TimelineEvent>>;
  event(tenantId: string, number: number, eventId: string): Promise<TimelineEvent | null>;
  list(tenantId: string, filter: TicketFilter, page: PageRequest): Promise<Page<Ticket>>;
}

export interface CustomerStore {
  /**
   * Works out which profile an identity belongs to, without writing: the existing customer for a known email
   * or phone, or the id a new one gets. The write happens with the ticket change that mentions the customer.
   */
  identify(
    tenantId: string,
    identity: { email: string | null; phone: string | null },
    name: string | null,
  ): Promise<CustomerUpsert>;
  get(tenantId: string, id: string): Promise<Customer | null>;
  findByIdentity(
    tenantId: string,
    identity: { email?: string | undefined; phone?: string | undefined },
  ): Promise<Customer | null>;
}

export interface AgentStore {
  /** Throws DomainError('conflict') when the email is taken by another agent of the tenant. */
  create(agent: Agent): Promise<void>;
  get(tenantId: string, id: string): Promise<Agent | null>;
  list(tenantId: string, page: PageRequest): Promise<Page<Agent>>;
  /** Guarded by version; an email change moves the unique email claim in the same transaction. */
  update(agent: Agent, previous: Agent): Promise<void>;
}

export interface GroupStore {
  create(group: Group): Promise<void>;
  get(tenantId: string, id: string): Promise<Group | null>;
  /** Ids among `ids` that do not exist. */
  missing(tenantId: string, ids: readonly string[]): Promise<string[]>;
  list(tenantId: string, page: PageRequest): Promise<Page<Group>>;
}

export interface CustomFieldStore {
  /** Throws DomainError('conflict') when the key is already declared. */
  create(tenantId: string, definition: CustomFieldDefinition): Promise<void>;
  list(tenantId: string): Promise<CustomFieldDefinition[]>;
}

export interface ApiKeyStore {
  create(key: ApiKey, secretHash: string): Promise<void>;
  list(tenantId: string, page: PageRequest): Promise<Page<ApiKey>>;
  /** Marks the key revoked; returns null when it does not exist. */
  revoke(tenantId: string, id: string, at: string): Promise<ApiKey | null>;
  findBySecretHash(secretHash: string): Promise<ApiKey | null>;
}

export interface TenantStore {
  /** Creates the tenant and its first admin key together; DomainError('conflict') when the id is taken. */
  create(tenant: Tenant, adminKey: ApiKey, secretHash: string): Promise<void>;
}

export interface IdempotencyStore {
  get(tenantId: string, key: string): Promise<IdempotencyRecord | null>;
}

export interface Secrets {
  /** A new API key secret with its hash (what is stored) and a short prefix (what is shown later). */
  newApiKey(): { secret: string; hash: string; prefix: string };
  hash(secret: string): string;
}

/** The transaction that would have written the idempotency record lost: someone used the key first. */
export class IdempotencyConflictError extends Error {
  constructor() {
    super('idempotency key already used');
    this.name = 'IdempotencyConflictError';
  }
}

/** Support addresses: which tenant a recipient address belongs to. Addresses are unique across tenants. */
export interface MailboxStore {
  tenantFor(address: string): Promise<string | null>;
  /** Throws DomainError('conflict') when the address is registered already (by any tenant). */
  create(tenantId: string, address: string, now: string): Promise<void>;
  list(tenantId: string): Promise<{ address: string; createdAt: string }[]>;
  /** False when the tenant has no such address. */
  remove(tenantId: string, address: string): Promise<boolean>;
}

/** Message-IDs recorded for tickets (inbound and sent), for threading. */
export interface MessageStore {
  ticketsFor(tenantId: string, messageIds: readonly string[]): Promise<Map<string, number>>;
  isRecorded(tenantId: string, messageId: string): Promise<boolean>;
  recordOutbound(
    tenantId: string,
    ticketNumber: number,
    messageIds: readonly string[],
    now: string,
  ): Promise<void>;
}

/** A token bucket per sender: a runaway sender or a mail loop cannot open a flood of tickets. */
export interface SenderRateLimiter {
  /** Takes a token; false when the bucket is empty (the caller holds the mail back). */
  take(tenantId: string, sender: string, now: string): Promise<boolean>;
  /** Counts a held-back mail so it shows in the tenant's figures. */
  countHeld(tenantId: string, now: string): Promise<void>;
}

/** Files kept outside the table (attachments): the mail bucket. */
export interface BlobStore {
  put(key: string, content: Uint8Array, contentType: string): Promise<void>;
}

export interface EmailSettingsStore {
  get(tenantId: string): Promise<EmailSettings>;
  put(tenantId: string, settings: EmailSettings): Promise<void>;
}

/** Sends a decided mail (SES). Returns every Message-ID the mail is known by: ours and the provider's. */
export interface Mailer {
  send(mail: OutboundMail): Promise<{ readonly messageIds: readonly string[] }>;
}
