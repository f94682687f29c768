/**
 * What the use cases need from the outside world. Adapters implement these; unit tests use in-memory fakes.
 */

import type { AgentEvent } from './agent-events.ts';
import type { ConversationRef, InboundChannel } from './channels/channel.ts';
import type { EmailSettings, OutboundMail } from './email/outbound.ts';
import type { LifecycleSettings } from './lifecycle-settings.ts';
import type { Macro } from './macros/macro.ts';
import type { DayUsage, UsageByTenantDay } from './metering.ts';
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
import type { ReportWrite, TicketFacts, TicketRef } from './reporting/aggregate.ts';
import type { CounterAdds } from './reporting/counters.ts';
import type { ExportedTicket } from './reporting/export.ts';
import type { CountersByDay } from './reporting/metrics.ts';
import type { Rule } from './rules/rule.ts';
import type { StoredSlaPolicy } from './sla/policy.ts';
import type { BusinessSchedule } from './sla/schedule.ts';
import type { SurveyAnswer } from './surveys.ts';
import type { Change } from './tickets.ts';
import type { DueTimerMessage, Timer } from './timers.ts';
import type { NaiveBayesModel } from './triage/naive-bayes.ts';
import type { Circuit } from './webhooks/circuit.ts';
import type { Delivery, QueuedDelivery } from './webhooks/delivery.ts';
import type { Subscription } from './webhooks/subscription.ts';

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
  /** Tickets whose running SLA breached, or passed its warning (at risk). */
  readonly sla?: 'breached' | 'at_risk' | undefined;
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
  /**
   * Whose key space the id is in: 'email' (the default) for a mail's Message-ID, which any sender chooses and
   * mail threading looks up; 'channel' for a channel's delivery id or a chat escalation marker, a key space no
   * mail can write to or be threaded by.
   */
  readonly namespace?: 'email' | 'channel' | undefined;
}

/**
 * The channel thread a new ticket takes over: the thread's CONV lookup item is written in the creating
 * transaction, pointing at the new ticket. `previous` is the ticket it pointed at before (the closed ticket a
 * follow-up replaces) or null for a thread never seen; when the item no longer says so, another message moved it
 * first and the transaction fails with ConversationClaimedError (the caller reads again and retries).
 */
export interface ConversationClaim {
  readonly ref: ConversationRef;
  readonly previous: number | null;
}

/** The CONV item of a ConversationClaim no longer points where the caller read it: another message moved it. */
export class ConversationClaimedError extends Error {
  constructor(readonly conversationId: string) {
    super(`conversation ${conversationId} was taken over by another message`);
    this.name = 'ConversationClaimedError';
  }
}

export class DuplicateMessageError extends Error {
  constructor(messageId: string) {
    super(`message ${messageId} was already taken in`);
    this.name = 'DuplicateMessageError';
  }
}

/**
 * The domain event a worker's change consumes (triage, routing): a marker written once in the change's own
 * transaction, so a redelivered or duplicated message changes nothing twice. A second write throws
 * DuplicateEventError.
 */
export interface ConsumedEvent {
  readonly consumer: string;
  readonly eventId: string;
}

export class DuplicateEventError extends Error {
  constructor(consumer: string, eventId: string) {
    super(`${consumer} already handled event ${eventId}`);
    this.name = 'DuplicateEventError';
  }
}

/**
 * What automatic assignment claims in the change's transaction. Every save keeps agents' load counters (see
 * core/agent-load.ts); with `withinCapacity` the new assignee's counter must stay within their capacity, or the
 * save throws AgentUnavailableError. `roundRobin` moves the group's cursor from the agent it last chose, so two
 * workers never hand the same turn out twice (ConcurrentModificationError when another moved it first).
 */
export interface AssignmentClaims {
  readonly withinCapacity: boolean;
  readonly roundRobin?:
    | { readonly group: string; readonly from: string | null; readonly to: string }
    | undefined;
}

/** The TIMER items a change arms or moves (`put`) and the slots it clears (`remove`), in its transaction. */
export interface TimerWrites {
  readonly put: readonly Timer[];
  readonly remove: readonly string[];
}

