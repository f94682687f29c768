import type { ConversationStore } from '../chat/ports.ts';
import type { PriceTable } from '../cost/price-table.ts';
import type { Ticket } from '../model.ts';
import type {
  AgentStore,
  ApiKeyStore,
  BlobStore,
  ChannelCrypto,
  ChannelStore,
  Clock,
  CustomerStore,
  CustomFieldStore,
  EmailSettingsStore,
  ExportStore,
  GroupStore,
  IdempotencyStore,
  Ids,
  LifecycleSettingsStore,
  MacroStore,
  MailboxStore,
  MessageStore,
  RemoteFiles,
  ReportStore,
  RoutingStore,
  RuleStore,
  ScheduleStore,
  SecretReader,
  Secrets,
  SenderRateLimiter,
  SlaPolicyStore,
  TenantStore,
  TicketStore,
  TokenSigner,
  TriageSettingsStore,
  TwilioSignatures,
  UsageStore,
} from '../ports.ts';
import { DEFAULT_TRIAGE_KEYWORDS } from '../triage/default-keywords.ts';
import { makeCreateApiKey, makeCreateTenant, makeListApiKeys, makeRevokeApiKey } from './access.ts';
import { makeChannelUseCases } from './channels.ts';
import { makeChatIntake, makeConversationUseCases } from './conversations.ts';
import { makeCostReport } from './cost-report.ts';
import {
  makeCreateAgent,
  makeCreateCustomField,
  makeCreateGroup,
  makeFindCustomers,
  makeGetAgent,
  makeGetCustomer,
  makeGetGroup,
  makeListAgents,
  makeListCustomFields,
  makeListGroups,
  makeUpdateAgent,
  makeUpdateGroup,
} from './directory.ts';
import { makeAddExternalLink } from './external-links.ts';
import {
  makeApplyMacro,
  makeCreateMacro,
  makeDeleteMacro,
  makeGetMacro,
  makeListMacros,
  makeUpdateMacro,
} from './macros.ts';
import {
  makeCreateMailbox,
  makeGetEmailSettings,
  makeListMailboxes,
  makePutEmailSettings,
  makeRemoveMailbox,
} from './mailboxes.ts';
import { makeReceiveTwilioSms } from './receive-sms.ts';
import { makeExportReport, makeGetReportMetrics } from './reports.ts';
import { makeGetRoutingSettings, makePutRoutingSettings } from './routing.ts';
import {
  makeCreateRule,
  makeDeleteRule,
  makeGetRule,
  makeListRules,
  makeTestRule,
  makeUpdateRule,
} from './rules.ts';
import { makeSlaConfigUseCases } from './sla-config.ts';
import { makeSubscriptionUseCases, type WebhookPorts } from './subscriptions.ts';
import { makeAnswerSurvey, makeGetSurvey, makeGetSurveyLink } from './surveys.ts';
import {
  makeAddComment,
  makeCreateTicket,
  makeGetTicket,
  makeGetTimeline,
  makeListTickets,
  makeUpdateTicket,
} from './tickets.ts';
import { makeGetTriageSettings, makePutTriageSettings } from './triage-settings.ts';

/** Every port the API's use cases need; the composition root (a handler or a test) provides them. */
export interface Ports {
  readonly tickets: TicketStore;
  readonly customers: CustomerStore;
  readonly agents: AgentStore;
  readonly groups: GroupStore;
  readonly customFields: CustomFieldStore;
  readonly apiKeys: ApiKeyStore;
  readonly tenants: TenantStore;
  readonly idempotency: IdempotencyStore;
  readonly mailboxes: MailboxStore;
  readonly emailSettings: EmailSettingsStore;
  readonly macros: MacroStore;
  readonly triageSettings: TriageSettingsStore;
  readonly secrets: Secrets;
  readonly routing: RoutingStore;
  /** The tenant's deadline context (cached); the API drops its copy when policies, schedules or settings change. */
  readonly timerContext?: { invalidate(tenantId: string): void } | undefined;
  /** The ticket with its SLA as of now (the single-ticket read shows live elapsed time). */
  readonly currentSla?: ((ticket: Ticket) => Promise<Ticket>) | undefined;
  readonly rules: RuleStore;
  readonly schedules: ScheduleStore;
  readonly slaPolicies: SlaPolicyStore;
  readonly lifecycleSettings: LifecycleSettingsStore;
  readonly clock: Clock;
  readonly ids: Ids;
  /** Usage counters per tenant per day: the cost report reads them. */
  readonly usage: UsageStore;
  /** The deployment's price table (cost-report.ts `deploymentPriceTable`); list prices when left out. */
  readonly prices?: PriceTable | undefined;
  /** Reporting counters and survey answers (core/reporting, core/surveys.ts). */
  readonly reports: ReportStore;
  /** Signs survey links. */
  readonly tokens: TokenSigner;
  /** Report exports (the exports bucket) and their download links. */
  readonly exports: ExportStore;
  /** Inbound channels (webhook, SMS, chat, web form) and their threads' tickets. */
  readonly channels: ChannelStore;
  /** Delivery ids of channel messages (replays), beside email Message-IDs. */
  readonly messages: MessageStore;
  /** Token buckets (a web form's submissions per client IP). */
  readonly rateLimiter: SenderRateLimiter;
  /** The mail bucket: attachments linked from channel messages are kept there. */
  readonly blobs: BlobStore;
  /** Downloads of the files channel messages link to (SSRF-guarded). */
  readonly remoteFiles: RemoteFiles;
  readonly channelCrypto: ChannelCrypto;
  /** Chat conversations (core/chat): the chat channel's messages before (and unless) they become a ticket. */
  readonly conversations: ConversationStore;
  /** Tenants' channel credentials by name (Twilio auth tokens), cached per container. */
  readonly channelSecrets: SecretReader;
  /** Checks Twilio's webhook signatures (X-Twilio-Signature). */
  readonly twilioSignatures: TwilioSignatures;
  /** Outbound webhooks: subscriptions, their deliveries, the delivery queue, the URL policy. */
  readonly webhooks: WebhookPorts;
}

