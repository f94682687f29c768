import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, ExportStore } from '../../core/ports.ts';
import { makeCurrentSla, type TimerContextSource, withTimers } from '../../core/timed-tickets.ts';
import { deploymentPriceTable } from '../../core/use-cases/cost-report.ts';
import type { Ports } from '../../core/use-cases/index.ts';
import { makeTimerContextSource } from '../../core/use-cases/timer-context.ts';
import { env, mail } from '../../topology.ts';
import { makeChannelSecretReader } from '../channel-secrets.ts';
import { attachmentBucketFromEnv } from '../channels/attachment-bucket.ts';
import { channelCrypto } from '../channels/channel-crypto.ts';
import { makeRemoteFiles } from '../channels/remote-files.ts';
import { makeClock } from '../clock.ts';
import { makeIds } from '../ids.ts';
import type { UsageBuffer } from '../metering/buffer.ts';
import { meterBlobWrites, recordS3Write, tenantUnderPrefix } from '../metering/record.ts';
import { makeExportBucket } from '../s3/export-bucket.ts';
import { apiKeySecrets } from '../secrets.ts';
import { makeTokenSigner } from '../token-signer.ts';
import { twilioSignatures } from '../twilio/signature.ts';
import { makeDynamoDbWebhookPorts } from '../webhooks/ports.ts';
import { DynamoDbApiKeyStore, DynamoDbTenantStore } from './access-stores.ts';
import { DynamoDbChannelStore } from './channel-store.ts';
import type { TableNames } from './client.ts';
import { DynamoDbConversationStore } from './conversation-store.ts';
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
import { DynamoDbReportStore } from './report-store.ts';
import { DynamoDbRoutingStore } from './routing-store.ts';
import { DynamoDbRuleStore } from './rule-store.ts';
import {
  DynamoDbLifecycleSettingsStore,
  DynamoDbScheduleStore,
  DynamoDbSlaPolicyStore,
} from './sla-stores.ts';
import { DynamoDbTicketStore } from './ticket-store.ts';
import { DynamoDbTriageSettingsStore } from './triage-settings-store.ts';
import { DynamoDbUsageStore } from './usage-store.ts';

/**
 * The tenant's SLA policies, schedules and lifecycle settings, as deadline planning reads them (cached briefly;
 * see core/use-cases/timer-context.ts).
 */
export function makeDynamoDbTimerContext(client: DynamoDBDocumentClient, tables: Pick<TableNames, 'main'>) {
  const policies = new DynamoDbSlaPolicyStore(client, tables);
  const schedules = new DynamoDbScheduleStore(client, tables);
  const lifecycle = new DynamoDbLifecycleSettingsStore(client, tables);
  return makeTimerContextSource({
    policies: (tenantId) => policies.list(tenantId),
    schedules: (tenantId) => schedules.list(tenantId),
    lifecycle: (tenantId) => lifecycle.get(tenantId),
  });
}

/** A ticket store that keeps every ticket's deadlines (SLA, auto-close, reminders) in its own writes. */
export function makeDynamoDbTimedTicketStore(
  client: DynamoDBDocumentClient,
  tables: Pick<TableNames, 'main'> & Partial<Pick<TableNames, 'idempotency'>>,
  clock: Clock,
  context: TimerContextSource = makeDynamoDbTimerContext(client, tables),
) {
  return withTimers(new DynamoDbTicketStore(client, tables), { context, clock });
}

/** Every port of the API backed by DynamoDB: what a handler (or a test against DynamoDB Local) runs on. */
export function makeDynamoDbPorts(
  client: DynamoDBDocumentClient,
  tables: TableNames,
  clock = makeClock(),
): Ports {
  const timerContext = makeDynamoDbTimerContext(client, tables);
  const tickets = makeDynamoDbTimedTicketStore(client, tables, clock, timerContext);
  return {
    tickets,
    timerContext,
    currentSla: makeCurrentSla(tickets, { context: timerContext, clock }),
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
    schedules: new DynamoDbScheduleStore(client, tables),
    slaPolicies: new DynamoDbSlaPolicyStore(client, tables),
    lifecycleSettings: new DynamoDbLifecycleSettingsStore(client, tables),
    secrets: apiKeySecrets,
    clock,
    ids: makeIds(),
    usage: new DynamoDbUsageStore(client, tables),
    // Validated here, once per cold start: bad overrides fail the start rather than price a report wrong.
    prices: deploymentPriceTable(process.env[env.priceOverrides]),
    reports: new DynamoDbReportStore(client, tables),
    // Reads the reply secret when a survey link is first signed or checked, not at cold start.
    tokens: makeTokenSigner(),
    // Report exports; the bucket's name is read when the first export is written.
    exports: meterExportWrites(makeExportBucket()),
    channels: new DynamoDbChannelStore(client, tables),
    messages: new DynamoDbMessageStore(client, tables),
    rateLimiter: new DynamoDbSenderRateLimiter(client, tables, mail.senderRateLimit),
    // Channel attachments under `{attachmentsPrefix}{tenant}/…`: each PUT and its bytes metered for that tenant.
    blobs: meterBlobWrites(attachmentBucketFromEnv(), (key) =>
      tenantUnderPrefix(key, mail.attachmentsPrefix),
    ),
    remoteFiles: makeRemoteFiles(),
    channelCrypto,
    conversations: new DynamoDbConversationStore(client, tables),
    // Twilio auth tokens, read from Secrets Manager when a channel's webhook first needs one.
    channelSecrets: makeChannelSecretReader(),
    twilioSignatures,
    // Outbound webhooks; the delivery queue's client is made at the first redelivery.
    webhooks: makeDynamoDbWebhookPorts(client, tables),
  };
}

/**
 * The stores the triage and routing workers use: the main table only (they never take an Idempotency-Key).
 */
export function makeDynamoDbWorkerPorts(client: DynamoDBDocumentClient, tables: Pick<TableNames, 'main'>) {
  const clock = makeClock();
  return {
    tickets: makeDynamoDbTimedTicketStore(client, tables, clock),
    agents: new DynamoDbAgentStore(client, tables),
    groups: new DynamoDbGroupStore(client, tables),
    routing: new DynamoDbRoutingStore(client, tables),
    rules: new DynamoDbRuleStore(client, tables),
    macros: new DynamoDbMacroStore(client, tables),
    triageSettings: new DynamoDbTriageSettingsStore(client, tables),
    clock,
    ids: makeIds(),
  };
}

/** The timer worker's stores: tickets (re-planning deadlines as it saves) and the deadlines' context. */
export function makeDynamoDbTimedWorkerPorts(
  client: DynamoDBDocumentClient,
  tables: Pick<TableNames, 'main'>,
) {
  const clock = makeClock();
  const context = makeDynamoDbTimerContext(client, tables);
  return {
    tickets: makeDynamoDbTimedTicketStore(client, tables, clock, context),
    context,
    clock,
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

/**
 * Report exports (`exports/{tenant}/…`, core/use-cases/reports.ts) with each successful PUT metered for that
 * tenant: one `s3.puts` and the CSV's UTF-8 bytes as `s3.bytes_written`.
 */
export function meterExportWrites(store: ExportStore, buffer?: UsageBuffer): ExportStore {
  return {
    async put(key, body, options) {
      await store.put(key, body, options);
      const tenant = tenantUnderPrefix(key, 'exports/');
      recordS3Write(tenant, Buffer.byteLength(body, 'utf8'), buffer ? { buffer } : {});
    },
    signedUrl: (key, expiresInSeconds) => store.signedUrl(key, expiresInSeconds),
  };
}
