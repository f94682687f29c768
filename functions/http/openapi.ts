import * as z from 'zod/mini';
import * as api from '../contracts/api.ts';
import { authorizerCacheSeconds, maxBodyBytes, routes } from '../topology.ts';
import { PROBLEMS } from './problem.ts';

interface OperationContract {
  readonly body?: z.ZodMiniType;
  readonly query?: z.ZodMiniObject;
  readonly response?: z.ZodMiniType;
  readonly status: number;
  readonly description?: string;
}

const schemaName = (schema: z.ZodMiniType) => api.apiRegistry.get(schema)?.id;

/** Each operation's request and response, by operationId (routes come from the topology). */
const CONTRACTS: Record<string, OperationContract> = {
  health: { response: api.HealthResponse, status: 200 },
  docs: { status: 200, description: 'An HTML page rendering this document.' },
  openapi: { status: 200, description: 'This document.' },
  createTenant: {
    body: api.CreateTenantBody,
    response: api.CreatedTenantResponse,
    status: 201,
    description: 'Operator key only. Creates a tenant and its first admin key; the secret is shown once.',
  },
  createApiKey: { body: api.CreateApiKeyBody, response: api.CreatedApiKeyResponse, status: 201 },
  listApiKeys: { query: api.PageQuery, response: api.ApiKeyPage, status: 200 },
  revokeApiKey: {
    response: api.ApiKeyResponse,
    status: 200,
    description: `Revoked keys stop working within ${authorizerCacheSeconds} s (the authorizer cache).`,
  },
  createTicket: {
    body: api.CreateTicketBody,
    response: api.TicketResponse,
    status: 201,
    description:
      'Honours `Idempotency-Key`: the same key with the same body replays the first response (header `Idempotent-Replayed: true`); the same key with another body is a 422. Keys are remembered for 24 hours.',
  },
  listTickets: {
    query: api.ListTicketsQuery,
    response: api.TicketPage,
    status: 200,
    description:
      'Newest activity first. With `group` or `assignee` and no `status`, tickets come by status (new, open, pending, on hold, solved, closed), newest first within each. One DynamoDB Query per page; a page may hold fewer than `limit` items while `nextCursor` is not null.',
  },
  getTicket: { response: api.TicketResponse, status: 200 },
  updateTicket: {
    body: api.UpdateTicketBody,
    response: api.TicketResponse,
    status: 200,
    description:
      'Send `If-Match: "<version>"` to change only the version you read (412 otherwise). Without it, a change racing with others is retried on the newest version, and 409 when it still loses.',
  },
  addComment: {
    body: api.AddCommentBody,
    response: api.CommentResponse,
    status: 201,
    description:
      'A customer’s public comment reopens a pending, on-hold or solved ticket; on a closed ticket it opens a linked follow-up ticket instead (`followUpOf`).',
  },
  getTimeline: {
    query: api.PageQuery,
    response: api.TimelinePage,
    status: 200,
    description: 'Oldest first.',
  },
  findCustomers: { query: api.CustomerQuery, response: api.CustomerPage, status: 200 },
  getCustomer: { query: api.PageQuery, response: api.CustomerWithTickets, status: 200 },
  createAgent: { body: api.CreateAgentBody, response: api.AgentResponse, status: 201 },
  listAgents: { query: api.PageQuery, response: api.AgentPage, status: 200 },
  getAgent: { response: api.AgentResponse, status: 200 },
  updateAgent: { body: api.UpdateAgentBody, response: api.AgentResponse, status: 200 },
  createGroup: { body: api.CreateGroupBody, response: api.GroupResponse, status: 201 },
  listGroups: { query: api.PageQuery, response: api.GroupPage, status: 200 },
  getGroup: { response: api.GroupResponse, status: 200 },
  updateGroup: { body: api.UpdateGroupBody, response: api.GroupResponse, status: 200 },
  createCustomField: { body: api.CreateCustomFieldBody, response: api.CustomFieldResponse, status: 201 },
  listCustomFields: { response: api.CustomFieldList, status: 200 },
  createMailbox: {
    body: api.CreateMailboxBody,
    response: api.MailboxResponse,
    status: 201,
    description:
      'Mail to this address (and its +tags) becomes tickets of this tenant. An address belongs to one tenant; the domain must be one SES receives for (see the README).',
  },
  listMailboxes: { response: api.MailboxList, status: 200 },
  removeMailbox: { status: 204, description: 'Mail to the address is dropped from now on (logged).' },
  getEmailSettings: { response: api.EmailSettingsBody, status: 200 },
  getRoutingSettings: { response: api.RoutingSettingsBody, status: 200 },
  putRoutingSettings: { body: api.RoutingSettingsBody, response: api.RoutingSettingsBody, status: 200 },
  putEmailSettings: {
    body: api.EmailSettingsBody,
    response: api.EmailSettingsBody,
    status: 200,
    description:
      'The acknowledgement sent to the requester of a new email ticket (never to automatic mail). Replies carry Auto-Submitted: auto-replied.',
  },
  getTriageSettings: {
    response: api.TriageSettingsResponse,
    status: 200,
    description:
      'The keywords per intent that triage matches (the default multilingual set until the tenant saves its own) and a summary of its trained model.',
  },
  putTriageSettings: {
    body: api.TriageSettingsBody,
    response: api.TriageSettingsResponse,
    status: 200,
    description:
      'Replaces the keywords. With `examples`, trains a naive Bayes model from them (features seen rarely are pruned when the model would not fit the settings item); `examples: []` removes the model; without `examples` the model is kept.',
  },
  createRule: {
    body: api.RuleBody,
    response: api.RuleResponse,
    status: 201,
    description:
      'Rules run after every ticket update, in position order, each seeing what the rules before it changed (Zendesk triggers). Fields an agent set by hand are never changed by a rule. A ticket takes at most 20 rule firings per hour: past that its rules stop (a `rules_halted` event) until the hour is over. Bad fields or operators are a 400; undeclared custom fields and unknown groups, agents or macros a 422.',
  },
  listRules: { response: api.RuleList, status: 200 },
  getRule: { response: api.RuleResponse, status: 200 },
  updateRule: {
    body: api.RuleBody,
    response: api.RuleResponse,
    status: 200,
    description:
      'Replaces the rule whole (without `position` it keeps its place). Send `If-Match: "<version>"` to replace only the version you read (412 otherwise).',
  },
  deleteRule: { status: 204 },
  testRule: {
    body: api.TestRuleBody,
    response: api.RuleTestResponse,
    status: 200,
    description:
      'Called as `POST /v1/rules/{id}:test` (any other suffix is a 404). Whether the rule matches the ticket now, each condition with the value it read, and what its actions would change; inactive rules can be tried too. Nothing is written: the ticket keeps its version.',
  },
  createMacro: {
    body: api.MacroBody,
    response: api.MacroResponse,
    status: 201,
    description:
      'A canned reply (public, or an internal note) and field changes, applied to a ticket together. Unknown placeholders and bad fields are a 400; undeclared custom fields and unknown groups or agents a 422. At most 500 macros per tenant.',
  },
  listMacros: { query: api.MacroListQuery, response: api.MacroList, status: 200, description: 'By name.' },
  getMacro: { response: api.MacroResponse, status: 200 },
  updateMacro: {
    body: api.MacroBody,
    response: api.MacroResponse,
    status: 200,
    description:
      'Replaces the macro whole. Send `If-Match: "<version>"` to replace only the version you read (412 otherwise).',
  },
  deleteMacro: { status: 204 },
  applyMacro: {
    response: api.AppliedMacroResponse,
    status: 200,
    description:
      'Called as `POST /v1/tickets/{number}/macros/{id}:apply` (`{macroAction}` is `<macro id>:apply`; any other suffix is a 404). The field changes, then the reply rendered against the changed ticket, then a `macro_applied` event, all in one change: the ticket takes one version step. Fields the macro changes count as set by hand by the agent. An inactive macro is a 409, a closed ticket a 422. Honours `If-Match` as PATCH does; the response carries the ticket’s ETag.',
  },
  createSchedule: {
    body: api.ScheduleBody,
    response: api.ScheduleResponse,
    status: 201,
    description:
      'Business hours in a time zone: open intervals per weekday and closed holidays. SLA policies run their clocks on one. Bad types are a 400; an unknown time zone, a malformed time or date, an interval ending before it starts or overlapping another, or no interval at all a 422 naming the field (`weekly[2].end`). At most 100 schedules per tenant.',
  },
  listSchedules: { response: api.ScheduleList, status: 200 },
  getSchedule: { response: api.ScheduleResponse, status: 200 },
  updateSchedule: {
    body: api.ScheduleBody,
    response: api.ScheduleResponse,
    status: 200,
    description:
      'Replaces the schedule whole. Send `If-Match: "<version>"` to replace only the version you read (412 otherwise).',
  },
  deleteSchedule: {
    status: 204,
    description: 'A schedule an SLA policy runs on cannot be deleted: 409, naming the policies.',
  },
  createSlaPolicy: {
    body: api.SlaPolicyBody,
    response: api.SlaPolicyResponse,
    status: 201,
    description:
      'Targets per ticket priority (Zendesk’s metrics), on calendar hours or a business-hours schedule. The first policy by position whose conditions match a ticket applies. At a breach, the escalation raises the priority (never lowers it), moves the group and adds tags, leaving fields an agent set by hand. Bad fields, operators or targets are a 400; an unknown schedule or escalation group a 422. At most 200 policies per tenant.',
  },
  listSlaPolicies: { response: api.SlaPolicyList, status: 200 },
  getSlaPolicy: { response: api.SlaPolicyResponse, status: 200 },
  updateSlaPolicy: {
    body: api.SlaPolicyBody,
    response: api.SlaPolicyResponse,
    status: 200,
    description:
      'Replaces the policy whole (without `position` it keeps its place; without `schedule` it runs on calendar hours). Send `If-Match: "<version>"` to replace only the version you read (412 otherwise).',
  },
  deleteSlaPolicy: { status: 204 },
  getLifecycleSettings: {
    response: api.LifecycleSettingsResponse,
    status: 200,
    description: 'The settings in effect: what the tenant saved, the defaults for the rest.',
  },
  updateLifecycleSettings: {
    body: api.LifecycleSettingsPatchBody,
    response: api.LifecycleSettingsResponse,
    status: 200,
    description:
      'Fields given replace the current ones; null turns the reminder or the auto-solve off. The auto-solve must come after the reminder when both are on (422 otherwise). Answers with the settings in effect.',
  },
  getCostReport: {
    query: api.CostReportQuery,
    response: api.CostReportResponse,
    status: 200,
    description:
      'Finance’s pay-per-use report: the tenant’s usage counters from `from` to `to` (both required, UTC days, both included, at most 366 days), summed per meter and priced with the deployment’s price table (list prices, or the JSON overrides of the `DESKLESS_PRICE_OVERRIDES` environment variable, validated at cold start; `priceTable` names the version). `total` is the tenant’s usage cost only; `fixedMonthly` is the deployment’s fixed monthly cost, prorated to the range (days / 30), shown whole and not included in `total`, since every tenant shares it. `costPerTicket` divides `total` by the tickets created in the range. `measured` lists the meters the counters hold: meters not listed (e.g. storage) have no line item. An admin key reads its own tenant (naming another is a 403); the operator key reads any tenant named by `tenant` (required). Malformed days, `to` before `from` or a longer range are a 400 naming the parameter.',
  },
  getReportMetrics: {
    query: api.ReportMetricsQuery,
    response: api.MetricsReportResponse,
    status: 200,
    description:
      'The standard support metrics of a period, for the whole tenant, a group, a channel, a group and a channel, or an agent: volume with resolution rate and satisfaction beside it, first reply and full resolution times (median and 90th percentile), SLA compliance per metric and what escalations did. Each field’s definition is in the schema. Figures come from daily counters the metering worker adds from the domain events (seconds behind, at least once: a redelivered batch can count twice, first replies never do); a ticket counts under the group, channel and assignee it had when each event happened. Days are UTC. Times are calendar minutes from histograms with fixed buckets: the true value lies in the same bucket as the estimate. One DynamoDB Query per month of the period. A malformed day is a 400; `from` after `to`, more than 366 days, or `agent` with `group` or `channel` a 422.',
  },
  getSurveyLink: {
    response: api.SurveyLinkResponse,
    status: 200,
    description:
      'A one-click satisfaction survey link for a solved (or closed) ticket, to send to the requester: it carries a signed token (tenant, ticket, expiry; HMAC-SHA256 with the deployment secret) and works for 30 days. Asking again makes a new link; the ticket is still rated once. A ticket that is not solved is a 409.',
  },
  answerSurvey: {
    body: api.SurveyAnswerBody,
    response: api.SurveyAnswerResponse,
    status: 201,
    description:
      'Public (no API key: the signed token is the credential). Records the requester’s score, 1 to 5, and an optional comment, once per ticket; it counts in the CSAT of the day it is given, under the ticket’s group, channel and assignee. A malformed or expired token is a 400, a token that was not signed by this deployment (or whose ticket is gone) a 404, a second answer for the same ticket a 409.',
  },
};

