import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Ports } from '../../core/use-cases/index.ts';
import { mail } from '../../topology.ts';
import { makeClock } from '../clock.ts';
import { makeIds } from '../ids.ts';
import { apiKeySecrets } from '../secrets.ts';
import { DynamoDbApiKeyStore, DynamoDbTenantStore } from './access-stores.ts';
import type { TableNames } from './client.ts';
import { DynamoDbCustomerStore } from './customer-store.ts';
import { DynamoDbAgentStore, DynamoDbCustomFieldStore, DynamoDbGroupStore } from './directory-stores.ts';
import { DynamoDbIdempotencyStore } from './idempotency-store.ts';
import { DynamoDbMacroStore } from './macro-store.ts';
import {
  DynamoDbEmailSettingsStore,
  DynamoDbMailboxStore,
  DynamoDbSenderRateLimiter,
} from './mail-stores.ts';
import { DynamoDbMessageStore } from './message-store.ts';
import { DynamoDbRoutingStore } from './routing-store.ts';
import { DynamoDbRuleStore } from './rule-store.ts';
import { DynamoDbTicketStore } from './ticket-store.ts';
import { DynamoDbTriageSettingsStore } from './triage-settings-store.ts';

/** Every port of the API backed by DynamoDB: what a handler (or a test against DynamoDB Local) runs on. */
export function makeDynamoDbPorts(
  client: DynamoDBDocumentClient,
  tables: TableNames,
  clock = makeClock(),
): Ports {
  return {
    tickets: new DynamoDbTicketStore(client, tables),
    customers: new DynamoDbCustomerStore(client, tables),
    agents: new DynamoDbAgentStore(client, tables),
    groups: new DynamoDbGroupStore(client, tables),
    customFields: new DynamoDbCustomFieldStore(client, tables),
    apiKeys: new DynamoDbApiKeyStore(client, tables),
    tenants: new DynamoDbTenantStore(client, tables),
    mailboxes: new DynamoDbMailboxStore(client, tables),
    emailSettings: new DynamoDbEmailSettingsStore(client, tables),
    macros: new DynamoDbMacroStore(client, tables),
    triageSettings: new DynamoDbTriageSettingsStore(client, tables),
    idempotency: new DynamoDbIdempotencyStore(client, tables, () =>
      Math.floor(Date.parse(clock.now()) / 1000),
    ),
    routing: new DynamoDbRoutingStore(client, tables),
    rules: new DynamoDbRuleStore(client, tables),
    secrets: apiKeySecrets,
    clock,
    ids: makeIds(),
  };
}

/**
 * The stores the triage and routing workers use: the main table only (they never take an Idempotency-Key).
 */
export function makeDynamoDbWorkerPorts(client: DynamoDBDocumentClient, tables: Pick<TableNames, 'main'>) {
  return {
    tickets: new DynamoDbTicketStore(client, tables),
    agents: new DynamoDbAgentStore(client, tables),
    groups: new DynamoDbGroupStore(client, tables),
    routing: new DynamoDbRoutingStore(client, tables),
    rules: new DynamoDbRuleStore(client, tables),
    macros: new DynamoDbMacroStore(client, tables),
    triageSettings: new DynamoDbTriageSettingsStore(client, tables),
    clock: makeClock(),
    ids: makeIds(),
  };
}

/** The email channel's stores, on the same table. */
export function makeDynamoDbMailPorts(client: DynamoDBDocumentClient, tables: Pick<TableNames, 'main'>) {
  return {
    messages: new DynamoDbMessageStore(client, tables),
    rateLimiter: new DynamoDbSenderRateLimiter(client, tables, mail.senderRateLimit),
  };
}