export class AgentUnavailableError extends Error {
  constructor(readonly agentId: string) {
    super(`agent ${agentId} is at capacity`);
    this.name = 'AgentUnavailableError';
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
    readonly timers?: TimerWrites | undefined;
    readonly conversation?: ConversationClaim | undefined;
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
      readonly consumedEvent?: ConsumedEvent | undefined;
      readonly assignment?: AssignmentClaims | undefined;
      readonly timers?: TimerWrites | undefined;
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
  /**
   * Guarded by version; an email change moves the unique email claim in the same transaction. Never writes
   * `load` (ticket transactions keep it). `event` (the agent became able to take tickets) is written with it.
   */
  update(agent: Agent, previous: Agent, event?: AgentEvent | null): Promise<void>;
}

export interface GroupStore {
  create(group: Group): Promise<void>;
  get(tenantId: string, id: string): Promise<Group | null>;
  /** Name, description and strategy only (routing's own bookkeeping on the group stays). */
  update(group: Group): Promise<void>;
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

/** The tenant's routing settings: where tickets go when neither their channel nor a rule chose a group. */
export interface RoutingSettings {
  readonly defaultGroup: string | null;
}

/** What routing reads: a group with its round-robin cursor, the group's agents, the group's queue. */
export interface RoutingStore {
  group(tenantId: string, groupId: string): Promise<{ group: Group; cursor: string | null } | null>;
  /** The group's members (from the tenant's agents: one Query, at most a few pages). */
  agentsOf(tenantId: string, groupId: string): Promise<Agent[]>;
  /** Numbers of the oldest tickets waiting in the group's queue (unassigned, new or open). */
  queued(tenantId: string, groupId: string, limit: number): Promise<number[]>;
  settings(tenantId: string): Promise<RoutingSettings>;
  putSettings(tenantId: string, settings: RoutingSettings): Promise<void>;
}

/** Usage counters per tenant per day (DESIGN.md data model): metering adds, finance reads. */
export interface UsageStore {
  /**
   * Adds every tenant's counts of one metered batch: each transaction all or nothing, a tenant-day never split;
   * throws `UsageNotWrittenError` naming what was not written.
   */
  add(usage: UsageByTenantDay): Promise<void>;
  /** Counts per day of a tenant between two days (inclusive, YYYY-MM-DD). */
  read(tenantId: string, fromDay: string, toDay: string): Promise<Map<string, DayUsage>>;
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
  /** The tickets the ids were recorded for; mail Message-IDs unless `namespace` is 'channel' (InboundMessage). */
  ticketsFor(
    tenantId: string,
    messageIds: readonly string[],
    options?: { readonly namespace?: InboundMessage['namespace'] },
  ): Promise<Map<string, number>>;
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
  /**
   * Takes a token; false when the bucket is empty (the caller holds the mail back). `limit` replaces the
   * limiter's own for this bucket (a web form's per-IP limit is the channel's setting).
   */
  take(
    tenantId: string,
    sender: string,
    now: string,
    limit?: { readonly burst: number; readonly perHour: number },
  ): Promise<boolean>;
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

/** A tenant's macros (at most MAX_MACROS of them). */
export interface MacroStore {
  /** Throws DomainError('validation') when the tenant has MAX_MACROS already. */
  create(macro: Macro): Promise<void>;
  get(tenantId: string, id: string): Promise<Macro | null>;
  /** All of the tenant's macros, ordered by name. */
  list(tenantId: string): Promise<Macro[]>;
  /** Guarded by version; throws ConcurrentModificationError when it is not `expectedVersion` (or is gone). */
  update(macro: Macro, expectedVersion: number): Promise<void>;
  /** False when there was no such macro. */
  delete(tenantId: string, id: string): Promise<boolean>;
}

/** What a tenant's naive Bayes model was trained from (the weights themselves are never shown). */
export interface TriageTrainingSummary {
  /** Labelled examples the model learned from. */
  readonly examples: number;
  /** Examples per intent. */
  readonly intents: Readonly<Record<string, number>>;
  readonly trainedAt: string;
}

/** A tenant's triage settings as stored: its keywords per intent and the model trained from its tickets. */
export interface StoredTriageSettings {
  readonly keywords: Readonly<Record<string, readonly string[]>>;
  readonly model: NaiveBayesModel | null;
  /** Null exactly when `model` is. */
  readonly training: TriageTrainingSummary | null;
  readonly updatedAt: string;
}

export interface TriageSettingsStore {
  /** Null when the tenant never saved triage settings (the defaults apply). */
  get(tenantId: string): Promise<StoredTriageSettings | null>;
  put(tenantId: string, settings: StoredTriageSettings): Promise<void>;
}

/** A tenant's automation rules (at most MAX_RULES of them). */
export interface RuleStore {
  /** Throws DomainError('conflict') when the id is taken. */
  create(rule: Rule): Promise<void>;
  get(tenantId: string, id: string): Promise<Rule | null>;
  /** All of the tenant's rules (at most MAX_RULES), ordered by position, ties by id. */
  list(tenantId: string): Promise<Rule[]>;
  /** Guarded by version; throws ConcurrentModificationError when it is not `expectedVersion` (or is gone). */
  update(rule: Rule, expectedVersion: number): Promise<void>;
  /** False when there was no such rule. */
  delete(tenantId: string, id: string): Promise<boolean>;
}

/** A timer as the due index holds it: armed, and claimed by a sweep since `claimedAt` (or not yet claimed). */
export interface DueTimer extends Timer {
  readonly claimedAt: string | null;
}

export interface DueTimerPage {
  /** Oldest due first. */
  readonly timers: readonly DueTimer[];
  /** Opaque; null on the last page. */
  readonly nextCursor: string | null;
  /** Read capacity the page consumed, when the store reports it. */
  readonly readUnits?: number;
}

/** The sparse, sharded index of armed timers (core/timers.ts), and the claim that hands one to a single sweep. */
export interface TimerStore {
  /**
   * Timers of one shard due at `now` or earlier (`dueAt <= now`), oldest first, whose claim (if any) has
   * expired: a timer a running sweep holds is not returned.
   */
  due(shard: number, now: string, limit: number, cursor?: string): Promise<DueTimerPage>;
  /**
   * Claims the timer for this sweep, at `now`: only while it is still armed as read (same `dueAt` and `effect`)
   * and unclaimed, or claimed longer than CLAIM_LEASE_MS ago. False when another sweep won or it changed.
   */
  claim(timer: Timer, now: string): Promise<boolean>;
}

/** The timer queue: claimed timers go to the timer worker (which de-duplicates on `effect`). */
export interface TimerQueue {
  send(messages: readonly DueTimerMessage[]): Promise<void>;
}

/** A tenant's business hours: a BusinessSchedule with its identity. SLA policies run their clocks on one. */
export interface Schedule extends BusinessSchedule {
  readonly tenantId: string;
  /** `sch_<ulid>`. */
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A tenant's business-hours schedules (at most MAX_SCHEDULES of them). */
export interface ScheduleStore {
  /** Throws DomainError('validation') when the tenant has MAX_SCHEDULES already. */
  create(schedule: Schedule): Promise<void>;
  get(tenantId: string, id: string): Promise<Schedule | null>;
  /** All of the tenant's schedules, oldest first. */
  list(tenantId: string): Promise<Schedule[]>;
  /** Guarded by version; throws ConcurrentModificationError when it is not `expectedVersion` (or is gone). */
  update(schedule: Schedule, expectedVersion: number): Promise<void>;
  /** False when there was no such schedule; DomainError('conflict') while an SLA policy runs on it. */
  delete(tenantId: string, id: string): Promise<boolean>;
}

/**
 * A tenant's SLA policies (at most MAX_SLA_POLICIES). Each write keeps, in the same transaction, how many policies
 * run on each schedule: a policy never points at a deleted schedule, and a schedule in use is never deleted.
 */
export interface SlaPolicyStore {
  /**
   * Throws DomainError('validation') when the tenant has MAX_SLA_POLICIES already, or (path `schedule`) when its
   * schedule does not exist; DomainError('conflict') when the id is taken.
   */
  create(policy: StoredSlaPolicy): Promise<void>;
  get(tenantId: string, id: string): Promise<StoredSlaPolicy | null>;
  /** All of the tenant's policies (at most MAX_SLA_POLICIES), ordered by position, ties by id. */
  list(tenantId: string): Promise<StoredSlaPolicy[]>;
  /**
   * Replaces `previous`, guarded by its version (ConcurrentModificationError when it changed or is gone);
   * DomainError('validation') (path `schedule`) when a schedule it moves to does not exist.
   */
  update(policy: StoredSlaPolicy, previous: StoredSlaPolicy): Promise<void>;
  /** False when there was no such policy. */
  delete(tenantId: string, id: string): Promise<boolean>;
}

/** A tenant's lifecycle settings (auto-close, pending reminder and auto-solve: lifecycle-settings.ts). */
export interface LifecycleSettingsStore {
  /** The settings in effect: what the tenant saved, DEFAULT_LIFECYCLE_SETTINGS for the rest. */
  get(tenantId: string): Promise<LifecycleSettings>;
  /** Replaces the settings whole. */
  put(tenantId: string, settings: LifecycleSettings): Promise<void>;
}

/** A secret-keyed signature (HMAC-SHA256, hex) for tokens that travel outside the API, such as survey links. */
export interface TokenSigner {
  sign(payload: string): Promise<string>;
}

/** Reporting counters (core/reporting) and satisfaction survey answers. */
export interface ReportStore {
  /** What reporting reads of these tickets (creation, SLA, first-reply marker) in one batch; absent ones left out. */
  ticketFacts(refs: readonly TicketRef[]): Promise<Map<string, TicketFacts>>;
  /**
   * Adds a metered batch's counters, each first reply with its per-ticket marker (written only if absent: a
   * first reply whose marker exists is dropped with its counters). All or nothing per transaction of 100 items.
   */
  add(write: ReportWrite): Promise<{ readonly counterWrites: number; readonly firstReplies: number }>;
  /** Counters per day of one dimension between two days (inclusive, YYYY-MM-DD): one Query per month. */
  read(tenantId: string, dimension: string, fromDay: string, toDay: string): Promise<CountersByDay>;
  /**
   * Records a ticket's survey answer and adds its counters in one transaction, once per ticket: throws
   * DomainError('conflict') when the ticket was rated already.
   */
  recordSurvey(answer: SurveyAnswer, counters: CounterAdds): Promise<void>;
  /** A ticket's survey answer; null while it has none. Reads only. */
  survey(tenantId: string, number: number): Promise<SurveyAnswer | null>;
  /**
   * Counters per dimension and day between two days (inclusive), every dimension at once: one Query per month
   * (the month's whole counter partition), for exports.
   */
  readAll(tenantId: string, fromDay: string, toDay: string): Promise<Map<string, CountersByDay>>;
  /**
   * Tickets whose latest activity (`updatedAt`) lies between two instants (inclusive), oldest activity first,
   * one Query page of the tenant's activity view at a time; spam is not in that view. Only the fields an
   * export shows. `group` and `channel` narrow the page (a filter on the Query: a page may hold fewer than
   * `limit` while `nextCursor` is set).
   */
  ticketsActive(
    tenantId: string,
    range: { readonly from: string; readonly to: string },
    filter: { readonly group?: string | undefined; readonly channel?: string | undefined },
    page: PageRequest,
  ): Promise<Page<ExportedTicket>>;
}

/** Report exports: files in the exports bucket, downloaded through pre-signed links. */
export interface ExportStore {
  /** Writes the file under `key` (replacing one there). */
  put(
    key: string,
    body: string,
    options: { readonly contentType: string; readonly filename: string },
  ): Promise<void>;
  /** A link that downloads `key` without credentials until `expiresAt` (at most 7 days on). */
  signedUrl(
    key: string,
    expiresInSeconds: number,
  ): Promise<{ readonly url: string; readonly expiresAt: string }>;
}

/**
 * A tenant's inbound channels (core/channels/channel.ts). Channel ids are global (`ch_…`): a public URL carries
 * only the id, and `find` resolves it through a lookup item that create, save and delete keep in the same
 * transaction as the tenant's own item.
 */
export interface ChannelStore {
  /** Writes the channel and its global id lookup together; DomainError('conflict') when the id is taken. */
  create(channel: InboundChannel): Promise<void>;
  get(tenantId: string, id: string): Promise<InboundChannel | null>;
  /** The channel a public URL names, whatever its tenant (one read); null when there is none. */
  find(id: string): Promise<InboundChannel | null>;
  /** All of the tenant's channels, oldest first. */
  list(tenantId: string): Promise<InboundChannel[]>;
  /** Guarded by version; throws ConcurrentModificationError when it is not `expectedVersion` (or is gone). */
  save(channel: InboundChannel, expectedVersion: number): Promise<void>;
  /** False when there was no such channel. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /**
   * The ticket a channel thread runs on (the CONV lookup item a ticket creation with `conversation` writes);
   * null for a thread never seen.
   */
  conversationTicket(tenantId: string, channelId: string, conversationId: string): Promise<number | null>;
}

/** Thrown by a SecretReader when the secret does not exist or may not be read: a setup problem, not a glitch. */
export class SecretUnavailableError extends Error {
  constructor(
    readonly secretName: string,
    reason: string,
  ) {
    super(`secret ${secretName} cannot be read: ${reason}`);
    this.name = 'SecretUnavailableError';
  }
}

/** Named secrets a tenant's channel points at (a Twilio auth token), read at run time and cached per container. */
export interface SecretReader {
  /**
   * The secret's value; SecretUnavailableError when it is missing, empty or not readable by this function.
   * `fresh` skips the cache (and refreshes it): for a value that may just have been rotated.
   */
  read(name: string, options?: { readonly fresh?: boolean }): Promise<string>;
}

/** Twilio's webhook signature (X-Twilio-Signature): base64 HMAC-SHA1 of the signed payload with the auth token. */
export interface TwilioSignatures {
  /** Whether `signature` signs `payload` with `authToken`; compared in constant time. */
  matches(authToken: string, payload: string, signature: string): boolean;
}

/** One SMS to send through a tenant's Twilio account. */
export interface OutboundSms {
  readonly accountSid: string;
  readonly authToken: string;
  readonly from: string;
  readonly to: string;
  readonly body: string;
}

/** Sends an SMS (Twilio's Messages API). Returns Twilio's message sid. */
export interface SmsSender {
  /**
   * Throws SmsRejectedError when Twilio refuses the message for good (4xx: a bad number, an unverified sender);
   * any other error (5xx, a timeout, no connection) is worth retrying.
   */
  send(sms: OutboundSms): Promise<{ readonly sid: string }>;
}

export class SmsRejectedError extends Error {
  constructor(
    readonly status: number,
    /** Twilio's error code (e.g. 21211, invalid 'To' number), when it gave one. */
    readonly code: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'SmsRejectedError';
  }
}

/**
 * The request may have reached Twilio but no answer came back (a timeout, a connection lost after it was sent):
 * whether the SMS went out is unknown, so it must not be sent again (that could send it twice).
 */
export class SmsOutcomeUnknownError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmsOutcomeUnknownError';
  }
}

/** One message of an outbound SMS reply: the comment's event id and the part's index (long replies split). */
export interface SmsPartKey {
  readonly tenantId: string;
  readonly eventId: string;
  readonly part: number;
}

/** What a claim on an SMS part found. */
export type SmsClaim =
  /** Ours to send now; `token` identifies the claim (for release). */
  | { readonly state: 'claimed'; readonly token: string }
  /** Sent before (a redelivered event): Twilio's sid. */
  | { readonly state: 'sent'; readonly sid: string }
  /** Twilio refused it before: never sent again. */
  | { readonly state: 'rejected'; readonly error: string }
  /** Another worker holds a fresh claim: it is being sent right now. */
  | { readonly state: 'busy' };

/**
 * Exactly-once SMS: a marker item per message part, claimed with a conditional write before the part is sent and
 * marked with Twilio's sid after, so a redelivered event sends nothing twice. A claim older than the lease (its
 * worker died mid-send) may be taken over.
 */
export interface SmsDeliveryStore {
  claim(key: SmsPartKey, now: string, leaseMs: number): Promise<SmsClaim>;
  sent(key: SmsPartKey, sid: string, now: string): Promise<void>;
  rejected(key: SmsPartKey, error: string, now: string): Promise<void>;
  /** Gives a claim up after a failure worth retrying (only while it is still this claim). */
  release(key: SmsPartKey, token: string): Promise<void>;
}

/** A download refused or failed; `reason` is what the ticket's note says. */
export class RemoteFileError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RemoteFileError';
  }
}

