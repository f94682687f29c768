import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { MAX_ACTIONS } from '../core/actions.ts';
import { LINKED_ATTACHMENT_LIMITS } from '../core/channels/attachments.ts';
import { CHANNEL_TYPES } from '../core/channels/channel.ts';
import { DEFAULT_FORM_PER_IP_PER_HOUR, MAX_CHANNEL_TAGS } from '../core/channels/manage.ts';
import {
  CONVERSATION_STATUSES,
  ESCALATION_TRIGGERS,
  MAX_CHAT_MESSAGE_CHARS,
} from '../core/chat/conversation.ts';
import { CHAT_CONDITION_FIELDS, escalateWhenErrors } from '../core/chat/escalation.ts';
import {
  CONDITION_FIELDS,
  CONDITION_OPERATORS,
  MAX_CONDITIONS,
  MAX_IN_VALUES,
  validateConditions,
} from '../core/conditions.ts';
import {
  MAX_EXTERNAL_LINKS,
  MAX_LINK_EXTERNAL_ID_CHARS,
  MAX_LINK_TITLE_CHARS,
  MAX_LINK_URL_CHARS,
  normalizeLinkUrl,
} from '../core/external-links.ts';
import { LIFECYCLE_LIMITS } from '../core/lifecycle-settings.ts';
import { MAX_MACRO_DESCRIPTION_CHARS, MAX_MACRO_NAME_CHARS, MAX_REPLY_CHARS } from '../core/macros/macro.ts';
import { PLACEHOLDERS, placeholderErrors } from '../core/macros/placeholders.ts';
import {
  AGENT_ROLES,
  AGENT_STATUSES,
  ASSIGNMENT_STRATEGIES,
  AUTHOR_TYPES,
  CHANNELS,
  CUSTOM_FIELD_TYPES,
  EXTERNAL_SYSTEMS,
  PINNABLE_FIELDS,
  PRIORITIES,
  STATUSES,
  TICKET_TYPES,
} from '../core/model.ts';
import { BUCKET_ERROR_NOTE } from '../core/reporting/histogram.ts';
import { MAX_POSITION, MAX_RULE_NAME_CHARS, validateRuleInput } from '../core/rules/rule.ts';
import { ESCALATION_PRIORITIES, MAX_ESCALATION_TAGS } from '../core/sla/escalation.ts';
import {
  MAX_POLICY_NAME,
  MAX_POLICY_POSITION,
  MAX_TARGET_MINUTES,
  SLA_METRICS,
  SLA_TARGET_KEYS,
  type SlaMetricName,
  type SlaPolicyInput,
  type SlaTargets,
  type StoredSlaPolicy,
} from '../core/sla/policy.ts';
import {
  EASY_FROM,
  EFFORT_QUESTION,
  MAX_EFFORT,
  MAX_SCORE,
  MAX_SURVEY_COMMENT_CHARS,
  MIN_EFFORT,
  MIN_SCORE,
  SATISFIED_FROM,
  SURVEY_TTL_DAYS,
} from '../core/surveys.ts';
import { MAX_REPORT_DAYS, reportRangeErrors } from '../core/use-cases/cost-report.ts';
import {
  DEFAULT_REPORT_DAYS,
  EXPORT_LINK_SECONDS,
  MAX_EXPORT_TICKETS,
  MAX_METRICS_DAYS,
} from '../core/use-cases/reports.ts';
import {
  MAX_HOLIDAY_NAME_CHARS,
  MAX_HOLIDAYS,
  MAX_SCHEDULE_NAME_CHARS,
  MAX_WEEKLY_INTERVALS,
} from '../core/use-cases/sla-config.ts';
import {
  MAX_EXAMPLE_BODY_CHARS,
  MAX_EXAMPLE_SUBJECT_CHARS,
  MAX_INTENTS,
  MAX_PHRASE_CHARS,
  MAX_PHRASES_PER_INTENT,
  MAX_TRAINING_EXAMPLES,
} from '../core/use-cases/triage-settings.ts';
import {
  CIRCUIT_BASE_COOLDOWN_SECONDS,
  CIRCUIT_FAILURE_THRESHOLD,
  CIRCUIT_MAX_COOLDOWN_SECONDS,
  CIRCUIT_STATES,
} from '../core/webhooks/circuit.ts';
import {
  DELIVERY_RETENTION_DAYS,
  DELIVERY_STATUSES,
  MAX_ATTEMPTS,
  MAX_LOGGED_ATTEMPTS,
  RETRY_SCHEDULE_SECONDS,
  WEBHOOK_MAX_RESPONSE_BYTES,
  WEBHOOK_TIMEOUT_MS,
} from '../core/webhooks/delivery.ts';
import {
  ALL_EVENTS,
  MAX_SUBSCRIBED_EVENTS,
  MAX_SUBSCRIPTION_DESCRIPTION_CHARS,
  MAX_SUBSCRIPTIONS,
  MAX_URL_CHARS,
  SECRET_ROTATION_OVERLAP_MS,
  SUBSCRIBABLE_EVENT_TYPES,
} from '../core/webhooks/subscription.ts';

/**
 * The HTTP API's contract: request schemas validate every input at the edge (unknown fields are errors), and
 * response schemas document what comes back. The OpenAPI document is generated from these, so the reference
 * cannot drift from what the handlers accept.
 */
// zod/mini (a fifth of zod's size in every bundle) ships without messages; English it is.
z.config(en());

export const apiRegistry = z.registry<{ id: string; description?: string }>();

const named = <T extends z.ZodMiniType>(schema: T, id: string, description?: string): T => {
  apiRegistry.add(schema, description === undefined ? { id } : { id, description });
  return schema;
};

const described = <T extends z.ZodMiniType>(schema: T, description: string): T =>
  schema.check(z.describe(description)) as T;
const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
const id = z
  .string()
  .check(z.minLength(1), z.maxLength(100), z.regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -'));
const email = z.email().check(z.maxLength(254));
const phone = described(
  z.string().check(z.minLength(3), z.maxLength(32)),
  'E.164, e.g. +14155550123; spaces and dashes are ignored',
);
const tag = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[^,\s]+( [^,\s]+)*$/, 'no commas; spaces become _'),
  );
const customFieldValue = z.union([z.string().check(z.maxLength(4096)), z.number(), z.boolean()]);
const timestamp = z.iso.datetime();
const integer = z.number().check(z.refine(Number.isInteger, { message: 'must be an integer' }));
const atLeastOneField = z.refine<object>((v) => Object.keys(v).length > 0, {
  message: 'give at least one field to change',
});
const emailOrPhone = z.refine<{ email?: unknown; phone?: unknown }>(
  (v) => v.email !== undefined || v.phone !== undefined,
  {
    message: 'needs an email or a phone',
  },
);

export const Status = z.enum(STATUSES);
export const Priority = z.enum(PRIORITIES);
export const TicketType = z.enum(TICKET_TYPES);
export const Channel = z.enum(CHANNELS);

const identity = z
  .strictObject({ email: z.optional(email), phone: z.optional(phone), name: z.optional(text(200)) })
  .check(emailOrPhone);

/** Largest comment body, in characters; the request itself is capped at 256 KB. */
export const MAX_COMMENT_CHARS = 64 * 1024;

export const CreateTicketBody = named(
  z.strictObject({
    subject: text(255),
    comment: z.strictObject({
      body: text(MAX_COMMENT_CHARS),
      public: z.optional(
        described(z.boolean(), 'default true: the requester’s description; false: an internal note'),
      ),
    }),
    requester: identity,
    priority: z.optional(Priority),
    type: z.optional(TicketType),
    tags: z.optional(z.array(tag).check(z.maxLength(50))),
    customFields: z.optional(z.record(z.string().check(z.maxLength(64)), customFieldValue)),
    group: z.optional(id),
  }),
  'CreateTicketRequest',
);

export const UpdateTicketBody = named(
  z
    .strictObject({
      subject: z.optional(text(255)),
      status: z.optional(Status),
      priority: z.optional(Priority),
      type: z.optional(TicketType),
      assignee: z.optional(described(z.nullable(id), 'agent id; null unassigns')),
      group: z.optional(z.nullable(id)),
      tags: z.optional(described(z.array(tag).check(z.maxLength(50)), 'replaces the tags')),
      customFields: z.optional(
        described(
          z.record(z.string().check(z.maxLength(64)), z.nullable(customFieldValue)),
          'merged into the fields; null removes one',
        ),
      ),
      spam: z.optional(
        described(z.boolean(), 'true holds the ticket as spam; false releases it into the queues'),
      ),
    })
    .check(atLeastOneField),
  'UpdateTicketRequest',
);

export const AddCommentBody = named(
  z.strictObject({
    body: text(MAX_COMMENT_CHARS),
    public: z.optional(described(z.boolean(), 'default true')),
    author: z.optional(
      described(
        z.strictObject({ email: z.optional(email), phone: z.optional(phone) }).check(emailOrPhone),
        'a customer writing (admin and channel keys only); without it the comment is the caller’s',
      ),
    ),
  }),
  'AddCommentRequest',
);

const limit = z._default(
  z.coerce
    .number()
    .check(z.refine(Number.isInteger, { message: 'must be an integer' }), z.gte(1), z.lte(100)),
  25,
);
const cursor = z.string().check(z.minLength(1), z.maxLength(2048));

