import { en } from 'zod/locales';
import * as z from 'zod/mini';
import {
  AGENT_ROLES,
  AGENT_STATUSES,
  AUTHOR_TYPES,
  CHANNELS,
  CUSTOM_FIELD_TYPES,
  PRIORITIES,
  STATUSES,
  TICKET_TYPES,
} from '../core/model.ts';

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
};

export const CreateAgentBody = named(z.strictObject(agentFields), 'CreateAgentRequest');

export const UpdateAgentBody = named(
  z.partial(z.strictObject(agentFields)).check(atLeastOneField),
  'UpdateAgentRequest',
);

export const CreateGroupBody = named(
  z.strictObject({ name: text(200), description: z.optional(text(1000)) }),
  'CreateGroupRequest',
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
    participants: described(
      z.array(z.string()),
      'addresses copied on the conversation; they receive public replies',
    ),
    mailbox: described(nullableString, 'support address of an email conversation; replies are sent from it'),
    spam: described(z.boolean(), 'held as spam: out of every queue, listed with status=spam, never answered'),
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
      'email_sent',
      'email_failed',
      'email_bounced',
    ]),
    at: timestamp,
    actor: Actor,
    data: described(
      z.record(z.string(), z.unknown()),
      'created: subject, channel, status, priority, requesterId; comment: body, public, email?, attachments?; field_changed: field, from, to; status_changed: from, to, reason; assigned: from, to; linked: link, number; email_sent: kind, to, cc, messageId, forEvent; email_failed: kind, to, error, attempt, forEvent; email_bounced: bouncedMessageId, from, reason, rawKey',
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
    capacity: integer,
    status: z.enum(AGENT_STATUSES),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: integer,
  }),
  'Agent',
);
export const AgentPage = page(AgentResponse, 'AgentPage');

export const GroupResponse = named(
  z.object({ id: z.string(), name: z.string(), description: nullableString, createdAt: timestamp }),
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