export function makeUseCases(ports: Ports) {
  return {
    createTicket: makeCreateTicket(ports),
    getTicket: makeGetTicket(ports),
    updateTicket: makeUpdateTicket(ports),
    addComment: makeAddComment(ports),
    getTimeline: makeGetTimeline(ports),
    listTickets: makeListTickets(ports),
    findCustomers: makeFindCustomers(ports),
    getCustomer: makeGetCustomer(ports),
    createAgent: makeCreateAgent(ports),
    getAgent: makeGetAgent(ports),
    listAgents: makeListAgents(ports),
    updateAgent: makeUpdateAgent(ports),
    createGroup: makeCreateGroup(ports),
    getGroup: makeGetGroup(ports),
    getRoutingSettings: makeGetRoutingSettings(ports),
    putRoutingSettings: makePutRoutingSettings(ports),
    updateGroup: makeUpdateGroup(ports),
    listGroups: makeListGroups(ports),
    createCustomField: makeCreateCustomField(ports),
    listCustomFields: makeListCustomFields(ports),
    createTenant: makeCreateTenant(ports),
    createApiKey: makeCreateApiKey(ports),
    listApiKeys: makeListApiKeys(ports),
    revokeApiKey: makeRevokeApiKey(ports),
    createMailbox: makeCreateMailbox(ports),
    listMailboxes: makeListMailboxes(ports),
    removeMailbox: makeRemoveMailbox(ports),
    getEmailSettings: makeGetEmailSettings(ports),
    putEmailSettings: makePutEmailSettings(ports),
    createMacro: makeCreateMacro(ports),
    listMacros: makeListMacros(ports),
    getMacro: makeGetMacro(ports),
    updateMacro: makeUpdateMacro(ports),
    deleteMacro: makeDeleteMacro(ports),
    applyMacro: makeApplyMacro(ports),
    getTriageSettings: makeGetTriageSettings(ports),
    putTriageSettings: makePutTriageSettings(ports),
    ...ruleUseCases(ports),
    ...makeSlaConfigUseCases(ports),
    getCostReport: makeCostReport(ports),
    getReportMetrics: makeGetReportMetrics(ports),
    getSurveyLink: makeGetSurveyLink(ports),
    answerSurvey: makeAnswerSurvey(ports),
    getSurvey: makeGetSurvey(ports),
    exportReport: makeExportReport(ports),
    // Chat channels' messages reach their conversations through the chat intake.
    ...makeChannelUseCases({ ...ports, chat: chatUseCases(ports).chatIntake }),
    addExternalLink: makeAddExternalLink(ports),
    ...chatUseCases(ports),
    receiveTwilioSms: makeReceiveTwilioSms(ports),
    ...makeSubscriptionUseCases(ports),
  };
}

/** Chat conversations: the chat channel's intake (the ChatIntake port) and the agent API. */
function chatUseCases(ports: Ports) {
  const deps = {
    ...ports,
    // The light triage of chat messages matches the tenant's intent keywords (the defaults until it saved some).
    triageKeywords: async (tenantId: string) =>
      (await ports.triageSettings.get(tenantId))?.keywords ?? DEFAULT_TRIAGE_KEYWORDS,
  };
  return { chatIntake: makeChatIntake(deps), ...makeConversationUseCases(deps) };
}

/** Automation rules; a rule's `macro` action must name one of the tenant's macros. */
function ruleUseCases(ports: Ports) {
  const deps = {
    ...ports,
    macroExists: async (tenantId: string, id: string) => (await ports.macros.get(tenantId, id)) !== null,
    // A rule's `notify_webhook` action must name one of the tenant's webhook subscriptions.
    subscriptionExists: async (tenantId: string, id: string) =>
      (await ports.webhooks.subscriptions.get(tenantId, id)) !== null,
  };
  return {
    createRule: makeCreateRule(deps),
    listRules: makeListRules(deps),
    getRule: makeGetRule(deps),
    updateRule: makeUpdateRule(deps),
    deleteRule: makeDeleteRule(deps),
    testRule: makeTestRule(deps),
  };
}

export type UseCases = ReturnType<typeof makeUseCases>;