export const ListTicketsQuery = z.strictObject({
  status: z.optional(
    described(
      z.enum([...STATUSES, 'spam']),
      '`spam` lists the tickets held as spam, which no other view shows',
    ),
  ),
  group: z.optional(id),
  assignee: z.optional(id),
  requester: z.optional(id),
  sla: z.optional(
    described(
      z.enum(['breached', 'at_risk']),
      'tickets with a running SLA metric breached, or past its warning; soonest due first',
    ),
  ),
  limit,
  cursor: z.optional(cursor),
});
export const PageQuery = z.strictObject({ limit, cursor: z.optional(cursor) });
export const CustomerQuery = z.strictObject({ email: z.optional(email), phone: z.optional(phone) });
export const TicketNumberParam = z.strictObject({
  number: z.pipe(z.string().check(z.regex(/^[1-9]\d{0,9}$/, 'must be a ticket number')), z.transform(Number)),
});
export const IdParam = z.strictObject({ id });

const agentFields = {
  name: text(200),
  email,
  role: z.optional(z.enum(AGENT_ROLES)),
  groups: z.optional(z.array(id).check(z.maxLength(50))),
  skills: z.optional(z.array(text(64)).check(z.maxLength(50))),
  capacity: z.optional(integer.check(z.gte(0), z.lte(1000))),
  status: z.optional(z.enum(AGENT_STATUSES)),
  workingHours: z.optional(
    described(
      z.nullable(
        z.strictObject({
          timeZone: text(64),
          weekly: z
            .array(
              z.strictObject({
                day: described(z.literal([0, 1, 2, 3, 4, 5, 6]), '0 = Sunday … 6 = Saturday'),
                start: described(z.string(), 'HH:MM'),
                end: described(z.string(), 'HH:MM, up to 24:00'),
              }),
            )
            .check(z.maxLength(50)),
        }),
      ),
      'when the agent works, in their time zone; routing skips agents off shift; null = any time',
    ),
  ),
};

export const CreateAgentBody = named(z.strictObject(agentFields), 'CreateAgentRequest');

export const UpdateAgentBody = named(
  z.partial(z.strictObject(agentFields)).check(atLeastOneField),
  'UpdateAgentRequest',
);

const groupFields = {
  name: text(200),
  description: z.optional(text(1000)),
  assignment: z.optional(
    described(
      z.enum(ASSIGNMENT_STRATEGIES),
      'how the group hands tickets to agents; manual (the default) leaves them in the queue',
    ),
  ),
};

export const CreateGroupBody = named(z.strictObject(groupFields), 'CreateGroupRequest');

export const UpdateGroupBody = named(
  z.partial(z.strictObject(groupFields)).check(atLeastOneField),
  'UpdateGroupRequest',
);

export const CreateCustomFieldBody = named(
  z.strictObject({
    key: z
      .string()
      .check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _, starting with a letter')),
    type: z.enum(CUSTOM_FIELD_TYPES),
    title: z.optional(text(200)),
  }),
  'CreateCustomFieldRequest',
);

export const CreateApiKeyBody = named(
  z.strictObject({
    name: text(200),
    role: z.enum(['admin', 'agent', 'channel']),
    agentId: z.optional(described(id, 'the agent the key acts as (admin and agent keys)')),
  }),
  'CreateApiKeyRequest',
);

export const CreateTenantBody = named(
  z.strictObject({
    id: z.optional(
      described(
        z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{2,39}$/, '3–40 lower-case letters, digits or dashes')),
        'chosen tenant id; generated when absent',
      ),
    ),
    name: text(200),
  }),
  'CreateTenantRequest',
);

// ---- responses (documentation; the handlers build them from domain objects) ----

const nullableString = z.nullable(z.string());
const Requester = z.object({
  id: z.string(),
  email: nullableString,
  phone: nullableString,
  name: nullableString,
});

export const ExternalLinkResponse = named(
  z.object({
    url: described(
      z.string(),
      'public https URL, in normal form (lower-case host); a ticket holds each URL once',
    ),
    title: nullableString,
    system: z.enum(EXTERNAL_SYSTEMS),
    externalId: described(nullableString, 'the other system’s id for it, e.g. ENG-42 or acme/api#17'),
    addedAt: timestamp,
    addedBy: described(
      z.object({ type: z.enum(AUTHOR_TYPES), id: z.string() }),
      'an agent, or the channel key of an integration (type system, id the key id)',
    ),
  }),
  'ExternalLink',
);

export const TicketResponse = named(
  z.object({
    number: described(integer, 'per-tenant ticket number, shown as #1042'),
    subject: z.string(),
    status: Status,
    priority: Priority,
    type: TicketType,
    tags: z.array(z.string()),
    customFields: z.record(z.string(), customFieldValue),
    requester: Requester,
    assignee: described(nullableString, 'agent id'),
    group: described(nullableString, 'group id'),
    channel: Channel,
    version: described(integer, 'increases with every change; send it as If-Match to update safely'),
    createdAt: timestamp,
    updatedAt: timestamp,
    solvedAt: z.nullable(timestamp),
    closedAt: z.nullable(timestamp),
    links: z.array(z.object({ kind: z.enum(['follow_up_of', 'followed_up_by']), number: integer })),
    externalLinks: described(
      z.array(ExternalLinkResponse),
      `links to issues and pages outside Deskless (trackers), oldest first; at most ${MAX_EXTERNAL_LINKS}`,
    ),
    participants: described(
      z.array(z.string()),
      'addresses copied on the conversation; they receive public replies',
    ),
    mailbox: described(nullableString, 'support address of an email conversation; replies are sent from it'),
    conversation: described(
      z.nullable(
        z.object({
          channelId: z.string(),
          channelType: z.enum(CHANNEL_TYPES),
          conversationId: z.string(),
        }),
      ),
      'the channel thread (webhook, SMS, chat, web form) the ticket came from; null for API and email tickets',
    ),
    spam: described(z.boolean(), 'held as spam: out of every queue, listed with status=spam, never answered'),
    triage: described(
      z.nullable(
        z.object({
          language: described(z.string(), 'ISO 639-1 code, e.g. "es"; "und" when undetermined'),
          sentiment: described(z.number(), '-1 (angry) .. 1 (happy)'),
          intent: nullableString,
          urgency: z.enum(['low', 'normal', 'high', 'urgent']),
          confidence: z.object({
            language: z.number(),
            sentiment: z.number(),
            intent: z.number(),
            urgency: z.number(),
          }),
          classifier: described(z.string(), 'which classifier decided, e.g. builtin@1'),
          basedOn: described(z.string(), 'timeline event id of the message classified'),
          at: timestamp,
        }),
      ),
      'the classifier’s verdict on the latest customer message; null until triage ran',
    ),
    pinnedFields: described(
      z.array(z.enum(PINNABLE_FIELDS)),
      'fields an agent set by hand: automation (rules, routing) never overwrites them',
    ),
    ruleBudget: described(
      z.nullable(z.object({ firings: integer, windowStart: timestamp })),
      'automation rule firings in the current hour: past the budget, rules stop for this ticket (a loop guard)',
    ),
    sla: described(
      z.nullable(
        z.object({
          policy: z.object({ id: z.string(), name: z.string() }),
          metrics: z.array(
            z.object({
              metric: described(
                z.string(),
                'first_reply, next_reply, periodic_update, requester_wait, agent_work or resolution',
              ),
              targetMinutes: integer,
              dueAt: described(z.nullable(timestamp), 'when it breaches (or breached); null while paused'),
              elapsedMinutes: z.number(),
              paused: z.boolean(),
              breached: z.boolean(),
              fulfilledAt: z.nullable(timestamp),
            }),
          ),
          breached: z.boolean(),
          atRisk: described(z.boolean(), 'a running metric passed its warning'),
          nextDueAt: z.nullable(timestamp),
          at: described(timestamp, 'when these figures were computed (a single ticket read: now)'),
        }),
      ),
      'the SLA policy that applies and its metrics; null when none applies',
    ),
    timers: described(
      z.array(z.object({ slot: z.string(), kind: z.string(), dueAt: timestamp, effect: z.string() })),
      'the deadlines armed for the ticket: SLA warnings and breaches, auto-close, pending reminders',
    ),
  }),
  'Ticket',
);

const Actor = z.object({
  type: z.enum(AUTHOR_TYPES),
  id: z.string(),
  name: z.optional(nullableString),
  email: z.optional(nullableString),
});

export const TimelineEventResponse = named(
  z.object({
    id: described(z.string(), 'ULID; also the id of the domain event published for it'),
    type: z.enum([
      'created',
      'comment',
      'field_changed',
      'status_changed',
      'assigned',
      'linked',
      'external_link_added',
      'email_sent',
      'email_failed',
      'email_bounced',
      'macro_applied',
      'rule_fired',
      'rules_halted',
    ]),
    at: timestamp,
    actor: Actor,
    data: described(
      z.record(z.string(), z.unknown()),
      'created: subject, channel, status, priority, requesterId; comment: body, public, email?, attachments?; field_changed: field, from, to; status_changed: from, to, reason; assigned: from, to; linked: link, number; external_link_added: url, title, system, externalId; email_sent: kind, to, cc, messageId, forEvent; email_failed: kind, to, error, attempt, forEvent; email_bounced: bouncedMessageId, from, reason, rawKey; macro_applied: macroId, macroName; rule_fired: ruleId, ruleName, actions, skipped; rules_halted: firings, reason',
    ),
  }),
  'TimelineEvent',
);

export const CommentResponse = named(
  z.object({
    ticket: TicketResponse,
    comment: TimelineEventResponse,
    followUpOf: described(
      z.nullable(integer),
      'set when the ticket was closed: the comment opened this follow-up ticket instead',
    ),
  }),
  'CommentResult',
);