/**
 * Downloads a file from a URL a stranger gave (an inbound message's attachment): public addresses only, no
 * redirects, the body capped at `maxBytes`, the whole exchange within `timeoutMs`.
 */
export interface RemoteFiles {
  /** Throws RemoteFileError (blocked address, larger than `maxBytes`, timeout, an error status). */
  fetch(
    url: string,
    limits: { readonly maxBytes: number; readonly timeoutMs: number },
    options?: RemoteFileOptions,
  ): Promise<{ readonly content: Uint8Array; readonly contentType: string | null }>;
}

/** How one download may authenticate. */
export interface RemoteFileOptions {
  /**
   * MMS media of a Twilio SMS channel: a URL under that account's Messages resource on Twilio's API is fetched
   * with HTTP basic auth (account sid, auth token), following at most one redirect, which gets no credentials.
   * Any other URL is fetched as usual, without them.
   */
  readonly twilio?: { readonly accountSid: string; readonly authToken: string } | undefined;
}

/** What channels need that the core cannot make itself: random secrets and digests. */
export interface ChannelCrypto {
  /** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
  newSecret(): string;
  /** A short, URL- and key-safe digest of a text (SHA-256, base64url). */
  digest(text: string): string;
}

/**
 * A tenant's outbound webhook subscriptions (core/webhooks/subscription.ts, at most MAX_SUBSCRIPTIONS) and each
 * one's circuit breaker (core/webhooks/circuit.ts), kept beside it but written on its own: deliveries update the
 * breaker without touching the subscription's version.
 */