const ref = (schema: z.ZodMiniType) => ({ $ref: `#/components/schemas/${schemaName(schema)}` });
const problemContent = { 'application/problem+json': { schema: ref(api.ProblemResponse) } };

function componentSchemas(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(api.apiRegistry, {
    uri: (id) => `#/components/schemas/${id}`,
    io: 'input',
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
      return [name, rest];
    }),
  );
}

function queryParameters(query: z.ZodMiniObject) {
  const schema = z.toJSONSchema(query, { io: 'input' }) as { properties?: Record<string, unknown> };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: false,
    schema: property,
  }));
}

function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: name === 'number' ? { type: 'integer', minimum: 1 } : { type: 'string' },
  }));
}

/** The OpenAPI 3.1 document of the whole API, generated from the topology's routes and the zod contracts. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const contract = CONTRACTS[route.operationId];
    if (!contract) throw new Error(`no contract for ${route.operationId}`);
    const responses: Record<string, unknown> = {
      [contract.status]: {
        description: contract.description ?? route.summary,
        ...(contract.response && { content: { 'application/json': { schema: ref(contract.response) } } }),
      },
      '400': { description: 'Invalid request', content: problemContent },
    };
    if (route.roles.length > 0) {
      responses['401'] = {
        description: 'Missing API key (API Gateway answers `{"message":"Unauthorized"}`)',
      };
      responses['403'] = {
        description: 'Unknown or revoked key, or a role this route does not allow',
        content: problemContent,
      };
    }
    if (route.path.includes('{')) responses['404'] = { description: 'Not found', content: problemContent };
    if (contract.body) {
      responses['413'] = {
        description: `Body larger than ${maxBodyBytes / 1024} KB`,
        content: problemContent,
      };
      responses['422'] = { description: 'The request breaks a business rule', content: problemContent };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(contract.description && { description: contract.description }),
      tags: [route.tag],
      security: route.roles.length > 0 ? [{ apiKey: [] }] : [],
      'x-deskless-roles': route.roles,
      parameters: [...pathParameters(route.path), ...(contract.query ? queryParameters(contract.query) : [])],
      ...(contract.body && {
        requestBody: { required: true, content: { 'application/json': { schema: ref(contract.body) } } },
      }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Deskless API',
      version,
      description:
        'Tickets, customers, agents and groups of one tenant, reached with that tenant’s API key. Errors are RFC 9457 problem+json; their `type` values are listed under `x-problem-types`.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Deskless API key' } },
      schemas: componentSchemas(),
    },
    'x-problem-types': Object.entries(PROBLEMS).map(([type, { status, title }]) => ({
      type: `/docs#problem-${type}`,
      status,
      title,
    })),
  };
}