export const CustomerResponse = named(
  z.object({
    id: z.string(),
    email: nullableString,
    phone: nullableString,
    name: nullableString,
    organization: described(nullableString, 'email domain, unless a public mail provider'),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  'Customer',
);

const page = <T extends z.ZodMiniType>(item: T, name: string) =>
  named(z.object({ items: z.array(item), nextCursor: nullableString }), name);

export const TicketPage = page(TicketResponse, 'TicketPage');
export const TimelinePage = page(TimelineEventResponse, 'TimelinePage');
export const CustomerPage = page(CustomerResponse, 'CustomerPage');

export const CustomerWithTickets = named(
  z.object({ customer: CustomerResponse, tickets: TicketPage }),
  'CustomerWithTickets',
);

export const AgentResponse = named(
  z.object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    role: z.enum(AGENT_ROLES),
    groups: z.array(z.string()),
    skills: z.array(z.string()),
    capacity: described(integer, 'most unsolved tickets routing assigns to the agent'),
    load: described(integer, 'unsolved tickets assigned to the agent now'),
    status: z.enum(AGENT_STATUSES),
    workingHours: z.nullable(
      z.object({
        timeZone: z.string(),
        weekly: z.array(z.object({ day: integer, start: z.string(), end: z.string() })),
      }),
    ),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: integer,
  }),
  'Agent',
);
export const AgentPage = page(AgentResponse, 'AgentPage');

export const GroupResponse = named(
  z.object({
    id: z.string(),
    name: z.string(),
    description: nullableString,
    assignment: z.enum(ASSIGNMENT_STRATEGIES),
    createdAt: timestamp,
  }),
  'Group',
);
export const GroupPage = page(GroupResponse, 'GroupPage');

export const CustomFieldResponse = named(
  z.object({ key: z.string(), type: z.enum(CUSTOM_FIELD_TYPES), title: z.string(), createdAt: timestamp }),
  'CustomField',
);
export const CustomFieldList = named(z.object({ items: z.array(CustomFieldResponse) }), 'CustomFieldList');

const apiKeyFields = {
  id: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'agent', 'channel']),
  agentId: nullableString,
  prefix: described(z.string(), 'first characters of the secret'),
  createdAt: timestamp,
  revokedAt: z.nullable(timestamp),
};
export const ApiKeyResponse = named(z.object(apiKeyFields), 'ApiKey');
export const ApiKeyPage = page(ApiKeyResponse, 'ApiKeyPage');
export const CreatedApiKeyResponse = named(
  z.object({
    ...apiKeyFields,
    secret: described(z.string(), 'shown once; send as `Authorization: Bearer <secret>`'),
  }),
  'CreatedApiKey',
);

export const TenantResponse = named(
  z.object({ id: z.string(), name: z.string(), createdAt: timestamp }),
  'Tenant',
);
export const CreatedTenantResponse = named(
  z.object({ tenant: TenantResponse, apiKey: CreatedApiKeyResponse }),
  'CreatedTenant',
);

export const HealthResponse = named(z.object({ status: z.literal('ok'), version: z.string() }), 'Health');

export const ProblemResponse = named(
  z.object({
    type: described(z.string(), 'stable URI reference naming the problem, e.g. /docs#problem-validation'),
    title: z.string(),
    status: integer,
    detail: z.string(),
    instance: z.optional(z.string()),
    errors: z.optional(
      described(z.array(z.object({ path: z.string(), message: z.string() })), 'one entry per invalid field'),
    ),
  }),
  'Problem',
  'RFC 9457 problem details, served as application/problem+json',
);

// ---- email channel ----

export const CreateMailboxBody = named(
  z.strictObject({ address: described(email, 'a plain address, e.g. support@example.com') }),
  'CreateMailboxRequest',
);
export const MailboxParam = z.strictObject({ address: z.string().check(z.minLength(3), z.maxLength(254)) });

export const MailboxResponse = named(z.object({ address: z.string(), createdAt: timestamp }), 'Mailbox');
export const MailboxList = named(z.object({ items: z.array(MailboxResponse) }), 'MailboxList');

const templateText = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
export const RoutingSettingsBody = named(
  z.strictObject({
    defaultGroup: described(
      z.nullable(id),
      'group of tickets that neither their channel nor a rule put in one; null: they stay ungrouped',
    ),
  }),
  'RoutingSettings',
);

export const EmailSettingsBody = named(
  z.strictObject({
    acknowledgement: z.strictObject({
      enabled: z.boolean(),
      subject: described(
        templateText(255),
        'placeholders: {{ticket.number}}, {{ticket.subject}}, {{requester.name}}',
      ),
      body: described(templateText(10_000), 'plain text, same placeholders'),
    }),
  }),
  'EmailSettings',
);

// ---- macros ----

const macroReplyBody = described(
  text(MAX_REPLY_CHARS).check(
    z.superRefine((body: string, context) => {
      // The tenant's custom field keys are checked by the use case; everything else is checked here.
      for (const error of placeholderErrors(body, null, 'body')) {
        context.addIssue({ code: 'custom', message: error.message, input: body });
      }
    }),
  ),
  `plain text with placeholders: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}, {{ticket.customFields.<key>}}; a fallback for an empty value: {{requester.firstName | "there"}}`,
);

const MacroAction = z.strictObject({
  field: described(
    z.string().check(z.minLength(1), z.maxLength(100)),
    'priority, type, status, group, assignee, tags (replaces them), add_tags, remove_tags, or customFields.<key>',
  ),
  value: described(z.unknown(), 'the value to set; null clears group, assignee or a custom field'),
});

export const MacroBody = named(
  z
    .strictObject({
      name: text(MAX_MACRO_NAME_CHARS),
      description: z.optional(z.nullable(text(MAX_MACRO_DESCRIPTION_CHARS))),
      reply: z.optional(
        z.nullable(
          z.strictObject({
            body: macroReplyBody,
            public: z.optional(
              described(z.boolean(), 'default true: a reply the requester sees; false: an internal note'),
            ),
          }),
        ),
      ),
      actions: z.optional(
        described(z.array(MacroAction).check(z.maxLength(MAX_ACTIONS)), 'field changes, applied in order'),
      ),
      active: z.optional(described(z.boolean(), 'default true; an inactive macro cannot be applied')),
    })
    .check(
      z.refine((macro) => !!macro.reply || (macro.actions?.length ?? 0) > 0, {
        message: 'a macro needs a reply or at least one action',
        path: ['actions'],
      }),
    ),
  'MacroRequest',
);

export const MacroListQuery = z.strictObject({
  active: z.optional(
    described(
      z.pipe(
        z.enum(['true', 'false']),
        z.transform((value) => value === 'true'),
      ),
      'only active (true) or inactive (false) macros',
    ),
  ),
});

/** `{macroAction}` of `POST /v1/tickets/{number}/macros/{macroAction}`: `<macro id>:apply`. */
export const MacroActionParam = z.strictObject({
  number: TicketNumberParam.shape.number,
  macroAction: z.string().check(z.minLength(1), z.maxLength(200)),
});

export const MacroResponse = named(
  z.object({
    id: described(z.string(), 'mac_<ulid>'),
    name: z.string(),
    description: nullableString,
    reply: z.nullable(z.object({ body: z.string(), public: z.boolean() })),
    actions: z.array(z.object({ field: z.string(), value: z.unknown() })),
    active: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: described(integer, 'increases with every change; send it as If-Match to replace safely'),
  }),
  'Macro',
);
export const MacroList = named(z.object({ items: z.array(MacroResponse) }), 'MacroList');

export const AppliedMacroResponse = named(
  z.object({
    ticket: TicketResponse,
    comment: described(
      z.nullable(TimelineEventResponse),
      'the reply or internal note the macro wrote; null for a macro without a reply',
    ),
  }),
  'AppliedMacro',
);

// ---- triage settings ----

const INTENT_NAME_RULE = 'intent names are 1–40 lower-case letters, digits or _, starting with a letter';
const intentName = z.string().check(z.regex(/^[a-z][a-z0-9_]{0,39}$/, INTENT_NAME_RULE));

export const TriageSettingsBody = named(
  z.strictObject({
    keywords: described(
      z
        .record(
          intentName,
          z
            .array(z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_PHRASE_CHARS)))
            .check(z.maxLength(MAX_PHRASES_PER_INTENT)),
          { error: (issue) => (issue.code === 'invalid_key' ? INTENT_NAME_RULE : undefined) },
        )
        .check(
          z.refine((keywords) => Object.keys(keywords).length <= MAX_INTENTS, {
            message: `at most ${MAX_INTENTS} intents`,
          }),
        ),
      `phrases per intent (replaces all keywords), e.g. {"billing": ["invoice", "factura"]}; matched ignoring case and accents, words of 5+ letters also as a prefix; at most ${MAX_INTENTS} intents of ${MAX_PHRASES_PER_INTENT} phrases`,
    ),
    examples: z.optional(
      described(
        z
          .array(
            z.strictObject({
              subject: z.string().check(z.maxLength(MAX_EXAMPLE_SUBJECT_CHARS)),
              body: z.string().check(z.maxLength(MAX_EXAMPLE_BODY_CHARS)),
              intent: intentName,
            }),
          )
          .check(z.maxLength(MAX_TRAINING_EXAMPLES)),
        `labelled past tickets that train the tenant's naive Bayes model on save (at least 2 intents); [] removes the model; left out, the model is kept`,
      ),
    ),
  }),
  'TriageSettingsRequest',
);

export const TriageModelSummary = named(
  z.object({
    examples: described(integer, 'labelled examples the model was trained from'),
    intents: described(z.record(z.string(), integer), 'examples per intent'),
    trainedAt: timestamp,
  }),
  'TriageModelSummary',
);

export const TriageSettingsResponse = named(
  z.object({
    keywords: z.record(z.string(), z.array(z.string())),
    model: described(z.nullable(TriageModelSummary), 'the trained model (never its weights); null: none'),
    updatedAt: described(
      z.nullable(timestamp),
      'null while the tenant has saved nothing: the default keywords apply',
    ),
  }),
  'TriageSettings',
);

