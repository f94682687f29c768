/**
 * The one description of Deskless's moving parts. `lib/` builds AWS resources from it and `local/` wires the
 * emulators from it, so the deployed platform and `npm start` cannot drift apart.
 *
 * Plain data only: no CDK, no AWS SDK, no zod. Both worlds import this file.
 */

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
}

export const functions = {
  api: {
    name: 'api',
    entry: 'functions/handlers/api.ts',
    description: 'Deskless HTTP API (/v1)',
    memoryMb: 1024,
    timeoutSeconds: 15,
    tables: ['main', 'idempotency'],
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
    publishesEvents: true,
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionName = keyof typeof functions;

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

export interface QueueDefinition {
  readonly name: string;
  readonly description: string;
  /** Domain event types (EventBridge detail-type) routed to this queue by a bus rule. */
  readonly events: readonly string[];
  /** Function consuming the queue in batches, reporting partial batch failures. */
  readonly consumer?: FunctionName;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

/**
 * Queues that subscribe to domain events. Each gets a bus rule, a DLQ and an alarm on the DLQ. Later
 * capabilities (triage, routing, outbound email, webhooks, metering) add their queue here.
 */
export const queues: readonly QueueDefinition[] = [];

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
  stage: 'DESKLESS_STAGE',
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
