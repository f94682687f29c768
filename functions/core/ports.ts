/**
 * What the use cases need from the outside world. Adapters implement these; unit tests use in-memory fakes.
 */
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
  readonly status?: Status | undefined;
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
    },
  ): Promise<void>;
  timeline(tenantId: string, number: number, page: PageRequest): Promise<Page<TimelineEvent>>;
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

export interface StoredApiKey {
  readonly key: ApiKey;
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