// ---- automation rules ----

/** `conditions.all[0].operator` → ['conditions', 'all', 0, 'operator'], as zod paths go. */
const issuePath = (path: string): (string | number)[] =>
  [...path.matchAll(/[^.[\]]+/g)].map(([part]) => (/^\d+$/.test(part) ? Number(part) : part));

const conditionScalar = z.union([z.string().check(z.maxLength(1000)), z.number(), z.boolean(), z.null()]);

const RuleCondition = named(
  z.strictObject({
    field: described(
      z.string().check(z.minLength(1), z.maxLength(100)),
      `one of ${CONDITION_FIELDS.join(', ')}, or customFields.<key>; triage.* conditions are false before triage (is_not and not_contains true)`,
    ),
    operator: z.enum(CONDITION_OPERATORS),
    value: described(
      z.union([conditionScalar, z.array(conditionScalar).check(z.maxLength(MAX_IN_VALUES))]),
      'a list goes with `in` (and with tags); `matches` takes a glob (* and ?); null is "none" (no group, unassigned)',
    ),
  }),
  'RuleCondition',
);

const RuleConditions = named(
  z.strictObject({
    all: z.optional(
      described(z.array(RuleCondition).check(z.maxLength(MAX_CONDITIONS)), 'every one must hold'),
    ),
    any: z.optional(
      described(
        z.array(RuleCondition).check(z.maxLength(MAX_CONDITIONS)),
        'when not empty, at least one must hold',
      ),
    ),
  }),
  'RuleConditions',
);

const RuleAction = named(
  z.strictObject({
    field: described(
      z.string().check(z.minLength(1), z.maxLength(100)),
      'priority, type, status, group, assignee, tags (replaces them), add_tags, remove_tags, customFields.<key>, internal_note (text of a note), macro (a macro id: its reply is sent), or notify_webhook (a webhook subscription id: it is sent a `rule.notification` with the rule and the ticket)',
    ),
    value: described(z.unknown(), 'the value to set; null clears group, assignee or a custom field'),
  }),
  'RuleAction',
);

export const RuleBody = named(
  z
    .strictObject({
      name: text(MAX_RULE_NAME_CHARS),
      position: z.optional(
        described(
          integer.check(z.gte(0), z.lte(MAX_POSITION)),
          'run order, lowest first (ties by id); default: after the last rule; left out of a PUT, the rule keeps its place',
        ),
      ),
      active: z.optional(described(z.boolean(), 'default true; an inactive rule never fires')),
      conditions: RuleConditions,
      actions: described(
        z.array(RuleAction).check(z.minLength(1), z.maxLength(MAX_ACTIONS)),
        'applied in order; fields an agent set by hand are left alone',
      ),
    })
    .check(
      z.superRefine((rule, context) => {
        // Custom field actions and macro ids depend on the tenant: the use case checks those.
        for (const error of validateRuleInput(rule, null)) {
          context.addIssue({
            code: 'custom',
            message: error.message,
            path: issuePath(error.path),
            input: rule,
          });
        }
      }),
    ),
  'RuleRequest',
);

/** `{id}` of `POST /v1/rules/{id}`: `<rule id>:test` (API Gateway path variables are whole segments). */
export const RuleActionParam = z.strictObject({ id: z.string().check(z.minLength(1), z.maxLength(200)) });

export const TestRuleBody = named(
  z.strictObject({
    ticket: described(integer.check(z.gte(1)), 'the ticket number to try the rule on'),
    comment: z.optional(
      described(
        z.nullable(text(MAX_COMMENT_CHARS)),
        'a comment text for `comment` conditions, as if the update had added it',
      ),
    ),
  }),
  'TestRuleRequest',
);

export const RuleResponse = named(
  z.object({
    id: described(z.string(), 'rul_<ulid>'),
    name: z.string(),
    position: integer,
    active: z.boolean(),
    conditions: RuleConditions,
    actions: z.array(RuleAction),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: described(integer, 'increases with every change; send it as If-Match to replace safely'),
  }),
  'Rule',
);
export const RuleList = named(
  z.object({ items: described(z.array(RuleResponse), 'in the order they run') }),
  'RuleList',
);

export const RuleTestResponse = named(
  z.object({
    matched: described(z.boolean(), 'whether the rule would fire on the ticket now'),
    conditions: z.array(
      z.object({
        list: z.enum(['all', 'any']),
        index: integer,
        field: z.string(),
        operator: z.enum(CONDITION_OPERATORS),
        value: z.unknown(),
        actual: described(z.unknown(), 'what the field holds on the ticket (null: empty, or not triaged)'),
        matched: z.boolean(),
      }),
    ),
    changes: described(
      z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
      'what the rule would change (nothing when it does not match); internal_note and macro go from null',
    ),
    skipped: described(
      z.array(z.object({ field: z.string(), reason: z.string() })),
      'actions it would leave out, with why (a field an agent set by hand)',
    ),
  }),
  'RuleTestResult',
);

// ---- SLA: business-hours schedules, SLA policies, lifecycle settings ----

const ScheduleInterval = named(
  z.strictObject({
    day: described(z.literal([0, 1, 2, 3, 4, 5, 6]), '0 = Sunday … 6 = Saturday'),
    start: described(z.string().check(z.maxLength(10)), 'HH:MM local time, 00:00 to 23:59'),
    end: described(
      z.string().check(z.maxLength(10)),
      'HH:MM local time, after start, up to 24:00 (a night shift is two intervals, one each side of midnight)',
    ),
  }),
  'ScheduleInterval',
);

const ScheduleHoliday = named(
  z.strictObject({
    date: described(z.string().check(z.maxLength(10)), 'YYYY-MM-DD: the whole local day is closed'),
    name: z.optional(z.string().check(z.maxLength(MAX_HOLIDAY_NAME_CHARS))),
  }),
  'ScheduleHoliday',
);

export const ScheduleBody = named(
  z.strictObject({
    name: text(MAX_SCHEDULE_NAME_CHARS),
    timeZone: described(
      z.string().check(z.minLength(1), z.maxLength(64)),
      'IANA name, e.g. Europe/Berlin (offsets such as +01:00 are refused: they ignore daylight saving)',
    ),
    weekly: described(
      z.array(ScheduleInterval).check(z.maxLength(MAX_WEEKLY_INTERVALS)),
      'open intervals per weekday; several a day may touch but not overlap; at least one',
    ),
    holidays: z.optional(z.array(ScheduleHoliday).check(z.maxLength(MAX_HOLIDAYS))),
  }),
  'ScheduleRequest',
);

export const ScheduleResponse = named(
  z.object({
    id: described(z.string(), 'sch_<ulid>'),
    name: z.string(),
    timeZone: z.string(),
    weekly: z.array(ScheduleInterval),
    holidays: z.array(ScheduleHoliday),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: described(integer, 'increases with every change; send it as If-Match to replace safely'),
  }),
  'Schedule',
);
export const ScheduleList = named(
  z.object({ items: described(z.array(ScheduleResponse), 'oldest first') }),
  'ScheduleList',
);

/** What each target measures, as the reference shows it (metrics.ts has the exact rules). */
const METRIC_DESCRIPTIONS: Readonly<Record<SlaMetricName, string>> = {
  first_reply: 'minutes from the ticket’s creation to the first public agent reply',
  next_reply: 'minutes from a requester’s public comment to the next public agent reply',
  periodic_update: 'minutes between public agent comments while the ticket is unsolved',
  requester_wait: 'minutes the ticket spends new, open or on hold (pending pauses it)',
  agent_work: 'minutes the ticket spends new or open (pending and on hold pause it)',
  resolution: 'minutes from creation to solved, pending included (a reopened ticket counts on)',
};

const targetMinutes = integer.check(z.gte(1), z.lte(MAX_TARGET_MINUTES));
/** One priority's targets, named as SLA_TARGET_KEYS names the core's metrics. */
const SlaTargetSet = named(
  z.strictObject(
    Object.fromEntries(
      SLA_METRICS.map((metric) => [
        SLA_TARGET_KEYS[metric],
        z.optional(described(targetMinutes, METRIC_DESCRIPTIONS[metric])),
      ]),
    ) as Record<string, z.ZodMiniOptional<typeof targetMinutes>>,
  ),
  'SlaTargets',
);

const SlaEscalationSchema = named(
  z
    .strictObject({
      priority: z.optional(described(z.enum(ESCALATION_PRIORITIES), 'raised to this, never lowered')),
      group: z.optional(described(id, 'the group the ticket moves to')),
      addTags: z.optional(z.array(tag).check(z.maxLength(MAX_ESCALATION_TAGS))),
    })
    .check(
      z.refine((e) => e.priority !== undefined || e.group !== undefined || (e.addTags?.length ?? 0) > 0, {
        message: 'needs a priority, a group or tags to add; leave it out (or null) for no escalation',
      }),
    ),
  'SlaEscalation',
);

