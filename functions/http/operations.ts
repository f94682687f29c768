import { createHash } from 'node:crypto';
import {
  AddCommentBody,
  AddExternalLinkBody,
  CostReportQuery,
  CreateAgentBody,
  CreateApiKeyBody,
  CreateCustomFieldBody,
  CreateGroupBody,
  CreateMailboxBody,
  CreateSubscriptionBody,
  CreateTenantBody,
  CreateTicketBody,
  CustomerQuery,
  DeliveryActionParam,
  EmailSettingsBody,
  IdParam,
  LifecycleSettingsPatchBody,
  ListTicketsQuery,
  MacroActionParam,
  MacroBody,
  MacroListQuery,
  MailboxParam,
  PageQuery,
  ReportMetricsQuery,
  RoutingSettingsBody,
  RuleActionParam,
  RuleBody,
  ScheduleBody,
  SlaPolicyBody,
  SubscriptionActionParam,
  slaPolicyInput,
  slaPolicyJson,
  TestRuleBody,
  TicketNumberParam,
  TriageSettingsBody,
  UpdateAgentBody,
  UpdateGroupBody,
  UpdateSubscriptionBody,
  UpdateTicketBody,
} from '../contracts/api.ts';
import type { Caller } from '../core/caller.ts';
import type { Ticket } from '../core/model.ts';
import type { UseCases } from '../core/use-cases/index.ts';
import { makeChannelOperations } from './channel-operations.ts';
import { makeConversationOperations } from './conversation-operations.ts';
import { docsPage } from './docs-page.ts';
import { openApiDocument } from './openapi.ts';
import { makeReportingOperations } from './reporting-operations.ts';
import { eventJson, pageJson, withoutTenant } from './represent.ts';
import { type ApiResult, HttpProblem, type HttpRequest, json } from './request.ts';
import type { RouterLogger } from './router.ts';
import { makeReceiveTwilioSmsOperation } from './twilio.ts';
import { badInputAs400, deliveryJson, subscriptionJson } from './webhook-json.ts';

export type Operation = (request: HttpRequest) => Promise<ApiResult>;

