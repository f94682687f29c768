/**
 * The one description of Deskless's moving parts. `lib/` builds AWS resources from it and `local/` wires the
 * emulators from it, so the deployed platform and `npm start` cannot drift apart.
 *
 * Plain data only: no CDK, no AWS SDK, no zod. Both worlds import this file.
 */

import { AGENT_AVAILABLE } from './core/agent-events.ts';
import { CONVERSATION_EVENT_TYPE_NAMES } from './core/chat/events.ts';
import { DOMAIN_EVENT_TYPES } from './core/domain-events.ts';

export type Role = 'admin' | 'agent' | 'channel' | 'operator';
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface KeySchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
}

export interface IndexDefinition extends KeySchema {
  readonly name: string;
  /** Why the index exists; shown in the README's data model. */
  readonly purpose: string;
}

export interface TableDefinition extends KeySchema {
  /** Logical name: CDK construct id and the local table name (`deskless-<name>`). */
  readonly name: string;
  readonly indexes: readonly IndexDefinition[];
  readonly stream?: 'NEW_IMAGE';
  readonly ttlAttribute?: string;
  /** Environment variable through which functions learn the physical table name. */
  readonly envVar: string;
}

/** Ticket view indexes sort on `{updatedAt}#{number}`, read newest first. */
const ACTIVITY = 'activity';
/**
 * Group and assignee views sort on `{statusRank}#{updatedAt}#{number}`: one status is a `begins_with` range,
 * and the whole view reads new → open → pending → on hold → solved → closed, newest activity first in each.
 */
const STATUS_ACTIVITY = 'statusActivity';

export const tables = {
  main: {
    name: 'main',
    partitionKey: 'pk',
    sortKey: 'sk',
    stream: 'NEW_IMAGE',
    ttlAttribute: 'expiresAt',
    envVar: 'TABLE_NAME',
    indexes: [
      {
        name: 'byGroup',
        partitionKey: 'viewGroup',
        sortKey: STATUS_ACTIVITY,
        purpose: 'queue view: a group’s tickets by status, newest activity first',
      },
      {
        name: 'byRequester',
        partitionKey: 'viewRequester',
        sortKey: ACTIVITY,
        purpose: 'a customer’s ticket history',
      },
      {
        name: 'dueTimers',
        partitionKey: 'dueShard',
        sortKey: 'dueAt',
        purpose: 'sparse, sharded index of armed timers (SLA, reminders, auto-close), queried by due time',
      },
      {
        name: 'byAssignee',
        partitionKey: 'viewAssignee',
        sortKey: STATUS_ACTIVITY,
        purpose: 'an agent’s tickets by status, newest activity first',
      },
      {
        name: 'byStatus',
        partitionKey: 'viewStatus',
        sortKey: ACTIVITY,
        purpose: 'all of a tenant’s tickets in one status',
      },
      {
        name: 'byActivity',
        partitionKey: 'viewAll',
        sortKey: ACTIVITY,
        purpose: 'all of a tenant’s tickets, newest activity first',
      },
      {
        name: 'bySla',
        partitionKey: 'viewSla',
        sortKey: 'slaDue',
        purpose: 'tickets whose SLA breached, or is at risk, soonest due first',
      },
      {
        name: 'byQueue',
        partitionKey: 'viewQueue',
        sortKey: 'queuedAt',
        purpose: 'a group’s queue: unassigned new and open tickets waiting for an agent, oldest first',
      },
    ],
  },
  idempotency: {
    name: 'idempotency',
    partitionKey: 'pk',
    ttlAttribute: 'expiresAt',
    envVar: 'IDEMPOTENCY_TABLE_NAME',
    indexes: [],
  },
} as const satisfies Record<string, TableDefinition>;

export interface BucketDefinition {
  /** Logical name: CDK construct id and the local bucket name (`deskless-<name>`). */
  readonly name: string;
  readonly envVar: string;
  readonly purpose: string;
  /** Objects are deleted this many days after they were written (a lifecycle rule); absent: kept. */
  readonly expireAfterDays?: number;
}

export const buckets = {
  mail: {
    name: 'mail',
    envVar: 'MAIL_BUCKET',
    purpose: 'raw inbound MIME as SES stores it (inbound/) and the attachments kept from it (attachments/)',
  },
  exports: {
    name: 'exports',
    envVar: 'EXPORTS_BUCKET',
    purpose: 'report exports (exports/{tenant}/{ulid}.csv), downloaded through 15-minute pre-signed links',
    expireAfterDays: 7,
  },
} as const satisfies Record<string, BucketDefinition>;

/**
 * The email channel. SES receives mail for the tenants' support addresses, stores the raw MIME in the mail
 * bucket under `inboundPrefix`, and notifies the inbound topic; the inbound queue subscribes to that topic.
 * Locally an SMTP server does exactly the same.
 */
export const mail = {
  inboundPrefix: 'inbound/',
  attachmentsPrefix: 'attachments/',
  inboundTopic: 'inbound-mail',
  /** Attachments above these sizes are dropped, with a note on the ticket saying so. */
  maxAttachmentBytes: 10 * 1024 * 1024,
  maxAttachmentBytesPerMail: 25 * 1024 * 1024,
  /** Per-sender token bucket: a burst of `burst` new mails, then `perHour` an hour. */
  senderRateLimit: { burst: 20, perHour: 60 },
  /** Secret for signed reply addresses (`support+<ticket>.<signature>@domain`). */
  replySecretEnvVar: 'REPLY_SECRET',
  replySecretArnEnvVar: 'REPLY_SECRET_ARN',
  /** Where email-out sends from when a tenant has no verified domain of its own (SES configuration). */
  sesEndpointEnvVar: 'AWS_ENDPOINT_URL_SESV2',
} as const;