export const SlaPolicyBody = named(
  z
    .strictObject({
      name: text(MAX_POLICY_NAME),
      position: z.optional(
        described(
          integer.check(z.gte(0), z.lte(MAX_POLICY_POSITION)),
          'policies are tried lowest first (ties by id) and the first whose conditions match applies; default: after the last; left out of a PUT, the policy keeps its place',
        ),
      ),
      conditions: z.optional(RuleConditions),
      schedule: z.optional(
        described(
          z.nullable(id),
          'the business-hours schedule its clocks run on; null or left out: calendar hours (24×7)',
        ),
      ),
      targets: described(
        z
          .strictObject({
            urgent: z.optional(SlaTargetSet),
            high: z.optional(SlaTargetSet),
            normal: z.optional(SlaTargetSet),
            low: z.optional(SlaTargetSet),
          })
          .check(
            z.refine(
              (targets) =>
                Object.values(targets).some(
                  (set) => set !== undefined && Object.values(set).some((m) => m !== undefined),
                ),
              { message: 'needs at least one target' },
            ),
          ),
        'minutes per metric for each priority; a ticket whose priority has none runs no clock',
      ),
      warnBeforeMinutes: z.optional(
        described(
          integer.check(z.gte(0), z.lte(MAX_TARGET_MINUTES)),
          'how long before a breach the warning fires; default 25 % of the target, at most 60 minutes',
        ),
      ),
      escalation: z.optional(
        described(
          z.nullable(SlaEscalationSchema),
          'what a breach does to the ticket (fields an agent set by hand stay); null or left out: nothing',
        ),
      ),
    })
    .check(
      z.superRefine((policy, context) => {
        for (const error of validateConditions(policy.conditions, 'conditions')) {
          context.addIssue({
            code: 'custom',
            message: error.message,
            path: issuePath(error.path),
            input: policy,
          });
        }
      }),
    ),
  'SlaPolicyRequest',
);

/** A validated body as the core takes it: target names mapped to the core's metrics, `schedule` to an id. */
export function slaPolicyInput(body: z.output<typeof SlaPolicyBody>): SlaPolicyInput {
  const targets: Partial<Record<(typeof PRIORITIES)[number], SlaTargets>> = {};
  for (const priority of PRIORITIES) {
    const set = body.targets[priority];
    if (!set) continue;
    targets[priority] = Object.fromEntries(
      SLA_METRICS.flatMap((metric) => {
        const minutes = set[SLA_TARGET_KEYS[metric]];
        return minutes === undefined ? [] : [[metric, minutes]];
      }),
    );
  }
  return {
    name: body.name,
    position: body.position,
    conditions: body.conditions,
    scheduleId: body.schedule ?? null,
    targets,
    warnBeforeMinutes: body.warnBeforeMinutes,
    escalation: body.escalation ?? null,
  };
}

export const SlaPolicyResponse = named(
  z.object({
    id: described(z.string(), 'slp_<ulid>'),
    name: z.string(),
    position: integer,
    conditions: RuleConditions,
    schedule: described(nullableString, 'schedule id; null: calendar hours'),
    targets: z.partialRecord(z.enum(PRIORITIES), SlaTargetSet),
    warnBeforeMinutes: described(z.nullable(integer), 'null: 25 % of each target, at most 60 minutes'),
    escalation: z.nullable(SlaEscalationSchema),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: described(integer, 'increases with every change; send it as If-Match to replace safely'),
  }),
  'SlaPolicy',
);
export const SlaPolicyList = named(
  z.object({ items: described(z.array(SlaPolicyResponse), 'in the order they are tried') }),
  'SlaPolicyList',
);

/** A stored policy as the API shows it: the contract's target names, `schedule`, no tenant. */
export function slaPolicyJson(policy: StoredSlaPolicy) {
  const targets: Record<string, Record<string, number>> = {};
  for (const priority of PRIORITIES) {
    const perMetric = policy.targets[priority];
    if (!perMetric) continue;
    targets[priority] = Object.fromEntries(
      SLA_METRICS.flatMap((metric) => {
        const minutes = perMetric[metric];
        return minutes === undefined ? [] : [[SLA_TARGET_KEYS[metric], minutes]];
      }),
    );
  }
  return {
    id: policy.id,
    name: policy.name,
    position: policy.position,
    conditions: policy.conditions,
    schedule: policy.scheduleId,
    targets,
    warnBeforeMinutes: policy.warnBeforeMinutes ?? null,
    escalation: policy.escalation ?? null,
    createdAt: policy.createdAt,
    updatedAt: policy.updatedAt,
    version: policy.version,
  };
}

const hours = (limits: { readonly min: number; readonly max: number }) =>
  integer.check(z.gte(limits.min), z.lte(limits.max));

export const LifecycleSettingsPatchBody = named(
  z
    .strictObject({
      autoCloseAfterHours: z.optional(
        described(
          hours(LIFECYCLE_LIMITS.autoCloseAfterHours),
          'a solved ticket closes this many hours after it was solved',
        ),
      ),
      pendingReminderAfterHours: z.optional(
        described(
          z.nullable(hours(LIFECYCLE_LIMITS.pendingReminderAfterHours)),
          'the requester of a pending ticket is reminded this many hours after it went pending; null: never',
        ),
      ),
      pendingAutoSolveAfterHours: z.optional(
        described(
          z.nullable(hours(LIFECYCLE_LIMITS.pendingAutoSolveAfterHours)),
          'a pending ticket is solved this many hours after it went pending; null: never; must come after the reminder',
        ),
      ),
      csatSurveys: z.optional(
        described(
          z.boolean(),
          'mail the requester of an email ticket a satisfaction survey each time it is solved',
        ),
      ),
    })
    .check(atLeastOneField),
  'LifecycleSettingsPatch',
);

export const LifecycleSettingsResponse = named(
  z.object({
    autoCloseAfterHours: described(integer, 'default 96 (4 days)'),
    pendingReminderAfterHours: described(z.nullable(integer), 'default null: no reminder'),
    pendingAutoSolveAfterHours: described(z.nullable(integer), 'default null: no auto-solve'),
    csatSurveys: described(
      z.boolean(),
      'default true: a solved email ticket’s requester gets a satisfaction survey by mail (one per solve, none for spam or a requester without an address), and a solve’s `ticket.status_changed` webhook payload carries the survey link',
    ),
  }),
  'LifecycleSettings',
);

// ---- reports ----

const isoDay = z.iso.date();
const reportDay = (what: string) => described(isoDay, `${what}, YYYY-MM-DD (UTC day)`);

export const CostReportQuery = z
  .strictObject({
    from: reportDay('first day of the range'),
    to: reportDay(`last day of the range, included; at most ${MAX_REPORT_DAYS} days from \`from\``),
    tenant: z.optional(
      described(
        id,
        'the tenant reported on: required with the operator key; an admin key may name only its own',
      ),
    ),
  })
  .check(
    z.superRefine((query, context) => {
      const { from, to } = query as { from?: unknown; to?: unknown };
      if (typeof from !== 'string' || typeof to !== 'string') return;
      for (const error of reportRangeErrors(from, to)) {
        // A malformed day is reported by the field's own schema already; the range check adds what it misses
        // (a day it does not take for a date, `to` before `from`, too long a range).
        const value = error.path === 'from' ? from : to;
        if (error.message.startsWith('must be a date') && !isoDay.safeParse(value).success) continue;
        context.addIssue({ code: 'custom', message: error.message, path: [error.path], input: query });
      }
    }),
  );

const money = described(z.number(), 'US dollars, rounded to 6 decimals');

export const CostReportResponse = named(
  z.object({
    from: z.iso.date(),
    to: z.iso.date(),
    lineItems: described(
      z.array(
        z.object({
          service: z.string(),
          meter: described(z.string(), 'e.g. `events.published`, `dynamodb.wru`, `lambda.gb_seconds`'),
          quantity: z.number(),
          unit: z.string(),
          unitPrice: described(z.number(), 'price of one unit, as the price table gives it'),
          cost: money,
        }),
      ),
      'one per measured meter with a quantity, in the cost model’s order',
    ),
    total: described(
      z.number(),
      'the tenant’s usage cost: its line items summed (at full precision, then rounded to 6 decimals); the fixed monthly part is not in it',
    ),
    fixedMonthly: described(
      z.object({
        items: z.array(
          z.object({
            what: z.string(),
            quantity: described(z.number(), 'resource-months in the range: resources × days / 30'),
            unitPrice: described(z.number(), 'per resource-month'),
            cost: money,
          }),
        ),
        total: money,
      }),
      'what the whole deployment pays by the month (alarms, secrets…), prorated to the range: shared by every tenant, shown whole, not in `total`',
    ),
    tickets: described(integer, 'tickets the tenant created in the range'),
    costPerTicket: described(z.nullable(z.number()), '`total / tickets`; null without tickets'),
    priceTable: z.object({ version: z.string(), date: z.iso.date() }),
    measured: described(
      z.array(z.string()),
      'the meters the tenant’s usage counters hold for the range; a meter not listed was not measured (or not used) and has no line item',
    ),
  }),
  'CostReport',
);

// ---- support metrics and satisfaction surveys ----

export const ReportMetricsQuery = z.strictObject({
  from: z.optional(
    described(
      z.iso.date(),
      `first day, YYYY-MM-DD (UTC); default: ${DEFAULT_REPORT_DAYS - 1} days before \`to\`; at most ${MAX_METRICS_DAYS} days in all`,
    ),
  ),
  to: z.optional(described(z.iso.date(), 'last day, included, YYYY-MM-DD (UTC); default: today')),
  group: z.optional(described(id, 'only tickets in this group (combines with `channel`)')),
  channel: z.optional(
    described(Channel, 'only tickets that came through this channel (combines with `group`)'),
  ),
  agent: z.optional(
    described(id, 'only tickets assigned to this agent (alone: not with `group` or `channel`)'),
  ),
});

const rate = (definition: string) => described(z.nullable(z.number()), definition);
const timeMetric = (what: string) =>
  z.object({
    count: described(integer, `${what} measured in the period`),
    medianMinutes: described(
      z.nullable(z.number()),
      `half of them took at most this long, in minutes; null without any. ${BUCKET_ERROR_NOTE}`,
    ),
    p90Minutes: described(
      z.nullable(z.number()),
      `nine in ten took at most this long, in minutes; null without any. Same bucket error as the median.`,
    ),
  });

