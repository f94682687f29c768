import * as z from 'zod/mini';
import * as api from '../contracts/api.ts';
import { MAX_SUBSCRIPTIONS } from '../core/webhooks/subscription.ts';
import { authorizerCacheSeconds, maxBodyBytes, routes } from '../topology.ts';
import { PROBLEMS } from './problem.ts';

interface OperationContract {
  readonly body?: z.ZodMiniType;
  readonly query?: z.ZodMiniObject;
  readonly response?: z.ZodMiniType;
  readonly status: number;
  readonly description?: string;
  /** The request body's media type, when it is not application/json (a provider's form post). */
  readonly bodyMediaType?: string;
  /** A success body that is not JSON (TwiML, an HTML page): its media type, shown as a string. */
  readonly responseMediaType?: string;
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
      'Rules run after every ticket update, in position order, each seeing what the rules before it changed (Zendesk triggers). Fields an agent set by hand are never changed by a rule. A ticket takes at most 20 rule firings per hour: past that its rules stop (a `rules_halted` event) until the hour is over. Bad fields or operators are a 400; undeclared custom fields and unknown groups, agents, macros or webhook subscriptions (`notify_webhook`) a 422.',
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
    description:
      'The settings in effect: what the tenant saved, the defaults for the rest. `csatSurveys` (default true): a satisfaction survey is mailed each time an email ticket is solved.',
  },
  updateLifecycleSettings: {
    body: api.LifecycleSettingsPatchBody,
    response: api.LifecycleSettingsResponse,
    status: 200,
    description:
      'Fields given replace the current ones; null turns the reminder or the auto-solve off; `csatSurveys: false` stops the satisfaction survey mails. The auto-solve must come after the reminder when both are on (422 otherwise). Answers with the settings in effect.',
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
      'The standard support metrics of a period, for the whole tenant, a group, a channel, a group and a channel, or an agent: volume with resolution rate and satisfaction beside it, first reply and full resolution times (median and 90th percentile), SLA compliance per metric and what escalations did. Each field’s definition is in the schema. Figures come from daily counters the metering worker adds from the domain events (seconds behind, at least once: a redelivered batch can count twice, first replies never do); a ticket counts under the group, channel and assignee it had when each event happened. Days are UTC. Times are calendar minutes from histograms with fixed buckets: the true value lies in the same bucket as the estimate. CES (customer effort score) is the survey’s optional effort question, 1 very difficult to 7 very easy: its answers, their mean, and the share of easy ones (5–7). One DynamoDB Query per month of the period. A malformed day is a 400; `from` after `to`, more than 366 days, or `agent` with `group` or `channel` a 422.',
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
      'Public (no API key: the signed token is the credential). Records the requester’s score, 1 to 5, the optional customer effort (`effort`, 1 very difficult to 7 very easy: “How easy was it to get your issue resolved?”) and an optional comment, once per ticket; they count in the CSAT and CES of the day they are given, under the ticket’s group, channel and assignee. JSON in, JSON out: a malformed or expired token is a 400, a token that was not signed by this deployment (or whose ticket is gone) a 404, a second answer for the same ticket a 409. The survey page’s form posts here as `application/x-www-form-urlencoded` (fields `score`, `effort`, `comment`) and gets HTML back: a thank-you page (201), the form again saying what to fix (400), “already answered” (409), or a page saying why the link cannot be used (400, 404).',
  },
  getSurvey: {
    query: api.SurveyPageQuery,
    status: 200,
    responseMediaType: 'text/html',
    description:
      'Public. The page a survey link opens (text/html, self-contained, no script): the ticket’s subject and a form with the score (preselected from `?score=1…5`, what each link of the survey mail adds), the customer effort question (1–7) and a comment box, posting to `POST /v1/surveys/{token}`. It only reads: mail scanners open links before people do, so nothing is recorded until the form is sent. A ticket rated already shows “already answered” (200) with its answer; a malformed or expired link a 400 page, an unknown one a 404 page.',
  },
  exportReport: {
    query: api.ReportExportQuery,
    response: api.ReportExportResponse,
    status: 200,
    description:
      "Admin. Writes a CSV (RFC 4180: CRLF, quoted where needed; text cells starting with `=`, `+`, `-` or `@` get a leading `'` so spreadsheets show them as text) to `exports/{tenant}/{ulid}.csv` in the exports bucket (objects expire after 7 days) and answers with a pre-signed download link valid 15 minutes. `kind=metrics` (default): one row per UTC day × bucket (`breakdown` all, group, channel, group_channel, agent) that has counters, with created, solved, reopened, first replies and their median minutes, resolutions and their median, CSAT responses and score, CES responses, average and easy share, SLA met, breached and compliance, as `GET /v1/reports/metrics` defines them over one day; `group`/`channel` keep their buckets and group × channel cells (agent buckets only without a filter); one DynamoDB Query per month. `kind=tickets`: one row per ticket whose latest activity falls in the range (spam excluded), oldest activity first, from the tenant’s activity view (one Query per 1,000 tickets), at most 50,000 rows (`truncated: true` beyond). Same day rules as the metrics report: a malformed day is a 400; `from` after `to` or more than 366 days a 422.",
  },
  addExternalLink: {
    body: api.AddExternalLinkBody,
    response: api.ExternalLinkResult,
    status: 201,
    description:
      'Links the ticket to an issue or page outside Deskless (what the Jira, Linear and GitHub integrations call after opening an issue; see docs/events.md), recorded as an `external_link_added` timeline event (domain event `ticket.external_link_added`). Idempotent by URL: a URL the ticket already links to is answered 200 with the link as first added, and nothing is written. The URL must be a public https URL (no credentials, no private, loopback or link-local host): 400 otherwise. A ticket holds at most 20 links (422). Closed tickets take links too. Admin, agent and channel keys.',
  },
  listConversations: {
    query: api.ConversationListQuery,
    response: api.ConversationPage,
    status: 200,
    description:
      'Chat conversations of one status (`open` by default), latest message first; one DynamoDB Query per page. A chat channel’s messages stay a conversation (no ticket) until an agent, the channel’s conditions, its message count or its minutes escalate it.',
  },
  getConversation: {
    query: api.ConversationMessagesQuery,
    response: api.ConversationWithMessagesResponse,
    status: 200,
    description:
      'The conversation and a page of its messages, oldest first: `limit` (default 50, at most 200) messages, then `nextCursor` for the next page (null on the last); one DynamoDB Query per page.',
  },
  replyToConversation: {
    body: api.ConversationReplyBody,
    response: api.ConversationReplyResponse,
    status: 201,
    description:
      'An agent’s reply. It reaches the customer as a `conversation.message_added` domain event (author type `agent`), which a webhook subscription delivers to the chat provider. A resolved conversation stays resolved; an escalated one is a 409 (reply on its ticket).',
  },
  conversationAction: {
    body: api.ConversationActionBody,
    response: api.ConversationActionResponse,
    status: 200,
    description:
      'Called as `POST /v1/conversations/{id}:resolve` or `POST /v1/conversations/{id}:escalate` (any other suffix is a 404); the body is optional. `:resolve` ends the conversation without a ticket (its minutes timer is cleared; the customer writing again reopens it); resolving an escalated one is a 409. `:escalate` turns it into a ticket — channel `chat`, the customer as requester, the first message as subject, the transcript as the first comment, the chat channel’s group and tags — and answers 201 with it; a conversation escalated before answers 200 with the same ticket.',
  },
  createChannel: {
    body: api.CreateChannelBody,
    response: api.ChannelWithSecretResponse,
    status: 201,
    description:
      'Declares an inbound channel: a generic signed `webhook`, `sms_twilio` (Twilio Messaging; `twilio` settings required), `chat` or `web_form`. Settings of another type are a 422, an unknown group a 422. The answer carries the channel’s public `url` (absolute, from the address this request reached) and its Standard Webhooks `secret` (`whsec_…`), shown only here and on rotation.',
  },
  listChannels: { response: api.ChannelList, status: 200, description: 'Oldest first; no secrets.' },
  getChannel: { response: api.ChannelResponse, status: 200 },
  updateChannel: {
    body: api.UpdateChannelBody,
    response: api.ChannelResponse,
    status: 200,
    description:
      'Name, group, tags, and the settings of the channel’s own type (replaced whole). The type never changes.',
  },
  deleteChannel: {
    status: 204,
    description: 'Its URL answers 404 from now on; its tickets stay.',
  },
  rotateChannelSecret: {
    response: api.ChannelWithSecretResponse,
    status: 200,
    description:
      'Called as `POST /v1/channels/{id}:rotate-secret`. Makes a new secret, shown once in `secret`; the previous one keeps verifying for 24 hours (so senders can switch over without losing messages), then expires.',
  },
  receiveChannelMessage: {
    body: api.ChannelMessageBody,
    response: api.ChannelOrChatMessageAccepted,
    status: 202,
    description:
      'Public: a `webhook` channel’s sender posts each message here, signed with Standard Webhooks headers (`webhook-id`, `webhook-timestamp` in Unix seconds within 5 minutes of now, `webhook-signature` = `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{raw body}` with the channel secret; any live secret, including one rotated out less than 24 hours ago). Messages with the same `conversationId` thread onto one ticket; after it is closed, the next opens a follow-up. The requester is found or created by email or phone. Answered only once stored; the same `webhook-id` again creates nothing and answers with the same ticket (`duplicate`). Unknown channel 404; missing or bad signature, stale or future timestamp 401 (`invalid-signature`, saying which); malformed body 400; a channel of another type 409 naming its URL. A `chat` channel takes the same signed messages into chat conversations instead (answer: `ChatMessageAccepted`): no ticket until the conversation is escalated (by an agent, the channel’s `escalateWhen`, `escalateAfterMessages` or `escalateAfterMinutes`); after that, messages are comments on its ticket. Linked files of chat messages are not fetched: their links are kept in the message text.',
  },
  getWebForm: {
    status: 200,
    description:
      'Public. A self-contained, accessible HTML contact form (text/html) posting to the same URL, to link to directly. 404 when the id is not a web_form channel.',
  },
  submitWebForm: {
    body: api.WebFormBody,
    response: api.WebFormAccepted,
    status: 202,
    description:
      'Public. `application/x-www-form-urlencoded` (a browser posting the form, answered with a thank-you page) or JSON. Each submission is a new ticket (channel `web_form`). `website` is a honeypot: filled in, the answer is the same 202 and nothing is stored. Each client IP address may submit the channel’s `webForm.perIpPerHour` (default 10) per hour: over that, 429 (`rate-limited`) with `Retry-After`.',
  },
  createSubscription: {
    body: api.CreateSubscriptionBody,
    response: api.CreatedSubscriptionResponse,
    status: 201,
    description: `Subscribes an endpoint to domain events: each one it takes is delivered once per subscription, within seconds (a new or changed subscription takes effect within 5 s). The signing secret is in this answer only. A URL the outbound policy refuses, or an unknown event type, is a 400 naming the field; more than ${MAX_SUBSCRIPTIONS} subscriptions a 422. ${api.WEBHOOK_DELIVERY_DOC}`,
  },
  listSubscriptions: { response: api.SubscriptionList, status: 200 },
  getSubscription: {
    response: api.SubscriptionResponse,
    status: 200,
    description: 'Never shows the secret. `circuit` is the endpoint’s circuit breaker as deliveries left it.',
  },
  updateSubscription: {
    body: api.UpdateSubscriptionBody,
    response: api.SubscriptionResponse,
    status: 200,
    description:
      'Changes the fields given. `enabled: false` stops deliveries at once (those still waiting fail with that reason). A new URL starts with a closed circuit. Send `If-Match: "<version>"` to change only the version you read (412 otherwise).',
  },
  deleteSubscription: {
    status: 204,
    description: 'Deliveries still waiting are given up; the delivery log expires with its deliveries.',
  },
  rotateSubscriptionSecret: {
    response: api.CreatedSubscriptionResponse,
    status: 200,
    description:
      'Called as `POST /v1/subscriptions/{id}:rotate-secret` (any other suffix is a 404). A new secret, shown in this answer only; for 24 hours deliveries carry a signature with the previous secret too, so the receiver can switch over without rejecting any.',
  },
  listDeliveries: {
    query: api.PageQuery,
    response: api.DeliveryPage,
    status: 200,
    description:
      'Newest first, each with its payload and every attempt (status code, duration, error). Deliveries are kept 30 days.',
  },
  redeliverDelivery: {
    response: api.DeliveryResponse,
    status: 202,
    description:
      'Called as `POST /v1/subscriptions/{id}/deliveries/{deliveryId}:redeliver`. Sends the same payload with the same `webhook-id` again, as a new round of attempts (retries and circuit breaker as for the first). A delivery still being attempted, or a disabled subscription, is a 409.',
  },
  receiveTwilioSms: {
    body: api.TwilioMessageForm,
    bodyMediaType: 'application/x-www-form-urlencoded',
    responseMediaType: 'text/xml',
    status: 200,
    description:
      'Public: set it as the Messaging webhook (HTTP POST) of the Twilio number of an `sms_twilio` channel; it is the channel’s `url`. Twilio signs each request: `X-Twilio-Signature` must be base64 HMAC-SHA1, with the account’s auth token (read from the channel’s `authTokenSecret`, a Secrets Manager secret named `deskless/twilio/<tenant>/…`), of this URL as Twilio called it followed by every POST parameter name and value sorted by name; a missing or wrong signature is a 403. Messages from the same number (`From`, E.164) thread onto the conversation’s open ticket (channel `sms`, the sender found or created as requester by phone); after it is closed the next one opens a follow-up. `MessageSid` is the replay key, stored in the ticket’s transaction: Twilio retrying a message stores nothing twice. MMS media (`MediaUrl{n}`) are kept as attachments within the channels’ limits (one that cannot be kept is listed in an internal note). Answered 200 with empty TwiML (`<Response></Response>`: no automatic reply) only once the message is stored. Unknown channel 404; a channel of another type, or an auth token secret that cannot be read, 409; a body that is not a Twilio message 400. Public replies by agents go back by SMS from the channel’s `fromNumber`.',
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
        ...(!contract.response &&
          contract.responseMediaType && {
            content: { [contract.responseMediaType]: { schema: { type: 'string' } } },
          }),
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
        requestBody: {
          required: true,
          content: { [contract.bodyMediaType ?? 'application/json']: { schema: ref(contract.body) } },
        },
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
