import type { PriceTable } from '../cost/price-table.ts';
import type { Ticket } from '../model.ts';
import type {
  AgentStore,
  ApiKeyStore,
  Clock,
  CustomerStore,
  CustomFieldStore,
  EmailSettingsStore,
  GroupStore,
  IdempotencyStore,
  Ids,
  LifecycleSettingsStore,
  MacroStore,
  MailboxStore,
  ReportStore,
  RoutingStore,
  RuleStore,
  ScheduleStore,
  Secrets,
  SlaPolicyStore,
  TenantStore,
  TicketStore,
  TokenSigner,
  TriageSettingsStore,
  UsageStore,
} from '../ports.ts';
import { makeCreateApiKey, makeCreateTenant, makeListApiKeys, makeRevokeApiKey } from './access.ts';
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
import { makeGetReportMetrics } from './reports.ts';
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
import { makeAnswerSurvey, makeGetSurveyLink } from './surveys.ts';
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
  };
}

/** Automation rules; a rule's `macro` action must name one of the tenant's macros. */
function ruleUseCases(ports: Ports) {
  const deps = {
    ...ports,
    macroExists: async (tenantId: string, id: string) => (await ports.macros.get(tenantId, id)) !== null,
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