export const MetricsReportResponse = named(
  z.object({
    from: described(z.iso.date(), 'first day reported (UTC)'),
    to: described(z.iso.date(), 'last day reported, included'),
    volume: z.object({
      created: described(integer, 'tickets created in the period'),
      solved: described(
        integer,
        'solves in the period (a ticket solved, reopened and solved again counts twice), whenever it was created',
      ),
      reopened: described(integer, 'solved tickets that went back to open, pending or on hold in the period'),
      backlog: described(
        integer,
        'net change of the unsolved backlog over the period: created + reopened − solved (negative: it shrank)',
      ),
    }),
    resolutionRate: rate(
      'solved / created in the period, to 3 decimals; above 1 when older tickets were solved too; null without tickets created',
    ),
    csat: z.object({
      responses: described(integer, 'satisfaction survey answers received in the period'),
      score: rate(
        `percentage of answers that were satisfied (score ${SATISFIED_FROM} or ${MAX_SCORE} of ${MAX_SCORE}), to 1 decimal; null without answers`,
      ),
    }),
    ces: described(
      z.object({
        responses: described(integer, 'survey answers in the period that answered the effort question'),
        average: rate(
          `mean effort, ${MIN_EFFORT} (very difficult) to ${MAX_EFFORT} (very easy), to 2 decimals; null without answers`,
        ),
        easyShare: rate(
          `share of answers of ${EASY_FROM} to ${MAX_EFFORT} (easy), 0 to 1, to 3 decimals; null without answers`,
        ),
      }),
      `customer effort score (CES): the optional second survey question, “${EFFORT_QUESTION}”, answered ${MIN_EFFORT} (very difficult) to ${MAX_EFFORT} (very easy); counted on the day of the answer like CSAT`,
    ),
    firstReply: described(
      timeMetric('first replies'),
      'first reply time: from the ticket’s creation to its first public agent comment (the description an agent writes when opening a ticket is no reply), counted once per ticket on the day of the reply',
    ),
    resolution: described(
      timeMetric('solves'),
      'full resolution time: from the ticket’s creation to each time it was solved, counted on the day of the solve',
    ),
    slaCompliance: described(
      z.record(
        z.string(),
        z.object({
          met: described(integer, 'solves in the period with this metric fulfilled and never breached'),
          breached: described(integer, 'breaches of this metric in the period (sla.breached events)'),
          rate: rate('met / (met + breached), to 3 decimals; null when neither'),
        }),
      ),
      'per SLA metric (first_reply, next_reply, periodic_update, requester_wait, agent_work, resolution) that had a target on tickets in the period',
    ),
    escalations: described(
      z.array(z.object({ reason: z.string(), count: integer })),
      'what SLA breach escalations did in the period, most frequent first: `<metric>: priority → urgent`, `<metric>: group → <id>`, `<metric>: tags added`, `<metric>: <field> kept (set by an agent)`',
    ),
  }),
  'MetricsReport',
);

export const SurveyLinkResponse = named(
  z.object({
    ticket: integer,
    url: described(
      z.string(),
      'the link to send the requester: answering is a POST of `{ "score": 1-5 }` to it, without an API key',
    ),
    token: described(z.string(), 'the signed token in the link: tenant, ticket and expiry, with an HMAC'),
    expiresAt: described(
      timestamp,
      `when the link stops working (${SURVEY_TTL_DAYS} days after it was made)`,
    ),
  }),
  'SurveyLink',
);

export const SurveyTokenParam = z.strictObject({ token: z.string().check(z.minLength(1), z.maxLength(300)) });

export const SurveyAnswerBody = named(
  z.strictObject({
    score: described(
      integer.check(z.gte(MIN_SCORE), z.lte(MAX_SCORE)),
      `${MIN_SCORE} (very unsatisfied) to ${MAX_SCORE} (very satisfied); ${SATISFIED_FROM} and up count as satisfied`,
    ),
    effort: z.optional(
      described(
        integer.check(z.gte(MIN_EFFORT), z.lte(MAX_EFFORT)),
        `customer effort, “${EFFORT_QUESTION}”: ${MIN_EFFORT} (very difficult) to ${MAX_EFFORT} (very easy); optional`,
      ),
    ),
    comment: z.optional(text(MAX_SURVEY_COMMENT_CHARS)),
  }),
  'SurveyAnswerRequest',
);

export const SurveyAnswerResponse = named(
  z.object({
    ticket: integer,
    score: integer,
    effort: described(z.nullable(integer), 'null when the effort question was left out'),
    comment: nullableString,
    at: timestamp,
  }),
  'SurveyAnswer',
);

/** The survey page's `?score=` (what a link in the survey mail chose): anything else just preselects nothing. */
export const SurveyPageQuery = z.object({ score: z.optional(z.string().check(z.maxLength(20))) });

/**
 * The survey form as a browser posts it (`application/x-www-form-urlencoded`): every field a string, empty
 * when left blank. Turned into a SurveyAnswerRequest (surveyFormInput) and checked the same way.
 */
export const SurveyFormBody = z.object({
  score: z.optional(z.string()),
  effort: z.optional(z.string()),
  comment: z.optional(z.string()),
});

export function surveyFormInput(form: z.output<typeof SurveyFormBody>): Record<string, unknown> {
  const number = (value: string | undefined) => {
    const trimmed = value?.trim();
    return trimmed ? (/^\d{1,3}$/.test(trimmed) ? Number(trimmed) : trimmed) : undefined;
  };
  const comment = form.comment?.trim();
  return {
    score: number(form.score),
    ...(number(form.effort) !== undefined && { effort: number(form.effort) }),
    ...(comment && { comment }),
  };
}

// ---- report exports ----

export const ReportExportQuery = z.strictObject({
  from: z.optional(
    described(
      z.iso.date(),
      `first day, YYYY-MM-DD (UTC); default: ${DEFAULT_REPORT_DAYS - 1} days before \`to\`; at most ${MAX_METRICS_DAYS} days in all`,
    ),
  ),
  to: z.optional(described(z.iso.date(), 'last day, included, YYYY-MM-DD (UTC); default: today')),
  group: z.optional(described(id, 'only this group (combines with `channel`)')),
  channel: z.optional(described(Channel, 'only this channel (combines with `group`)')),
  kind: z.optional(
    described(
      z.enum(['metrics', 'tickets']),
      'metrics (default): a row per day × bucket (tenant, group, channel, group × channel, agent); tickets: a row per ticket last active in the range',
    ),
  ),
});

export const ReportExportResponse = named(
  z.object({
    kind: z.enum(['metrics', 'tickets']),
    from: described(z.iso.date(), 'first day exported (UTC)'),
    to: described(z.iso.date(), 'last day exported, included'),
    url: described(
      z.string(),
      `pre-signed GET of the CSV in the exports bucket: works without a key for ${EXPORT_LINK_SECONDS / 60} minutes, or until the function's credentials expire if sooner`,
    ),
    key: described(z.string(), 'the object: `exports/{tenant}/{ulid}.csv`, deleted after 7 days'),
    rows: described(integer, 'data rows in the file (without the header)'),
    expiresAt: described(
      timestamp,
      `when the link stops working at the latest: valid ${EXPORT_LINK_SECONDS / 60} minutes, or until the function's credentials expire if sooner (it is signed with the function's temporary credentials; export again for a fresh link)`,
    ),
    truncated: described(
      z.boolean(),
      `tickets only: more than ${MAX_EXPORT_TICKETS.toLocaleString('en')} tickets were active in the range; the file holds the ${MAX_EXPORT_TICKETS.toLocaleString('en')} of oldest activity (export a shorter range for the rest)`,
    ),
  }),
  'ReportExport',
);

// ---- external links (engineering trackers) ----

export const AddExternalLinkBody = named(
  z.strictObject({
    url: described(
      z.string().check(
        z.trim(),
        z.minLength(1),
        z.maxLength(MAX_LINK_URL_CHARS),
        z.superRefine((url: string, context) => {
          const check = normalizeLinkUrl(url);
          if (!check.ok) context.addIssue({ code: 'custom', message: check.reason, input: url });
        }),
      ),
      'a public https URL (no credentials, no private or loopback host); the same URL twice is one link',
    ),
    title: z.optional(text(MAX_LINK_TITLE_CHARS)),
    system: z.optional(
      described(
        z.enum(EXTERNAL_SYSTEMS),
        'left out: guessed from the host (github.com, *.atlassian.net, linear.app), else other',
      ),
    ),
    externalId: z.optional(
      described(text(MAX_LINK_EXTERNAL_ID_CHARS), 'the other system’s id, e.g. ENG-42 or acme/api#17'),
    ),
  }),
  'AddExternalLinkRequest',
);

export const ExternalLinkResult = named(
  z.object({ ticket: TicketResponse, link: ExternalLinkResponse }),
  'ExternalLinkResult',
);

// ---- inbound channels (webhook, Twilio SMS, chat, web form) ----