export interface SubscriptionStore {
  /** Throws DomainError('validation') when the tenant has MAX_SUBSCRIPTIONS already. */
  create(subscription: Subscription): Promise<void>;
  get(tenantId: string, id: string): Promise<Subscription | null>;
  /** All of the tenant's subscriptions, oldest first. */
  list(tenantId: string): Promise<Subscription[]>;
  /** Guarded by version; throws ConcurrentModificationError when it is not `expectedVersion` (or is gone). */
  update(subscription: Subscription, expectedVersion: number): Promise<void>;
  /** Removes the subscription and its breaker; false when there was no such subscription. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /** The breaker of one subscription: CLOSED_CIRCUIT (revision 0) until one was stored. */
  circuit(tenantId: string, id: string): Promise<Circuit>;
  /** Every stored breaker of the tenant, by subscription id. */
  circuits(tenantId: string): Promise<Map<string, Circuit>>;
  /** Writes `circuit` (its revision `expectedRevision + 1`) only over `expectedRevision`; false when it lost. */
  saveCircuit(tenantId: string, id: string, circuit: Circuit, expectedRevision: number): Promise<boolean>;
}

/** Webhook deliveries (core/webhooks/delivery.ts), per subscription, kept DELIVERY_RETENTION_DAYS. */
export interface DeliveryStore {
  /**
   * Writes a new delivery and, in the same transaction, the marker that makes `dedupeKey` (an event and the
   * payload type made from it) one delivery per subscription. When the marker exists already, nothing is
   * written and `delivery` is the one it names (null when that one expired).
   */
  createOnce(
    delivery: Delivery,
    dedupeKey: string,
  ): Promise<{ readonly created: boolean; readonly delivery: Delivery | null }>;
  get(tenantId: string, subscriptionId: string, id: string): Promise<Delivery | null>;
  /** Newest first. */
  list(tenantId: string, subscriptionId: string, page: PageRequest): Promise<Page<Delivery>>;
  /**
   * Writes `delivery` (its revision one more than `expectedRevision`) only over `expectedRevision`; throws
   * ConcurrentModificationError when it changed or is gone.
   */
  save(delivery: Delivery, expectedRevision: number): Promise<void>;
}

/** The delivery queue: each message is one attempt that is due after its delay. */
export interface WebhookQueue {
  send(messages: readonly QueuedDelivery[]): Promise<void>;
}

/** What one POST to a receiver came to. `statusCode` null: no answer (`error` says why). */
export interface WebhookResponse {
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

/**
 * Signs a payload per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature` with one `v1,`
 * signature per secret) and POSTs it to a public address only, never following redirects. Never throws for the
 * receiver's sake: a refused address, a timeout or a too large answer is a response with an `error`.
 */
export interface WebhookTransport {
  send(request: {
    readonly url: string;
    readonly id: string;
    readonly body: string;
    readonly secrets: readonly string[];
  }): Promise<WebhookResponse>;
}