/** JSON with sorted keys, so two bodies that mean the same hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function idempotencyOf(request: HttpRequest, body: unknown) {
  const key = request.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new HttpProblem('invalid-request', 'Idempotency-Key must be 1–255 visible ASCII characters', [
      { path: 'Idempotency-Key', message: 'must be 1–255 visible ASCII characters' },
    ]);
  }
  return { key, requestHash: createHash('sha256').update(canonical(body)).digest('hex') };
}

/** `If-Match: 3`, `"3"` or `W/"3"`: the ticket version the change was made against. */
function ifMatchOf(request: HttpRequest): number | undefined {
  const raw = request.header('if-match');
  if (raw === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(raw);
  if (!match) {
    throw new HttpProblem('invalid-request', 'If-Match must be a ticket version, e.g. "3"', [
      { path: 'If-Match', message: 'must be a ticket version' },
    ]);
  }
  return Number(match[1]);
}

const ticketHeaders = (ticket: Ticket) => ({ etag: `"${ticket.version}"` });

export function makeOperations(
  useCases: UseCases,
  info: { version: string; logger?: Pick<RouterLogger, 'warn'> | undefined },
): Record<string, Operation> {
  const tenant = (request: HttpRequest): Caller => request.tenant();
  let openapi: string | undefined;

  return {
    // Channels (admin CRUD and the public webhook and web form routes) live in their own module.
    ...makeChannelOperations(useCases, info.logger),
    ...makeConversationOperations(useCases),

    health: async () => json(200, { status: 'ok', version: info.version }),

    openapi: async () => {
      openapi ??= JSON.stringify(openApiDocument(info.version));
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: openapi };
    },

    docs: async () => ({
      statusCode: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: docsPage(),
    }),

    createTenant: async (request) => {
      const body = request.json(CreateTenantBody);
      const { tenant: created, apiKey } = await useCases.createTenant(body);
      return json(201, {
        tenant: created,
        apiKey: { ...withoutTenant(apiKey.key), secret: apiKey.secret },
      });
    },

    createApiKey: async (request) => {
      const { key, secret } = await useCases.createApiKey(tenant(request), request.json(CreateApiKeyBody));
      return json(201, { ...withoutTenant(key), secret });
    },

    listApiKeys: async (request) =>
      json(
        200,
        pageJson(await useCases.listApiKeys(tenant(request), request.query(PageQuery)), withoutTenant),
      ),

    revokeApiKey: async (request) => {
      const { id } = request.params(IdParam);
      return json(200, withoutTenant(await useCases.revokeApiKey(tenant(request), id)));
    },

    createTicket: async (request) => {
      const body = request.json(CreateTicketBody);
      const { ticket, replayed } = await useCases.createTicket(tenant(request), body, {
        idempotency: idempotencyOf(request, body),
      });
      return json(201, withoutTenant(ticket), {
        location: `/v1/tickets/${ticket.number}`,
        ...ticketHeaders(ticket),
        ...(replayed && { 'idempotent-replayed': 'true' }),
      });
    },

    getTicket: async (request) => {
      const { number } = request.params(TicketNumberParam);
      const ticket = await useCases.getTicket(tenant(request), number);
      return json(200, withoutTenant(ticket), ticketHeaders(ticket));
    },

    updateTicket: async (request) => {
      const { number } = request.params(TicketNumberParam);
      const ifMatch = ifMatchOf(request);
      const ticket = await useCases.updateTicket(
        tenant(request),
        number,
        request.json(UpdateTicketBody),
        ifMatch,
      );
      return json(200, withoutTenant(ticket), ticketHeaders(ticket));
    },

    addComment: async (request) => {
      const { number } = request.params(TicketNumberParam);
      const result = await useCases.addComment(tenant(request), number, request.json(AddCommentBody));
      return json(
        201,
        {
          ticket: withoutTenant(result.ticket),
          comment: eventJson(result.comment),
          followUpOf: result.followUpOf,
        },
        { location: `/v1/tickets/${result.ticket.number}`, ...ticketHeaders(result.ticket) },
      );
    },

    getTimeline: async (request) => {
      const { number } = request.params(TicketNumberParam);
      const page = await useCases.getTimeline(tenant(request), number, request.query(PageQuery));
      return json(200, pageJson(page, eventJson));
    },

    listTickets: async (request) => {
      const { limit, cursor, ...filter } = request.query(ListTicketsQuery);
      return json(
        200,
        pageJson(await useCases.listTickets(tenant(request), filter, { limit, cursor }), withoutTenant),
      );
    },

    findCustomers: async (request) =>
      json(
        200,
        pageJson(await useCases.findCustomers(tenant(request), request.query(CustomerQuery)), withoutTenant),
      ),

    getCustomer: async (request) => {
      const { id } = request.params(IdParam);
      const { customer, tickets } = await useCases.getCustomer(tenant(request), id, request.query(PageQuery));
      return json(200, { customer: withoutTenant(customer), tickets: pageJson(tickets, withoutTenant) });
    },

    createAgent: async (request) =>
      json(201, withoutTenant(await useCases.createAgent(tenant(request), request.json(CreateAgentBody)))),

    listAgents: async (request) =>
      json(
        200,
        pageJson(await useCases.listAgents(tenant(request), request.query(PageQuery)), withoutTenant),
      ),

    getAgent: async (request) => {
      const { id } = request.params(IdParam);
      return json(200, withoutTenant(await useCases.getAgent(tenant(request), id)));
    },

    updateAgent: async (request) => {
      const { id } = request.params(IdParam);
      return json(
        200,
        withoutTenant(await useCases.updateAgent(tenant(request), id, request.json(UpdateAgentBody))),
      );
    },

    createGroup: async (request) =>
      json(201, withoutTenant(await useCases.createGroup(tenant(request), request.json(CreateGroupBody)))),

    listGroups: async (request) =>
      json(
        200,
        pageJson(await useCases.listGroups(tenant(request), request.query(PageQuery)), withoutTenant),
      ),

    getGroup: async (request) => {
      const { id } = request.params(IdParam);
      return json(200, withoutTenant(await useCases.getGroup(tenant(request), id)));
    },

    updateGroup: async (request) => {
      const { id } = request.params(IdParam);
      const patch = request.json(UpdateGroupBody);
      return json(200, withoutTenant(await useCases.updateGroup(tenant(request), id, patch)));
    },

    createCustomField: async (request) =>
      json(201, await useCases.createCustomField(tenant(request), request.json(CreateCustomFieldBody))),

    createMailbox: async (request) => {
      const { address } = request.json(CreateMailboxBody);
      return json(201, await useCases.createMailbox(tenant(request), address));
    },

    listMailboxes: async (request) => json(200, { items: await useCases.listMailboxes(tenant(request)) }),

    removeMailbox: async (request) => {
      const { address } = request.params(MailboxParam);
      // API Gateway has percent-decoded the path parameter already.
      await useCases.removeMailbox(tenant(request), address);
      return { statusCode: 204 };
    },

    getEmailSettings: async (request) => json(200, await useCases.getEmailSettings(tenant(request))),

    putEmailSettings: async (request) =>
      json(200, await useCases.putEmailSettings(tenant(request), request.json(EmailSettingsBody))),

    getRoutingSettings: async (request) => json(200, await useCases.getRoutingSettings(tenant(request))),

    putRoutingSettings: async (request) =>
      json(200, await useCases.putRoutingSettings(tenant(request), request.json(RoutingSettingsBody))),

    getTriageSettings: async (request) => json(200, await useCases.getTriageSettings(tenant(request))),

    putTriageSettings: async (request) =>
      json(200, await useCases.putTriageSettings(tenant(request), request.json(TriageSettingsBody))),

    listCustomFields: async (request) =>
      json(200, { items: await useCases.listCustomFields(tenant(request)) }),

    createRule: async (request) => {
      const rule = await useCases.createRule(tenant(request), request.json(RuleBody));
      return json(201, withoutTenant(rule), { location: `/v1/rules/${rule.id}`, etag: `"${rule.version}"` });
    },

    listRules: async (request) =>
      json(200, { items: (await useCases.listRules(tenant(request))).map(withoutTenant) }),

    getRule: async (request) => {
      const { id } = request.params(IdParam);
      const rule = await useCases.getRule(tenant(request), id);
      return json(200, withoutTenant(rule), { etag: `"${rule.version}"` });
    },

    updateRule: async (request) => {
      const { id } = request.params(IdParam);
      const ifMatch = ifMatchOf(request);
      const rule = await useCases.updateRule(tenant(request), id, request.json(RuleBody), ifMatch);
      return json(200, withoutTenant(rule), { etag: `"${rule.version}"` });
    },

    deleteRule: async (request) => {
      const { id } = request.params(IdParam);
      await useCases.deleteRule(tenant(request), id);
      return { statusCode: 204 };
    },

    testRule: async (request) => {
      // The route is `POST /v1/rules/{id}`; the only action on a rule is `<id>:test`.
      const { id: segment } = request.params(RuleActionParam);
      const match = /^([A-Za-z0-9_-]{1,100}):test$/.exec(segment);
      if (!match) {
        throw new HttpProblem(
          'not-found',
          `POST /v1/rules/${segment} is no action; a dry run is POST /v1/rules/{id}:test`,
        );
      }
      return json(200, await useCases.testRule(tenant(request), match[1]!, request.json(TestRuleBody)));
    },

    createMacro: async (request) => {
      const macro = await useCases.createMacro(tenant(request), request.json(MacroBody));
      return json(201, withoutTenant(macro), {
        location: `/v1/macros/${macro.id}`,
        etag: `"${macro.version}"`,
      });
    },

    listMacros: async (request) => {
      const macros = await useCases.listMacros(tenant(request), request.query(MacroListQuery));
      return json(200, { items: macros.map(withoutTenant) });
    },

    getMacro: async (request) => {
      const { id } = request.params(IdParam);
      const macro = await useCases.getMacro(tenant(request), id);
      return json(200, withoutTenant(macro), { etag: `"${macro.version}"` });
    },

    updateMacro: async (request) => {
      const { id } = request.params(IdParam);
      const ifMatch = ifMatchOf(request);
      const macro = await useCases.updateMacro(tenant(request), id, request.json(MacroBody), ifMatch);
      return json(200, withoutTenant(macro), { etag: `"${macro.version}"` });
    },

    deleteMacro: async (request) => {
      const { id } = request.params(IdParam);
      await useCases.deleteMacro(tenant(request), id);
      return { statusCode: 204 };
    },

    applyMacro: async (request) => {
      // The route is `POST /v1/tickets/{number}/macros/{macroAction}`; the only action is `<id>:apply`.
      const { number, macroAction } = request.params(MacroActionParam);
      const match = /^([A-Za-z0-9_-]{1,100}):apply$/.exec(macroAction);
      if (!match) {
        throw new HttpProblem(
          'not-found',
          `POST /v1/tickets/${number}/macros/${macroAction} is no action; apply a macro with POST /v1/tickets/{number}/macros/{id}:apply`,
        );
      }
      const ifMatch = ifMatchOf(request);
      const result = await useCases.applyMacro(tenant(request), number, match[1]!, ifMatch);
      return json(
        200,
        {
          ticket: withoutTenant(result.ticket),
          comment: result.comment && eventJson(result.comment),
        },
        ticketHeaders(result.ticket),
      );
    },

    createSchedule: async (request) => {
      const schedule = await useCases.createSchedule(tenant(request), request.json(ScheduleBody));
      return json(201, withoutTenant(schedule), {
        location: `/v1/schedules/${schedule.id}`,
        etag: `"${schedule.version}"`,
      });
    },

    listSchedules: async (request) =>
      json(200, { items: (await useCases.listSchedules(tenant(request))).map(withoutTenant) }),

    getSchedule: async (request) => {
      const { id } = request.params(IdParam);
      const schedule = await useCases.getSchedule(tenant(request), id);
      return json(200, withoutTenant(schedule), { etag: `"${schedule.version}"` });
    },

    updateSchedule: async (request) => {
      const { id } = request.params(IdParam);
      const ifMatch = ifMatchOf(request);
      const schedule = await useCases.updateSchedule(
        tenant(request),
        id,
        request.json(ScheduleBody),
        ifMatch,
      );
      return json(200, withoutTenant(schedule), { etag: `"${schedule.version}"` });
    },

    deleteSchedule: async (request) => {
      const { id } = request.params(IdParam);
      await useCases.deleteSchedule(tenant(request), id);
      return { statusCode: 204 };
    },

    createSlaPolicy: async (request) => {
      const body = request.json(SlaPolicyBody);
      const policy = await useCases.createSlaPolicy(tenant(request), slaPolicyInput(body));
      return json(201, slaPolicyJson(policy), {
        location: `/v1/sla-policies/${policy.id}`,
        etag: `"${policy.version}"`,
      });
    },

    listSlaPolicies: async (request) =>
      json(200, { items: (await useCases.listSlaPolicies(tenant(request))).map(slaPolicyJson) }),

    getSlaPolicy: async (request) => {
      const { id } = request.params(IdParam);
      const policy = await useCases.getSlaPolicy(tenant(request), id);
      return json(200, slaPolicyJson(policy), { etag: `"${policy.version}"` });
    },

    updateSlaPolicy: async (request) => {
      const { id } = request.params(IdParam);
      const ifMatch = ifMatchOf(request);
      const body = request.json(SlaPolicyBody);
      const policy = await useCases.updateSlaPolicy(tenant(request), id, slaPolicyInput(body), ifMatch);
      return json(200, slaPolicyJson(policy), { etag: `"${policy.version}"` });
    },

    deleteSlaPolicy: async (request) => {
      const { id } = request.params(IdParam);
      await useCases.deleteSlaPolicy(tenant(request), id);
      return { statusCode: 204 };
    },

    getLifecycleSettings: async (request) => json(200, await useCases.getLifecycleSettings(tenant(request))),

    updateLifecycleSettings: async (request) =>
      json(
        200,
        await useCases.updateLifecycleSettings(tenant(request), request.json(LifecycleSettingsPatchBody)),
      ),

    getCostReport: async (request) => {
      const query = request.query(CostReportQuery);
      // Only admin and operator keys pass the router here, and only the operator's comes without a tenant.
      const reader = request.caller ?? 'operator';
      if (reader === 'operator' && query.tenant === undefined) {
        throw new HttpProblem('invalid-request', 'the operator key reports on one tenant: add ?tenant=<id>', [
          { path: 'tenant', message: 'is required with the operator key' },
        ]);
      }
      return json(200, await useCases.getCostReport(reader, query));
    },

    getReportMetrics: async (request) =>
      json(200, await useCases.getReportMetrics(tenant(request), request.query(ReportMetricsQuery))),

    getSurveyLink: async (request) => {
      const { number } = request.params(TicketNumberParam);
      const link = await useCases.getSurveyLink(tenant(request), number);
      // The API's own address, as the caller reached it (API Gateway's domain, or the local server's host).
      const host = request.header('host') ?? request.event.requestContext.domainName;
      const scheme = request.header('x-forwarded-proto') ?? 'https';
      return json(200, { ...link, url: `${scheme}://${host}/v1/surveys/${link.token}` });
    },

    // Surveys (the page, the form and JSON answers) and report exports.
    ...makeReportingOperations(useCases),

    addExternalLink: async (request) => {
      const { number } = request.params(TicketNumberParam);
      const body = request.json(AddExternalLinkBody);
      const result = await useCases.addExternalLink(tenant(request), number, body);
      // 201 for a new link, 200 for a URL the ticket already had: the integration's retries land here.
      return json(
        result.added ? 201 : 200,
        { ticket: withoutTenant(result.ticket), link: result.link },
        { location: `/v1/tickets/${result.ticket.number}`, ...ticketHeaders(result.ticket) },
      );
    },

    receiveTwilioSms: makeReceiveTwilioSmsOperation(useCases, info.logger),

    createSubscription: async (request) => {
      const body = request.json(CreateSubscriptionBody);
      const created = await badInputAs400(() => useCases.createSubscription(tenant(request), body));
      return json(
        201,
        { ...subscriptionJson(created), secret: created.secret },
        {
          location: `/v1/subscriptions/${created.subscription.id}`,
          etag: `"${created.subscription.version}"`,
        },
      );
    },

    listSubscriptions: async (request) =>
      json(200, { items: (await useCases.listSubscriptions(tenant(request))).map(subscriptionJson) }),

    getSubscription: async (request) => {
      const { id } = request.params(IdParam);
      const found = await useCases.getSubscription(tenant(request), id);
      return json(200, subscriptionJson(found), { etag: `"${found.subscription.version}"` });
    },

    updateSubscription: async (request) => {
      const { id } = request.params(IdParam);
      const ifMatch = ifMatchOf(request);
      const patch = request.json(UpdateSubscriptionBody);
      const updated = await badInputAs400(() =>
        useCases.updateSubscription(tenant(request), id, patch, ifMatch),
      );
      return json(200, subscriptionJson(updated), { etag: `"${updated.subscription.version}"` });
    },

    deleteSubscription: async (request) => {
      const { id } = request.params(IdParam);
      await useCases.deleteSubscription(tenant(request), id);
      return { statusCode: 204 };
    },

    rotateSubscriptionSecret: async (request) => {
      // The route is `POST /v1/subscriptions/{id}`; the only action on a subscription is `<id>:rotate-secret`.
      const { id: segment } = request.params(SubscriptionActionParam);
      const match = /^([A-Za-z0-9_-]{1,100}):rotate-secret$/.exec(segment);
      if (!match) {
        throw new HttpProblem(
          'not-found',
          `POST /v1/subscriptions/${segment} is no action; a new secret is POST /v1/subscriptions/{id}:rotate-secret`,
        );
      }
      const rotated = await useCases.rotateSubscriptionSecret(tenant(request), match[1]!);
      return json(
        200,
        { ...subscriptionJson(rotated), secret: rotated.secret },
        { etag: `"${rotated.subscription.version}"` },
      );
    },

    listDeliveries: async (request) => {
      const { id } = request.params(IdParam);
      const page = await useCases.listDeliveries(tenant(request), id, request.query(PageQuery));
      return json(200, pageJson(page, deliveryJson));
    },

    redeliverDelivery: async (request) => {
      // `POST /v1/subscriptions/{id}/deliveries/{deliveryAction}`; the only action is `<deliveryId>:redeliver`.
      const { id, deliveryAction } = request.params(DeliveryActionParam);
      const match = /^([A-Za-z0-9_-]{1,100}):redeliver$/.exec(deliveryAction);
      if (!match) {
        throw new HttpProblem(
          'not-found',
          `POST /v1/subscriptions/${id}/deliveries/${deliveryAction} is no action; redeliver with POST /v1/subscriptions/{id}/deliveries/{deliveryId}:redeliver`,
        );
      }
      return json(202, deliveryJson(await useCases.redeliver(tenant(request), id, match[1]!)));
    },
  };
}