const ChannelTypeSchema = described(
  z.enum(CHANNEL_TYPES),
  'webhook: signed JSON messages; sms_twilio: Twilio Messaging webhooks; chat: conversations that become tickets when escalated; web_form: a public contact form',
);
const e164 = z.string().check(z.regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 number, e.g. +14155550123'));

const TwilioSettingsSchema = named(
  z.strictObject({
    accountSid: described(
      z.string().check(z.regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits')),
      'the Twilio account SID',
    ),
    fromNumber: described(e164, 'the Twilio number replies go out from, E.164'),
    authTokenSecret: described(
      z.string().check(z.trim(), z.minLength(1), z.maxLength(2048)),
      'where the account’s auth token is kept: a Secrets Manager secret (SSM parameters are not supported) named deskless/twilio/<tenant id>/…, or that secret’s full ARN; any other name is refused with 422',
    ),
  }),
  'TwilioSettings',
);

const ChatSettingsSchema = named(
  z
    .strictObject({
      escalateAfterMessages: z.optional(
        described(
          z.nullable(integer.check(z.gte(1), z.lte(1000))),
          'escalate to a ticket once the customer sent this many messages; null: never',
        ),
      ),
      escalateAfterMinutes: z.optional(
        described(
          z.nullable(integer.check(z.gte(1), z.lte(30 * 24 * 60))),
          'escalate to a ticket when still unresolved this many minutes after it began; null: never',
        ),
      ),
      escalateWhen: z.optional(
        described(
          z.nullable(RuleConditions),
          `escalate to a ticket on a customer message that meets these conditions (the automation rules’ shape and operators), reading ${CHAT_CONDITION_FIELDS.join(', ')} (comment: the message text; triage.*: a light built-in triage of the message, without language); null: never by rule`,
        ),
      ),
    })
    .check(
      z.superRefine((settings, context) => {
        for (const error of escalateWhenErrors(settings.escalateWhen, 'escalateWhen')) {
          context.addIssue({
            code: 'custom',
            message: error.message,
            path: issuePath(error.path),
            input: settings,
          });
        }
      }),
    ),
  'ChatSettings',
);

const WebFormSettingsSchema = named(
  z.strictObject({
    perIpPerHour: z.optional(
      described(
        integer.check(z.gte(1), z.lte(10_000)),
        `submissions accepted per client IP address per hour (a token bucket); default ${DEFAULT_FORM_PER_IP_PER_HOUR}`,
      ),
    ),
  }),
  'WebFormSettings',
);

const channelTags = z.array(tag).check(z.maxLength(MAX_CHANNEL_TAGS));

export const CreateChannelBody = named(
  z.strictObject({
    type: ChannelTypeSchema,
    name: text(200),
    group: z.optional(z.nullable(described(id, 'the group tickets from this channel start in'))),
    tags: z.optional(described(channelTags, 'tags every ticket from this channel gets')),
    twilio: z.optional(described(TwilioSettingsSchema, 'required for sms_twilio, refused for other types')),
    chat: z.optional(described(ChatSettingsSchema, 'chat channels only')),
    webForm: z.optional(described(WebFormSettingsSchema, 'web_form channels only')),
  }),
  'CreateChannelRequest',
);

export const UpdateChannelBody = named(
  z
    .strictObject({
      name: z.optional(text(200)),
      group: z.optional(z.nullable(id)),
      tags: z.optional(channelTags),
      twilio: z.optional(TwilioSettingsSchema),
      chat: z.optional(ChatSettingsSchema),
      webForm: z.optional(WebFormSettingsSchema),
    })
    .check(atLeastOneField),
  'UpdateChannelRequest',
);

/** `{id}` or, for `POST /v1/channels/{id}`, `<id>:rotate-secret`. */
export const ChannelActionParam = z.strictObject({ id: z.string().check(z.minLength(1), z.maxLength(200)) });

const ChannelFields = {
  id: described(z.string(), 'ch_…; the public URL carries only this'),
  type: ChannelTypeSchema,
  name: z.string(),
  url: described(
    z.string(),
    'where the provider posts (webhook and chat: /v1/channels/{id}/messages; sms_twilio: /v1/channels/{id}/twilio) or customers open the form (web_form: /v1/forms/{id})',
  ),
  group: nullableString,
  tags: z.array(z.string()),
  twilio: z.nullable(TwilioSettingsSchema),
  chat: z.nullable(ChatSettingsSchema),
  webForm: z.nullable(WebFormSettingsSchema),
  signingSecrets: described(
    z.array(z.object({ createdAt: timestamp, expiresAt: z.nullable(timestamp) })),
    'the secrets that verify messages now (their values are shown only when made): the current one (expiresAt null) and rotated-out ones until they expire',
  ),
  createdAt: timestamp,
  updatedAt: timestamp,
  version: integer,
};

export const ChannelResponse = named(z.object(ChannelFields), 'Channel');
export const ChannelWithSecretResponse = named(
  z.object({
    ...ChannelFields,
    secret: described(
      z.string(),
      'whsec_… Standard Webhooks secret: shown only here; the sender signs every message with it',
    ),
  }),
  'ChannelWithSecret',
);
export const ChannelList = named(z.object({ items: z.array(ChannelResponse) }), 'ChannelList');

export const ChannelMessageBody = named(
  z.strictObject({
    conversationId: described(
      z.string().check(z.trim(), z.minLength(1), z.maxLength(256)),
      'the sender’s thread id: messages with the same one land on the same ticket',
    ),
    from: z
      .strictObject({
        id: z.optional(described(text(256), 'the sender’s id in your system (informational)')),
        name: z.optional(text(200)),
        email: z.optional(email),
        phone: z.optional(phone),
      })
      .check(emailOrPhone),
    text: z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_COMMENT_CHARS)),
    attachments: z.optional(
      described(
        z
          .array(
            z.strictObject({
              url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).check(z.maxLength(2048)),
              filename: z.optional(text(255)),
              contentType: z.optional(text(255)),
            }),
          )
          .check(z.maxLength(20)),
        `files to download and keep: at most ${LINKED_ATTACHMENT_LIMITS.maxPerMessage} per message, ${LINKED_ATTACHMENT_LIMITS.maxBytes / 1024 / 1024} MB each, ${LINKED_ATTACHMENT_LIMITS.maxBytesPerMessage / 1024 / 1024} MB together, downloaded together within ${LINKED_ATTACHMENT_LIMITS.deadlineMs / 1000} s, from public addresses, no executables; one that cannot be kept is listed in an internal note, never a failed message`,
      ),
    ),
    sentAt: z.optional(described(timestamp, 'when it was sent (informational)')),
  }),
  'ChannelMessage',
);

export const ChannelMessageAccepted = named(
  z.object({
    ticket: described(integer, 'the ticket the message is on'),
    outcome: described(
      z.enum(['created', 'commented', 'follow_up', 'duplicate']),
      'created: a new ticket; commented: added to its conversation’s ticket; follow_up: that ticket was closed, so a follow-up was opened; duplicate: this webhook-id was taken in before, nothing changed',
    ),
  }),
  'ChannelMessageAccepted',
);

/** Browsers send empty inputs as "": the operation drops them before this runs. Other fields are ignored. */
export const WebFormBody = named(
  z.object({
    name: z.optional(text(200)),
    email,
    subject: z.optional(text(200)),
    message: text(MAX_COMMENT_CHARS),
    website: z.optional(
      described(z.string().check(z.maxLength(2048)), 'the honeypot: hidden from people, left empty by them'),
    ),
  }),
  'WebFormSubmission',
);

export const WebFormAccepted = named(z.object({ status: z.enum(['received']) }), 'WebFormAccepted');

// ---- SMS: Twilio's Messaging webhook ----