export interface FunctionDefinition {
  readonly name: string;
  /** Source file of the Lambda entry point, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Tables the function reads or writes (grants and environment variables follow from it). */
  readonly tables: readonly (keyof typeof tables)[];
  readonly publishesEvents?: boolean;
  readonly readsOperatorKey?: boolean;
  /** Buckets the function reads and writes (grants and environment variables follow from it). */
  readonly buckets?: readonly (keyof typeof buckets)[];
  /** Sends mail with SES (SendEmail, raw MIME). */
  readonly sendsEmail?: boolean;
  /** Reads the reply-address signing secret. */
  readonly readsReplySecret?: boolean;
  /** Puts links to the HTTP API in what it sends (survey links in mail, webhooks): learns its public URL. */
  readonly linksToApi?: boolean;
  /**
   * Reads tenants' channel credentials (Twilio auth tokens) from Secrets Manager: only secrets named
   * `deskless/twilio/…`, and each tenant only its own `deskless/twilio/<tenant>/…` (core/channels/sms.ts).
   */
  readonly readsChannelSecrets?: boolean;
  /** May call Amazon Bedrock (the model chosen at deploy time) for triage. */
  readonly invokesBedrock?: boolean;
  /** Prices usage (the cost report): gets the deployment's price overrides (`deskless:priceOverrides`). */
  readonly pricesUsage?: boolean;
  /**
   * Writes usage counters (`T#{tenant}#USAGE#…`) of the main table and nothing else of it: its metered usage is
   * flushed there. For a function with no `tables`; the grant is UpdateItem limited to those keys.
   */
  readonly writesUsageCounters?: boolean;
  /**
   * Queues of `queues` (by name) the function sends messages to: it learns each one's URL from the queue's
   * `envVar` and may SendMessage to it.
   */
  readonly sendsTo?: readonly string[];
}

/** Every bundle stays under this unless its function states a budget of its own (and why). */
export const defaultBundleBudgetKb = 500;