export const TwilioMessageForm = named(
  z.looseObject({
    MessageSid: described(
      z
        .string()
        .check(z.regex(/^[A-Za-z]{2}[0-9A-Za-z]{8,62}$/, 'must be a Twilio message sid (SM… or MM…)')),
      'the replay key: Twilio retrying the same message stores nothing twice',
    ),
    From: described(
      z.string().check(z.regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 phone number, e.g. +14155550123')),
      'the customer’s number: the requester, and the conversation the message threads on',
    ),
    To: described(z.string().check(z.minLength(1), z.maxLength(64)), 'the channel’s Twilio number'),
    Body: z.optional(z.string().check(z.maxLength(10_000))),
    NumMedia: z.optional(
      described(
        z.string().check(z.regex(/^\d{1,2}$/, 'must be a number of media')),
        'MMS: MediaUrl0…, MediaContentType0… for each; kept as attachments',
      ),
    ),
  }),
  'TwilioMessage',
  'Twilio’s Messaging webhook, application/x-www-form-urlencoded; every other field Twilio sends is accepted and signed over',
);

// ---- chat conversations (core/chat) ----

const ConversationStatusSchema = z.enum(CONVERSATION_STATUSES);

export const ConversationListQuery = z.strictObject({
  status: z._default(
    described(ConversationStatusSchema, 'open (the default), resolved or escalated'),
    'open',
  ),
  limit,
  cursor: z.optional(cursor),
});

/** `{id}` of the conversation routes; for `POST /v1/conversations/{id}` it is `<id>:resolve` or `<id>:escalate`. */
export const ConversationParam = z.strictObject({ id: z.string().check(z.minLength(1), z.maxLength(200)) });

/** `GET /v1/conversations/{id}`: its messages come a page at a time (a long chat would outgrow a response). */
export const ConversationMessagesQuery = z.strictObject({
  limit: z._default(
    described(
      z.coerce
        .number()
        .check(z.refine(Number.isInteger, { message: 'must be an integer' }), z.gte(1), z.lte(200)),
      'messages per page, 1 to 200',
    ),
    50,
  ),
  cursor: z.optional(described(cursor, 'the `nextCursor` of the previous page')),
});

export const ConversationReplyBody = named(
  z.strictObject({
    text: described(text(MAX_CHAT_MESSAGE_CHARS), 'the reply, as the customer will read it'),
  }),
  'ConversationReplyRequest',
);

export const ConversationActionBody = named(
  z.strictObject({
    reason: z.optional(described(text(500), '`:escalate` only: why, shown on the ticket’s first comment')),
  }),
  'ConversationActionRequest',
);

const ChatCustomerSchema = z.object({
  id: described(nullableString, 'the chat provider’s id for the customer'),
  name: nullableString,
  email: nullableString,
  phone: nullableString,
});

export const ConversationResponse = named(
  z.object({
    id: described(z.string(), 'cv_…'),
    channelId: z.string(),
    externalId: described(z.string(), 'the chat provider’s conversation id'),
    customer: ChatCustomerSchema,
    status: ConversationStatusSchema,
    messages: described(integer, 'messages both ways'),
    customerMessages: integer,
    unresolvedCustomerMessages: described(
      integer,
      'customer messages since it (re)opened: what the channel’s escalateAfterMessages counts',
    ),
    lastMessageAt: timestamp,
    startedAt: timestamp,
    openedAt: described(timestamp, 'when the current open stretch began (a customer message reopens it)'),
    resolvedAt: z.nullable(timestamp),
    ticketNumber: described(z.nullable(integer), 'the ticket it became; null until escalated'),
    escalation: z.nullable(
      z.object({
        by: described(z.enum(ESCALATION_TRIGGERS), 'agent, rule, messages or minutes'),
        reason: z.string(),
        at: timestamp,
      }),
    ),
    timer: described(
      z.nullable(z.object({ dueAt: timestamp, effect: z.string() })),
      'the minutes-based escalation while armed',
    ),
    updatedAt: timestamp,
    version: integer,
  }),
  'Conversation',
);

export const ChatMessageResponse = named(
  z.object({
    id: z.string(),
    author: z.object({ type: z.enum(AUTHOR_TYPES), id: z.string(), name: nullableString }),
    text: z.string(),
    at: timestamp,
  }),
  'ChatMessage',
);

export const ConversationPage = page(ConversationResponse, 'ConversationPage');

export const ConversationWithMessagesResponse = named(
  z.object({
    conversation: ConversationResponse,
    messages: described(z.array(ChatMessageResponse), 'a page of its messages, oldest first'),
    nextCursor: described(
      z.nullable(z.string()),
      'pass as `cursor` for the next page of messages; null on the last page',
    ),
  }),
  'ConversationWithMessages',
);

export const ConversationReplyResponse = named(
  z.object({ conversation: ConversationResponse, message: ChatMessageResponse }),
  'ConversationReply',
);

export const ConversationActionResponse = named(
  z.object({
    conversation: ConversationResponse,
    ticket: described(z.nullable(TicketResponse), '`:escalate`: the ticket it became; `:resolve`: null'),
  }),
  'ConversationActionResult',
);

export const ChatMessageAccepted = named(
  z.object({
    conversation: described(z.string(), 'cv_… (the conversation the message belongs to)'),
    status: ConversationStatusSchema,
    ticket: described(
      z.nullable(integer),
      'the ticket the conversation became; null while it is a conversation',
    ),
    outcome: described(
      z.enum(['started', 'added', 'reopened', 'escalated', 'commented', 'follow_up', 'duplicate']),
      'started/added/reopened: kept as a conversation (no ticket); escalated: this message escalated it into a ticket; commented: the conversation was escalated before, the message is a comment on its ticket (follow_up: that ticket was closed, a follow-up was opened); duplicate: this webhook-id was taken in before',
    ),
  }),
  'ChatMessageAccepted',
);

// ---- outbound webhooks ----

const webhookEventType = described(
  z.enum([...SUBSCRIBABLE_EVENT_TYPES, ALL_EVENTS]),
  `a domain event type, or "${ALL_EVENTS}" for every one (types added later included)`,
);
const webhookUrl = described(
  z.string().check(z.minLength(1), z.maxLength(MAX_URL_CHARS)),
  'https to a public host (no credentials, no private, loopback or link-local address; checked again at every delivery against what the host resolves to); the local runtime also takes http://127.0.0.1:<port>',
);
const subscriptionFields = {
  url: webhookUrl,
  events: z.array(webhookEventType).check(z.minLength(1), z.maxLength(MAX_SUBSCRIBED_EVENTS)),
  description: z.optional(z.nullable(z.string().check(z.maxLength(MAX_SUBSCRIPTION_DESCRIPTION_CHARS)))),
  enabled: z.optional(described(z.boolean(), 'default true; a disabled subscription receives nothing')),
};

export const CreateSubscriptionBody = named(z.strictObject(subscriptionFields), 'CreateSubscriptionRequest');

export const UpdateSubscriptionBody = named(
  z.partial(z.strictObject(subscriptionFields)).check(atLeastOneField),
  'UpdateSubscriptionRequest',
);

export const SubscriptionActionParam = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(200)),
});

export const DeliveryActionParam = z.strictObject({
  id,
  deliveryAction: z.string().check(z.minLength(1), z.maxLength(200)),
});

const CircuitResponse = named(
  z.object({
    state: described(
      z.enum(CIRCUIT_STATES),
      'closed: deliveries go; open: after repeated failures nothing is sent until `openUntil` (deliveries wait, spending no attempt); half_open: one delivery is probing the endpoint, and its success closes the circuit',
    ),
    consecutiveFailures: described(integer, 'failed attempts since the last success'),
    openUntil: z.nullable(timestamp),
    cooldownSeconds: described(integer, 'the current opening’s cooldown (doubles after each failed probe)'),
  }),
  'WebhookCircuit',
);

const subscriptionResponseFields = {
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: nullableString,
  enabled: z.boolean(),
  circuit: CircuitResponse,
  createdAt: timestamp,
  updatedAt: timestamp,
  version: integer,
};

export const SubscriptionResponse = named(z.object(subscriptionResponseFields), 'Subscription');

export const SubscriptionList = named(
  z.object({ items: z.array(SubscriptionResponse) }),
  'SubscriptionList',
  `at most ${MAX_SUBSCRIPTIONS}, oldest first`,
);

export const CreatedSubscriptionResponse = named(
  z.object({
    ...subscriptionResponseFields,
    secret: described(
      z.string(),
      'the signing secret, `whsec_` + base64: shown here and on rotation only; verify deliveries with it (any Standard Webhooks library)',
    ),
  }),
  'CreatedSubscription',
);

const DeliveryAttemptResponse = named(
  z.object({
    round: described(integer, '1, then one more per redelivery'),
    attempt: described(integer, `1 to ${MAX_ATTEMPTS} within the round`),
    at: timestamp,
    statusCode: described(z.nullable(integer), 'the receiver’s HTTP status; null: no answer'),
    durationMs: integer,
    error: described(
      z.nullable(z.string()),
      'why it failed: no answer, timeout, refused address, a non-2xx status',
    ),
    outcome: z.enum(['delivered', 'retrying', 'failed']),
  }),
  'WebhookDeliveryAttempt',
);

export const DeliveryResponse = named(
  z.object({
    id: described(z.string(), 'the `webhook-id` header: the same on every attempt and redelivery'),
    subscriptionId: z.string(),
    eventId: described(
      z.string(),
      'the domain event the payload carries (for a rule.notification, the rule.fired event)',
    ),
    type: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    payload: described(
      z.unknown(),
      'the body posted: `{ type, timestamp, data }`, and `survey` in a solve’s `ticket.status_changed`',
    ),
    round: integer,
    nextAttemptAt: z.nullable(timestamp),
    attempts: described(
      z.array(DeliveryAttemptResponse),
      `oldest first (the newest ${MAX_LOGGED_ATTEMPTS} kept)`,
    ),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  'WebhookDelivery',
);

export const DeliveryPage = page(DeliveryResponse, 'WebhookDeliveryPage');

/** The webhook payload and headers, for the subscription routes' description in the OpenAPI document. */
export const WEBHOOK_DELIVERY_DOC = `Each delivery is an HTTP POST of \`application/json\` \`{ "type": "<event type>", "timestamp": "<when it happened, ISO-8601>", "data": <the domain event: id, type, version, tenantId, occurredAt, actor, ticket (or agent), data> }\`, signed per Standard Webhooks: \`webhook-id\` (the delivery id: the same on every retry and redelivery, so drop duplicates by it), \`webhook-timestamp\` (Unix seconds of this attempt) and \`webhook-signature\` (\`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">\`, one per secret, space-separated: during the ${SECRET_ROTATION_OVERLAP_MS / 3_600_000} hours after a rotation the old secret signs too). Verify with any Standard Webhooks library, e.g. \`new Webhook(secret).verify(body, headers)\`. Answer 2xx within ${WEBHOOK_TIMEOUT_MS / 1000} s (the body is ignored, at most ${WEBHOOK_MAX_RESPONSE_BYTES / 1024} KB); redirects are not followed. Anything else is retried ${MAX_ATTEMPTS - 1} times after ${RETRY_SCHEDULE_SECONDS.map((s) => (s < 60 ? `${s} s` : `${s / 60} min`)).join(', ')} (±20 %), then the delivery fails (kept ${DELIVERY_RETENTION_DAYS} days: redeliver it). After ${CIRCUIT_FAILURE_THRESHOLD} consecutive failed attempts the endpoint's circuit opens for ${CIRCUIT_BASE_COOLDOWN_SECONDS / 60} minute (doubling after each failed probe, up to ${CIRCUIT_MAX_COOLDOWN_SECONDS / 3600} hour): deliveries wait instead of being attempted. An automation rule's \`notify_webhook\` action sends its subscription \`{ "type": "rule.notification", "data": { id, tenantId, occurredAt, rule: { id, name, actions }, ticket } }\`, whatever events it subscribes to. When a ticket is solved, its \`ticket.status_changed\` payload also carries \`survey: { url, expiresAt }\`, the satisfaction survey link of that solve (the survey mail's link: it works ${SURVEY_TTL_DAYS} days), unless the tenant turned \`csatSurveys\` off or the ticket is spam.`;

export const ChannelOrChatMessageAccepted = named(
  z.union([ChannelMessageAccepted, ChatMessageAccepted]),
  'ChannelMessageResult',
  'ChannelMessageAccepted for a webhook channel, ChatMessageAccepted for a chat channel',
);