export const functions = {
  api: {
    name: 'api',
    entry: 'functions/handlers/api.ts',
    description: 'Deskless HTTP API (/v1)',
    memoryMb: 1024,
    timeoutSeconds: 15,
    tables: ['main', 'idempotency'],
    // Survey links are signed with the reply secret.
    readsReplySecret: true,
    pricesUsage: true,
    // The Twilio webhook's signature is checked with the channel's auth token.
    readsChannelSecrets: true,
    // Report exports: writes the CSV, signs its download link. Channel messages' linked attachments are kept
    // in the mail bucket (attachments/).
    buckets: ['exports', 'mail'],
    // A webhook redelivery queues its first attempt.
    sendsTo: ['webhook-deliveries'],
  },
  authorizer: {
    name: 'authorizer',
    entry: 'functions/handlers/authorizer.ts',
    description: 'Resolves an API key to its tenant and role',
    memoryMb: 512,
    timeoutSeconds: 5,
    tables: ['main'],
    readsOperatorKey: true,
  },
  dispatcher: {
    name: 'dispatcher',
    entry: 'functions/handlers/dispatcher.ts',
    description: 'Outbox: publishes timeline events from the table stream as domain events',
    memoryMb: 512,
    timeoutSeconds: 30,
    tables: [],
    // Its own metered usage (invocations, GB-seconds, logs, entries put on the bus) only.
    writesUsageCounters: true,
    publishesEvents: true,
  },
  emailIn: {
    name: 'emailIn',
    entry: 'functions/handlers/email-in.ts',
    description: 'Turns inbound mail (raw MIME in S3) into tickets and comments',
    memoryMb: 1024,
    timeoutSeconds: 60,
    // It creates tickets, whose transactions may carry an idempotency record.
    tables: ['main', 'idempotency'],
    buckets: ['mail'],
    readsReplySecret: true,
  },
  emailOut: {
    name: 'emailOut',
    entry: 'functions/handlers/email-out.ts',
    description: 'Sends acknowledgements, public agent replies and satisfaction surveys as email',
    memoryMb: 512,
    timeoutSeconds: 30,
    tables: ['main'],
    sendsEmail: true,
    readsReplySecret: true,
    linksToApi: true,
  },
  triage: {
    name: 'triage',
    entry: 'functions/handlers/triage.ts',
    description: 'Classifies new tickets and customer replies, then runs the tenant’s automation rules',
    memoryMb: 1024,
    timeoutSeconds: 30,
    tables: ['main'],
    invokesBedrock: true,
  },
  metering: {
    name: 'metering',
    entry: 'functions/handlers/metering.ts',
    description: 'Counts usage per tenant and day from every domain event (batched counter ADDs)',
    memoryMb: 256,
    timeoutSeconds: 30,
    tables: ['main'],
  },
  routing: {
    name: 'routing',
    entry: 'functions/handlers/routing.ts',
    description:
      'Assigns tickets to agents by their group’s strategy, and hands queued tickets out as capacity frees',
    memoryMb: 512,
    timeoutSeconds: 60,
    tables: ['main'],
  },
  sweeper: {
    name: 'sweeper',
    entry: 'functions/handlers/sweeper.ts',
    description: 'Every minute: claims the timers that are due and hands them to the timer queue',
    memoryMb: 256,
    timeoutSeconds: 50,
    tables: ['main'],
    sendsTo: ['timers'],
  },
  timer: {
    name: 'timer',
    entry: 'functions/handlers/timer.ts',
    description:
      'Applies due timers: SLA warnings and breaches, auto-close, pending reminders, chat escalations',
    memoryMb: 512,
    timeoutSeconds: 60,
    tables: ['main'],
  },
  smsOut: {
    name: 'smsOut',
    entry: 'functions/handlers/sms-out.ts',
    description: 'Sends public agent replies on SMS tickets through the tenant’s Twilio account',
    memoryMb: 512,
    timeoutSeconds: 60,
    tables: ['main'],
    readsChannelSecrets: true,
  },
  webhookFanout: {
    name: 'webhookFanout',
    entry: 'functions/handlers/webhook-fanout.ts',
    description: 'Outbound webhooks: one delivery per subscription that wants each domain event, queued once',
    memoryMb: 256,
    timeoutSeconds: 30,
    tables: ['main'],
    sendsTo: ['webhook-deliveries'],
    // A solve's `ticket.status_changed` payload carries the survey link, signed with the reply secret.
    readsReplySecret: true,
    linksToApi: true,
  },
  webhookDeliver: {
    name: 'webhookDeliver',
    entry: 'functions/handlers/webhook-deliver.ts',
    description:
      'Outbound webhooks: signs and POSTs each attempt (Standard Webhooks), retries with backoff, per-endpoint circuit breaker',
    memoryMb: 256,
    // Ten attempts of a batch run side by side, each answered or cut off within 10 s.
    timeoutSeconds: 30,
    tables: ['main'],
    // Retries and deferrals are the next attempt's message, sent with a delay.
    sendsTo: ['webhook-deliveries'],
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionName = keyof typeof functions;

export interface BundleBudget {
  readonly kb: number;
  readonly reason: string;
}

/**
 * Largest acceptable bundles of the functions that need more than `defaultBundleBudgetKb`, with the reason. Kept
 * apart from `functions`, which every handler imports: these reasons are for the bench and the infra test, not
 * for the Lambdas' own bundles.
 */
export const bundleBudgets: Partial<Record<FunctionName, BundleBudget>> = {
  api: {
    kb: 900,
    reason:
      'every route of the API in one function (one cold start serves them all): the request contracts, the use cases of rules, macros, triage settings, SLA configuration, reports, channels, chat conversations and webhook subscriptions with their validation, the SLA replay of every ticket write; the AWS SDK is ~420 KB of it (DynamoDB; Secrets Manager for survey links and Twilio tokens, loaded on first use; SQS for webhook redelivery), Standard Webhooks signing ~11 KB, S3 writes and pre-signed links through a 4 KB SigV4 signer instead of the S3 client',
  },
  emailIn: {
    kb: 950,
    reason:
      'MIME parsing (postal-mime), HTML sanitising (sanitize-html, which brings postcss), the S3 client and the SLA replay of every ticket write; a queue consumer, so no request waits on its cold start',
  },
  triage: {
    kb: 800,
    reason:
      'language detection (franc-min trigram models, 170 KB), the sentiment lexicons, the Bedrock runtime client and the SLA replay of ticket writes; a queue consumer, so no request waits on its cold start',
  },
};

/** The dispatcher reads the main table's stream; these are the settings of that event source mapping. */
export const outbox = {
  table: 'main',
  consumer: 'dispatcher',
  /** Only new timeline events are domain events; ticket items and counters also change on the stream. */
  sortKeyPrefix: 'EV#',
  batchSize: 100,
  maxBatchingWindowSeconds: 1,
  retryAttempts: 8,
} as const;

export const eventBus = {
  name: 'events',
  source: 'deskless',
  envVar: 'EVENT_BUS_NAME',
} as const;

/**
 * The subset of EventBridge event patterns Deskless uses: exact values, nested, and `$or` (a list of patterns,
 * one of which must match besides the other fields; EventBridge's own `$or`).
 */
export interface EventPattern {
  readonly [field: string]: readonly (string | number | boolean)[] | EventPattern | readonly EventPattern[];
}

export interface QueueDefinition {
  readonly name: string;
  readonly description: string;
  /** Domain event types (EventBridge detail-type) routed to this queue by a bus rule. */
  readonly events?: readonly string[];
  /**
   * An EventBridge pattern on the event's detail, narrowing the rule further (arrays of accepted values,
   * nested like the detail): the consumer is not even invoked for events it would ignore.
   */
  readonly detail?: EventPattern;
  /** Or: the SNS topic the queue subscribes to (raw message delivery off: the SNS envelope is kept). */
  readonly topic?: string;
  /**
   * Environment variable through which functions that send to the queue (`FunctionDefinition.sendsTo`) learn
   * its URL. A queue with neither `events` nor a `topic` is a plain queue: only such functions feed it.
   */
  readonly envVar?: string;
  /** Function consuming the queue in batches, reporting partial batch failures. */
  readonly consumer?: FunctionName;
  readonly batchSize?: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  /**
   * A message that can never succeed (malformed, not a Deskless event) goes straight to the DLQ, with the reason
   * as a message attribute, instead of being retried maxReceiveCount times or dropped.
   */
  readonly poisonToDeadLetter?: boolean;
}

// The queue list is built in a call marked pure, and so are the computed event lists it uses, so that a bundle
// that never reads `queues` (most handlers) leaves it all out: esbuild keeps a top-level value whose initialiser
// might have side effects.
const TICKET_AND_AGENT_EVENTS: readonly string[] = /* @__PURE__ */ (
  Object.values(DOMAIN_EVENT_TYPES) as string[]
).concat(AGENT_AVAILABLE);
const EVERY_EVENT: readonly string[] = /* @__PURE__ */ TICKET_AND_AGENT_EVENTS.concat(
  CONVERSATION_EVENT_TYPE_NAMES,
);

/**
 * Queues that feed functions. Each gets a DLQ and an alarm on the DLQ; an `events` queue gets a bus rule, a
 * `topic` queue a subscription, a plain queue (neither) only the functions that send to it. Later
 * capabilities (triage, routing, webhooks, metering) add theirs here.
 */
export const queues: readonly QueueDefinition[] = /* @__PURE__ */ ((): readonly QueueDefinition[] => [
  {
    name: 'inbound-email',
    description: 'SES receipt notifications of inbound mail, one per message',
    topic: mail.inboundTopic,
    consumer: 'emailIn',
    batchSize: 10,
    visibilityTimeoutSeconds: 6 * 60,
    maxReceiveCount: 5,
  },
  {
    name: 'outbound-email',
    description:
      'Events that send mail: the first comment of an email ticket (acknowledgement), public agent replies, a solve (satisfaction survey)',
    events: ['comment.added', 'ticket.status_changed'],
    // Only public comments and solves on email conversations can send mail (a comment has no `to`, a status
    // change no `public`: each event type matches its own branch only). Web form tickets are answered by email
    // too, from the tenant's support address (their `mailbox`).
    detail: {
      ticket: { channel: ['email', 'web_form'] },
      $or: [{ data: { public: [true] } }, { data: { to: ['solved'] } }],
    },
    consumer: 'emailOut',
    batchSize: 10,
    visibilityTimeoutSeconds: 3 * 60,
    maxReceiveCount: 8,
  },
  {
    name: 'triage',
    description:
      'New tickets and every update: classification of customer messages, then the tenant’s automation rules',
    events: [
      'ticket.created',
      'comment.added',
      'ticket.updated',
      'ticket.status_changed',
      'ticket.assigned',
      'sla.warning',
      'sla.breached',
    ],
    consumer: 'triage',
    batchSize: 10,
    visibilityTimeoutSeconds: 3 * 60,
    maxReceiveCount: 5,
    poisonToDeadLetter: true,
  },
  {
    name: 'metering',
    description: 'Every domain event, for the usage counters finance reads (one batch, a few counter writes)',
    events: TICKET_AND_AGENT_EVENTS,
    consumer: 'metering',
    batchSize: 10,
    visibilityTimeoutSeconds: 3 * 60,
    maxReceiveCount: 5,
    poisonToDeadLetter: true,
  },
  {
    name: 'routing',
    description:
      'Triaged tickets, group and status changes, and agents becoming available: assignment to agents',
    events: [
      'ticket.triaged',
      'ticket.updated',
      'ticket.status_changed',
      'ticket.assigned',
      'agent.available',
    ],
    consumer: 'routing',
    batchSize: 10,
    visibilityTimeoutSeconds: 6 * 60,
    maxReceiveCount: 5,
    poisonToDeadLetter: true,
  },
  {
    // A plain queue: no bus rule, no topic; the sweeper sends each claimed timer here.
    name: 'timers',
    description: 'Timers the sweeper found due and claimed: SLA warnings and breaches, auto-close, reminders',
    envVar: 'TIMER_QUEUE_URL',
    consumer: 'timer',
    batchSize: 10,
    visibilityTimeoutSeconds: 120,
    maxReceiveCount: 5,
    poisonToDeadLetter: true,
  },
  {
    name: 'outbound-sms',
    description: 'Public replies on SMS tickets by agents (or the system), sent as SMS through Twilio',
    events: ['comment.added'],
    // Only public comments on SMS conversations, and never the customer's own message, can send an SMS.
    detail: {
      ticket: { channel: ['sms'] },
      data: { public: [true] },
      actor: { type: ['agent', 'system'] },
    },
    consumer: 'smsOut',
    batchSize: 10,
    visibilityTimeoutSeconds: 3 * 60,
    maxReceiveCount: 8,
    poisonToDeadLetter: true,
  },
  {
    name: 'webhooks',
    description:
      'Every domain event, for the tenants’ outbound webhook subscriptions (fan-out to deliveries)',
    // Chat conversations' events too: an agent's reply reaches the chat provider through a subscription.
    events: EVERY_EVENT,
    consumer: 'webhookFanout',
    batchSize: 10,
    visibilityTimeoutSeconds: 3 * 60,
    maxReceiveCount: 5,
    poisonToDeadLetter: true,
  },
  {
    // A plain queue: the fan-out queues each delivery's first attempt, the worker its retries (with a delay).
    name: 'webhook-deliveries',
    description:
      'Webhook attempts due: one message per attempt; after the last failed attempt the message is moved to the DLQ',
    envVar: 'WEBHOOK_DELIVERY_QUEUE_URL',
    consumer: 'webhookDeliver',
    batchSize: 10,
    // Longer than the worker's timeout and its claim on an attempt (ATTEMPT_LEASE_SECONDS).
    visibilityTimeoutSeconds: 120,
    maxReceiveCount: 5,
    poisonToDeadLetter: true,
  },
])();

export interface ScheduleDefinition {
  readonly name: string;
  /** The function invoked on every tick. */
  readonly target: FunctionName;
  readonly rateMinutes: number;
  readonly description: string;
}

/** Functions run on a fixed rate (EventBridge Scheduler in AWS, a ticker locally). */
export const schedules: readonly ScheduleDefinition[] = [
  {
    name: 'sweeper',
    target: 'sweeper',
    rateMinutes: 1,
    description: 'Finds due timers, claims them and hands them to the timer queue',
  },
];

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway route path, `{param}` for path parameters. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  /** Roles allowed to call the route; empty means public (no authorizer). */
  readonly roles: readonly Role[];
}

const STAFF: readonly Role[] = ['admin', 'agent'];
const ANY_TENANT_KEY: readonly Role[] = ['admin', 'agent', 'channel'];

export const routes: readonly RouteDefinition[] = [
  {
    method: 'GET',
    path: '/health',
    operationId: 'health',
    summary: 'Liveness check',
    tag: 'meta',
    roles: [],
  },
  {
    method: 'GET',
    path: '/docs',
    operationId: 'docs',
    summary: 'API reference page',
    tag: 'meta',
    roles: [],
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    operationId: 'openapi',
    summary: 'OpenAPI 3.1 document',
    tag: 'meta',
    roles: [],
  },
  {
    method: 'POST',
    path: '/v1/tenants',
    operationId: 'createTenant',
    summary: 'Create a tenant and its first admin key',
    tag: 'tenants',
    roles: ['operator'],
  },
  {
    method: 'POST',
    path: '/v1/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key (secret shown once)',
    tag: 'api-keys',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/api-keys',
    operationId: 'listApiKeys',
    summary: 'List API keys',
    tag: 'api-keys',
    roles: ['admin'],
  },
  {
    method: 'DELETE',
    path: '/v1/api-keys/{id}',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    tag: 'api-keys',
    roles: ['admin'],
  },
  {
    method: 'POST',
    path: '/v1/tickets',
    operationId: 'createTicket',
    summary: 'Create a ticket',
    tag: 'tickets',
    roles: ANY_TENANT_KEY,
  },
  {
    method: 'GET',
    path: '/v1/tickets',
    operationId: 'listTickets',
    summary: 'List tickets (queue views)',
    tag: 'tickets',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/tickets/{number}',
    operationId: 'getTicket',
    summary: 'Get a ticket',
    tag: 'tickets',
    roles: ANY_TENANT_KEY,
  },
  {
    method: 'PATCH',
    path: '/v1/tickets/{number}',
    operationId: 'updateTicket',
    summary: 'Update a ticket',
    tag: 'tickets',
    roles: STAFF,
  },
  {
    method: 'POST',
    path: '/v1/tickets/{number}/comments',
    operationId: 'addComment',
    summary: 'Add a comment',
    tag: 'tickets',
    roles: ANY_TENANT_KEY,
  },
  {
    method: 'GET',
    path: '/v1/tickets/{number}/timeline',
    operationId: 'getTimeline',
    summary: 'A ticket’s timeline, oldest first',
    tag: 'tickets',
    roles: ANY_TENANT_KEY,
  },
  {
    method: 'GET',
    path: '/v1/customers',
    operationId: 'findCustomers',
    summary: 'Find a customer by email or phone',
    tag: 'customers',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/customers/{id}',
    operationId: 'getCustomer',
    summary: 'A customer’s profile and tickets',
    tag: 'customers',
    roles: STAFF,
  },
  {
    method: 'POST',
    path: '/v1/agents',
    operationId: 'createAgent',
    summary: 'Create an agent',
    tag: 'agents',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/agents',
    operationId: 'listAgents',
    summary: 'List agents',
    tag: 'agents',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/agents/{id}',
    operationId: 'getAgent',
    summary: 'Get an agent',
    tag: 'agents',
    roles: STAFF,
  },
  {
    method: 'PATCH',
    path: '/v1/agents/{id}',
    operationId: 'updateAgent',
    summary: 'Update an agent',
    tag: 'agents',
    roles: ['admin'],
  },
  {
    method: 'POST',
    path: '/v1/groups',
    operationId: 'createGroup',
    summary: 'Create a group',
    tag: 'groups',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/groups',
    operationId: 'listGroups',
    summary: 'List groups',
    tag: 'groups',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/groups/{id}',
    operationId: 'getGroup',
    summary: 'Get a group',
    tag: 'groups',
    roles: STAFF,
  },
  {
    method: 'PATCH',
    path: '/v1/groups/{id}',
    operationId: 'updateGroup',
    summary: 'Update a group (name, description, assignment strategy)',
    tag: 'groups',
    roles: ['admin'],
  },
  {
    method: 'POST',
    path: '/v1/mailboxes',
    operationId: 'createMailbox',
    summary: 'Register a support address (email to it becomes tickets)',
    tag: 'email',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/mailboxes',
    operationId: 'listMailboxes',
    summary: 'List the tenant’s support addresses',
    tag: 'email',
    roles: STAFF,
  },
  {
    method: 'DELETE',
    path: '/v1/mailboxes/{address}',
    operationId: 'removeMailbox',
    summary: 'Stop receiving mail at a support address',
    tag: 'email',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/settings/email',
    operationId: 'getEmailSettings',
    summary: 'How the tenant answers by email',
    tag: 'email',
    roles: STAFF,
  },
  {
    method: 'PUT',
    path: '/v1/settings/email',
    operationId: 'putEmailSettings',
    summary: 'Set the acknowledgement (on/off, template)',
    tag: 'email',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/settings/routing',
    operationId: 'getRoutingSettings',
    summary: 'Where tickets go when nothing else chose a group',
    tag: 'groups',
    roles: STAFF,
  },
  {
    method: 'PUT',
    path: '/v1/settings/routing',
    operationId: 'putRoutingSettings',
    summary: 'Set the default group of new tickets',
    tag: 'groups',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/settings/triage',
    operationId: 'getTriageSettings',
    summary: 'Triage keywords per intent and the trained model’s summary',
    tag: 'triage',
    roles: STAFF,
  },
  {
    method: 'PUT',
    path: '/v1/settings/triage',
    operationId: 'putTriageSettings',
    summary: 'Set the triage keywords and train the model from labelled tickets',
    tag: 'triage',
    roles: ['admin'],
  },
  {
    method: 'POST',
    path: '/v1/custom-fields',
    operationId: 'createCustomField',
    summary: 'Declare a ticket custom field',
    tag: 'custom-fields',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/custom-fields',
    operationId: 'listCustomFields',
    summary: 'List declared custom fields',
    tag: 'custom-fields',
    roles: ANY_TENANT_KEY,
  },
  {
    method: 'POST',
    path: '/v1/rules',
    operationId: 'createRule',
    summary: 'Create an automation rule (trigger)',
    tag: 'rules',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/rules',
    operationId: 'listRules',
    summary: 'List automation rules in the order they run',
    tag: 'rules',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/rules/{id}',
    operationId: 'getRule',
    summary: 'Get an automation rule',
    tag: 'rules',
    roles: STAFF,
  },
  {
    method: 'PUT',
    path: '/v1/rules/{id}',
    operationId: 'updateRule',
    summary: 'Replace an automation rule',
    tag: 'rules',
    roles: ['admin'],
  },
  {
    method: 'DELETE',
    path: '/v1/rules/{id}',
    operationId: 'deleteRule',
    summary: 'Delete an automation rule',
    tag: 'rules',
    roles: ['admin'],
  },
  {
    // `POST /v1/rules/{id}:test`. Path variables are whole segments, and one level takes one variable name
    // (API Gateway refuses `{id}` and `{ruleAction}` side by side), so the operation splits off `:test`.
    method: 'POST',
    path: '/v1/rules/{id}',
    operationId: 'testRule',
    summary: 'Dry-run a rule on a ticket (`POST /v1/rules/{id}:test`); nothing changes',
    tag: 'rules',
    roles: STAFF,
  },
  {
    method: 'POST',
    path: '/v1/macros',
    operationId: 'createMacro',
    summary: 'Create a macro (canned reply and field changes)',
    tag: 'macros',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/macros',
    operationId: 'listMacros',
    summary: 'List macros, by name',
    tag: 'macros',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/macros/{id}',
    operationId: 'getMacro',
    summary: 'Get a macro',
    tag: 'macros',
    roles: STAFF,
  },
  {
    method: 'PUT',
    path: '/v1/macros/{id}',
    operationId: 'updateMacro',
    summary: 'Replace a macro',
    tag: 'macros',
    roles: ['admin'],
  },
  {
    method: 'DELETE',
    path: '/v1/macros/{id}',
    operationId: 'deleteMacro',
    summary: 'Delete a macro',
    tag: 'macros',
    roles: ['admin'],
  },
  {
    // `POST /v1/tickets/{number}/macros/{id}:apply`. Path variables are whole segments, so the route takes the
    // whole last segment and the operation accepts only `<id>:apply`.
    method: 'POST',
    path: '/v1/tickets/{number}/macros/{macroAction}',
    operationId: 'applyMacro',
    summary: 'Apply a macro to a ticket (`POST /v1/tickets/{number}/macros/{id}:apply`)',
    tag: 'macros',
    roles: STAFF,
  },
  {
    method: 'POST',
    path: '/v1/schedules',
    operationId: 'createSchedule',
    summary: 'Create a business-hours schedule',
    tag: 'sla',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/schedules',
    operationId: 'listSchedules',
    summary: 'List business-hours schedules',
    tag: 'sla',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/schedules/{id}',
    operationId: 'getSchedule',
    summary: 'Get a business-hours schedule',
    tag: 'sla',
    roles: STAFF,
  },
  {
    method: 'PUT',
    path: '/v1/schedules/{id}',
    operationId: 'updateSchedule',
    summary: 'Replace a business-hours schedule',
    tag: 'sla',
    roles: ['admin'],
  },
  {
    method: 'DELETE',
    path: '/v1/schedules/{id}',
    operationId: 'deleteSchedule',
    summary: 'Delete a business-hours schedule no SLA policy uses',
    tag: 'sla',
    roles: ['admin'],
  },
  {
    method: 'POST',
    path: '/v1/sla-policies',
    operationId: 'createSlaPolicy',
    summary: 'Create an SLA policy',
    tag: 'sla',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/sla-policies',
    operationId: 'listSlaPolicies',
    summary: 'List SLA policies in the order they are tried',
    tag: 'sla',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/sla-policies/{id}',
    operationId: 'getSlaPolicy',
    summary: 'Get an SLA policy',
    tag: 'sla',
    roles: STAFF,
  },
  {
    method: 'PUT',
    path: '/v1/sla-policies/{id}',
    operationId: 'updateSlaPolicy',
    summary: 'Replace an SLA policy',
    tag: 'sla',
    roles: ['admin'],
  },
  {
    method: 'DELETE',
    path: '/v1/sla-policies/{id}',
    operationId: 'deleteSlaPolicy',
    summary: 'Delete an SLA policy',
    tag: 'sla',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/settings',
    operationId: 'getLifecycleSettings',
    summary: 'When solved tickets close and pending ones are reminded or solved',
    tag: 'settings',
    roles: STAFF,
  },
  {
    method: 'PATCH',
    path: '/v1/settings',
    operationId: 'updateLifecycleSettings',
    summary: 'Change the auto-close, pending reminder and pending auto-solve delays',
    tag: 'settings',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/reports/cost',
    operationId: 'getCostReport',
    summary: 'Pay-per-use cost of a tenant over a range of days',
    tag: 'reports',
    roles: ['admin', 'operator'],
  },
  {
    method: 'GET',
    path: '/v1/reports/metrics',
    operationId: 'getReportMetrics',
    summary: 'Support metrics over a range of days: volume, resolution, first reply, SLA, CSAT',
    tag: 'reports',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/tickets/{number}/survey-link',
    operationId: 'getSurveyLink',
    summary: 'The satisfaction survey link of a solved ticket',
    tag: 'surveys',
    roles: STAFF,
  },
  {
    // Public: the requester answers from the link, with no API key; the signed token is the credential.
    method: 'POST',
    path: '/v1/surveys/{token}',
    operationId: 'answerSurvey',
    summary: 'Answer a satisfaction survey (once per ticket)',
    tag: 'surveys',
    roles: [],
  },
  {
    // Public like the answer: the page a survey link opens. It only reads (mail scanners prefetch links).
    method: 'GET',
    path: '/v1/surveys/{token}',
    operationId: 'getSurvey',
    summary: 'The satisfaction survey page of a link (HTML form; records nothing)',
    tag: 'surveys',
    roles: [],
  },
  {
    method: 'GET',
    path: '/v1/reports/export',
    operationId: 'exportReport',
    summary: 'Export metrics or tickets of a range of days as CSV (a 15-minute download link)',
    tag: 'reports',
    roles: ['admin'],
  },
  {
    // Channel keys are what integrations (engineering trackers) link back with.
    method: 'POST',
    path: '/v1/tickets/{number}/links',
    operationId: 'addExternalLink',
    summary: 'Link the ticket to an issue elsewhere (idempotent by URL)',
    tag: 'tickets',
    roles: ANY_TENANT_KEY,
  },
  {
    method: 'POST',
    path: '/v1/subscriptions',
    operationId: 'createSubscription',
    summary: 'Subscribe an HTTPS endpoint to domain events (signed webhooks; the secret is shown once)',
    tag: 'webhooks',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/subscriptions',
    operationId: 'listSubscriptions',
    summary: 'List webhook subscriptions',
    tag: 'webhooks',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/subscriptions/{id}',
    operationId: 'getSubscription',
    summary: 'Get a webhook subscription and its endpoint’s circuit breaker',
    tag: 'webhooks',
    roles: ['admin'],
  },
  {
    method: 'PATCH',
    path: '/v1/subscriptions/{id}',
    operationId: 'updateSubscription',
    summary: 'Change a webhook subscription (URL, events, description, enabled)',
    tag: 'webhooks',
    roles: ['admin'],
  },
  {
    method: 'DELETE',
    path: '/v1/subscriptions/{id}',
    operationId: 'deleteSubscription',
    summary: 'Delete a webhook subscription',
    tag: 'webhooks',
    roles: ['admin'],
  },
  {
    // `POST /v1/subscriptions/{id}:rotate-secret`: path variables are whole segments (see testRule).
    method: 'POST',
    path: '/v1/subscriptions/{id}',
    operationId: 'rotateSubscriptionSecret',
    summary: 'New signing secret (`POST /v1/subscriptions/{id}:rotate-secret`); the old one signs 24 h more',
    tag: 'webhooks',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/subscriptions/{id}/deliveries',
    operationId: 'listDeliveries',
    summary: 'A subscription’s deliveries, newest first, each with its attempts',
    tag: 'webhooks',
    roles: ['admin'],
  },
  {
    // `POST /v1/subscriptions/{id}/deliveries/{deliveryId}:redeliver` (see applyMacro).
    method: 'POST',
    path: '/v1/subscriptions/{id}/deliveries/{deliveryAction}',
    operationId: 'redeliverDelivery',
    summary: 'Send a delivery again (`…/deliveries/{deliveryId}:redeliver`): same webhook-id, new attempts',
    tag: 'webhooks',
    roles: ['admin'],
  },
  {
    // Public: Twilio cannot send an API key; the X-Twilio-Signature (the channel's auth token) authenticates it.
    method: 'POST',
    path: '/v1/channels/{id}/twilio',
    operationId: 'receiveTwilioSms',
    summary: 'Twilio’s Messaging webhook of an sms_twilio channel: an SMS/MMS becomes a ticket or a comment',
    tag: 'channels',
    roles: [],
  },
  {
    method: 'GET',
    path: '/v1/conversations',
    operationId: 'listConversations',
    summary: 'Chat conversations in one status (open by default), latest message first',
    tag: 'conversations',
    roles: STAFF,
  },
  {
    method: 'GET',
    path: '/v1/conversations/{id}',
    operationId: 'getConversation',
    summary: 'A chat conversation with its messages',
    tag: 'conversations',
    roles: STAFF,
  },
  {
    method: 'POST',
    path: '/v1/conversations/{id}/messages',
    operationId: 'replyToConversation',
    summary: 'Reply to the customer in a chat conversation',
    tag: 'conversations',
    roles: STAFF,
  },
  {
    // `POST /v1/conversations/{id}:resolve` and `…:escalate`: path variables are whole segments (see testRule).
    method: 'POST',
    path: '/v1/conversations/{id}',
    operationId: 'conversationAction',
    summary: 'Resolve (`POST /v1/conversations/{id}:resolve`) or escalate into a ticket (`…:escalate`)',
    tag: 'conversations',
    roles: STAFF,
  },
  {
    method: 'POST',
    path: '/v1/channels',
    operationId: 'createChannel',
    summary: 'Declare an inbound channel (webhook, Twilio SMS, chat, web form); its secret is shown once',
    tag: 'channels',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/channels',
    operationId: 'listChannels',
    summary: 'List the tenant’s inbound channels',
    tag: 'channels',
    roles: ['admin'],
  },
  {
    method: 'GET',
    path: '/v1/channels/{id}',
    operationId: 'getChannel',
    summary: 'Get an inbound channel',
    tag: 'channels',
    roles: ['admin'],
  },
  {
    method: 'PATCH',
    path: '/v1/channels/{id}',
    operationId: 'updateChannel',
    summary: 'Change an inbound channel’s name, group, tags or settings',
    tag: 'channels',
    roles: ['admin'],
  },
  {
    method: 'DELETE',
    path: '/v1/channels/{id}',
    operationId: 'deleteChannel',
    summary: 'Delete an inbound channel',
    tag: 'channels',
    roles: ['admin'],
  },
  {
    // `POST /v1/channels/{id}:rotate-secret`: path variables are whole segments (see testRule).
    method: 'POST',
    path: '/v1/channels/{id}',
    operationId: 'rotateChannelSecret',
    summary:
      'Rotate a channel’s secret (`POST /v1/channels/{id}:rotate-secret`); the old one works 24 h more',
    tag: 'channels',
    roles: ['admin'],
  },
  {
    // Public: the sender has no API key; the Standard Webhooks signature with the channel's secret is the credential.
    method: 'POST',
    path: '/v1/channels/{id}/messages',
    operationId: 'receiveChannelMessage',
    summary: 'A signed message from a webhook channel (Standard Webhooks)',
    tag: 'channels',
    roles: [],
  },
  {
    // Public: customers open the form from a link.
    method: 'GET',
    path: '/v1/forms/{id}',
    operationId: 'getWebForm',
    summary: 'A web form channel’s contact form (HTML)',
    tag: 'channels',
    roles: [],
  },
  {
    // Public: the form posts here; a honeypot and a per-IP rate limit keep bots out.
    method: 'POST',
    path: '/v1/forms/{id}',
    operationId: 'submitWebForm',
    summary: 'Submit a web form (urlencoded or JSON): a new ticket',
    tag: 'channels',
    roles: [],
  },
];

/** How long API Gateway caches an authorizer answer per key; also the longest a revoked key keeps working. */
export const authorizerCacheSeconds = 60;

/** Largest accepted request body; larger ones get 413 before any parsing. */
export const maxBodyBytes = 256 * 1024;

/** Environment variable names shared by CDK and the local runtime. */
export const env = {
  operatorKeySecretArn: 'OPERATOR_KEY_SECRET_ARN',
  operatorKey: 'DESKLESS_OPERATOR_API_KEY',
  clockSpeed: 'DESKLESS_CLOCK_SPEED',
  /** Epoch ms from which a faster clock counts; the local runtime sets it once for every handler. */
  clockOrigin: 'DESKLESS_CLOCK_ORIGIN',
  stage: 'DESKLESS_STAGE',
  /** JSON overrides of the price table the cost report prices with (core/use-cases/cost-report.ts). */
  priceOverrides: 'DESKLESS_PRICE_OVERRIDES',
  /** The HTTP API's public base URL, for survey links: CDK and `npm start` set it where `linksToApi`. */
  publicApiUrl: 'DESKLESS_PUBLIC_API_URL',
} as const;

/**
 * How every function is bundled (esbuild, run locally by CDK; the benchmark builds the same way). ESM needs a
 * `require` for the few CommonJS dependencies; the aliased import keeps the banner from clashing with one in
 * the bundle. The AWS SDK is bundled, not taken from the runtime, so its version is ours.
 */
export const bundling = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  /** Stack traces in the logs point into the sources; the maps hold no source text, to stay small. */
  nodeOptions: '--enable-source-maps',
  banner:
    "import { createRequire as __desklessCreateRequire } from 'node:module';" +
    'const require = __desklessCreateRequire(import.meta.url);',
} as const;
