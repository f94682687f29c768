import { z } from 'zod';
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
export const apiRegistry = z.registry<{ id: string; description?: string }>();

const named = <T extends z.ZodType>(schema: T, id: string, description?: string): T => {
  apiRegistry.add(schema, description === undefined ? { id } : { id, description });
  return schema;
};

const text = (max: number) => z.string().trim().min(1).max(max);
const id = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -');
const email = z.email().max(254);
const phone = z.string().min(3).max(32).describe('E.164, e.g. +14155550123; spaces and dashes are ignored');
const tag = z.string().trim().min(1).max(64).regex(/^[^,\s]+( [^,\s]+)*$/, 'no commas; spaces become _');
const customFieldValue = z.union([z.string().max(4096), z.number(), z.boolean()]);
const timestamp = z.iso.datetime();

export const Status = z.enum(STATUSES);
export const Priority = z.enum(PRIORITIES);
export const TicketType = z.enum(TICKET_TYPES);
export const Channel = z.enum(CHANNELS);

const identity = z
  .strictObject({ email: email.optional(), phone: phone.optional(), name: text(200).optional() })
  .refine((v) => v.email !== undefined || v.phone !== undefined, { message: 'needs an email or a phone' });

/** Largest comment body, in characters; the request itself is capped at 256 KB. */
export const MAX_COMMENT_CHARS = 64 * 1024;

export const CreateTicketBody = named(
  z.strictObject({
    subject: text(255),
    comment: z.strictObject({
      body: text(MAX_COMMENT_CHARS),
      public: z.boolean().optional().describe('default true: the requester’s description; false: an internal note'),
    }),
    requester: identity,
    priority: Priority.optional(),
    type: TicketType.optional(),
    tags: z.array(tag).max(50).optional(),
    customFields: z.record(z.string().max(64), customFieldValue).optional(),
    group: id.optional(),
  }),
  'CreateTicketRequest',
);

export const UpdateTicketBody = named(
  z
    .strictObject({
      subject: text(255).optional(),
      status: Status.optional(),
      priority: Priority.optional(),
      type: TicketType.optional(),
      assignee: id.nullable().optional().describe('agent id; null unassigns'),
      group: id.nullable().optional(),
      tags: z.array(tag).max(50).optional().describe('replaces the tags'),
      customFields: z
        .record(z.string().max(64), customFieldValue.nullable())
        .optional()
        .describe('merged into the fields; null removes one'),
    })
    .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' }),
  'UpdateTicketRequest',
);

export const AddCommentBody = named(
  z.strictObject({
    body: text(MAX_COMMENT_CHARS),
    public: z.boolean().optional().describe('default true'),
    author: z
      .strictObject({ email: email.optional(), phone: phone.optional() })
      .refine((v) => v.email !== undefined || v.phone !== undefined, { message: 'needs an email or a phone' })
      .optional()
      .describe('a customer writing (admin and channel keys only); without it the comment is the caller’s'),
  }),
  'AddCommentRequest',
);

const limit = z.coerce.number().int().min(1).max(100).default(25);
const cursor = z.string().min(1).max(2048);

export const ListTicketsQuery = z.strictObject({
  status: Status.optional(),
  group: id.optional(),
  assignee: id.optional(),
  requester: id.optional(),
  limit,
  cursor: cursor.optional(),
});
export const PageQuery = z.strictObject({ limit, cursor: cursor.optional() });
export const CustomerQuery = z.strictObject({ email: email.optional(), phone: phone.optional() });
export const TicketNumberParam = z.strictObject({
  number: z
    .string()
    .regex(/^[1-9]\d{0,9}$/, 'must be a ticket number')
    .transform(Number),
});
export const IdParam = z.strictObject({ id });

export const CreateAgentBody = named(
  z.strictObject({
    name: text(200),
    email,
    role: z.enum(AGENT_ROLES).optional(),
    groups: z.array(id).max(50).optional(),
    skills: z.array(text(64)).max(50).optional(),
    capacity: z.number().int().min(0).max(1000).optional(),
    status: z.enum(AGENT_STATUSES).optional(),
  }),
  'CreateAgentRequest',
);

export const UpdateAgentBody = named(
  CreateAgentBody.partial().refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' }),
  'UpdateAgentRequest',
);

export const CreateGroupBody = named(
  z.strictObject({ name: text(200), description: text(1000).optional() }),
  'CreateGroupRequest',
);

export const CreateCustomFieldBody = named(
  z.strictObject({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _, starting with a letter'),
    type: z.enum(CUSTOM_FIELD_TYPES),
    title: text(200).optional(),
  }),
  'CreateCustomFieldRequest',
);

export const CreateApiKeyBody = named(
  z.strictObject({
    name: text(200),
    role: z.enum(['admin', 'agent', 'channel']),
    agentId: id.optional().describe('the agent the key acts as (admin and agent keys)'),
  }),
  'CreateApiKeyRequest',
);

export const CreateTenantBody = named(
  z.strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{2,39}$/, '3–40 lower-case letters, digits or dashes')
      .optional()
      .describe('chosen tenant id; generated when absent'),
    name: text(200),
  }),
  'CreateTenantRequest',
);

// ---- responses (documentation; the handlers build them from domain objects) ----

const Requester = z.object({ id: z.string(), email: z.string().nullable(), phone: z.string().nullable(), name: z.string().nullable() });

export const TicketResponse = named(
  z.object({
    number: z.number().int().describe('per-tenant ticket number, shown as #1042'),
    subject: z.string(),
    status: Status,
    priority: Priority,
    type: TicketType,
    tags: z.array(z.string()),
    customFields: z.record(z.string(), customFieldValue),
    requester: Requester,
    assignee: z.string().nullable().describe('agent id'),
    group: z.string().nullable().describe('group id'),
    channel: Channel,
    version: z.number().int().describe('increases with every change; send it as If-Match to update safely'),
    createdAt: timestamp,
    updatedAt: timestamp,
    solvedAt: timestamp.nullable(),
    closedAt: timestamp.nullable(),
    links: z.array(z.object({ kind: z.enum(['follow_up_of', 'followed_up_by']), number: z.number().int() })),
  }),
  'Ticket',
);

const Actor = z.object({
  type: z.enum(AUTHOR_TYPES),
  id: z.string(),
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
});

export const TimelineEventResponse = named(
  z.object({
    id: z.string().describe('ULID; also the id of the domain event published for it'),
    type: z.enum(['created', 'comment', 'field_changed', 'status_changed', 'assigned', 'linked']),
    at: timestamp,
    actor: Actor,
    data: z
      .record(z.string(), z.unknown())
      .describe(
        'created: subject, channel, status, priority, requesterId; comment: body, public; field_changed: field, from, to; status_changed: from, to, reason; assigned: from, to; linked: link, number',
      ),
  }),
  'TimelineEvent',
);

export const CommentResponse = named(
  z.object({
    ticket: TicketResponse,
    comment: TimelineEventResponse,
    followUpOf: z
      .number()
      .int()
      .nullable()
      .describe('set when the ticket was closed: the comment opened this follow-up ticket instead'),
  }),
  'CommentResult',
);

export const CustomerResponse = named(
  z.object({
    id: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    name: z.string().nullable(),
    organization: z.string().nullable().describe('email domain, unless a public mail provider'),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  'Customer',
);

const page = <T extends z.ZodType>(item: T, id: string) =>
  named(z.object({ items: z.array(item), nextCursor: z.string().nullable() }), id);

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
    capacity: z.number().int(),
    status: z.enum(AGENT_STATUSES),
    createdAt: timestamp,
    updatedAt: timestamp,
    version: z.number().int(),
  }),
  'Agent',
);
export const AgentPage = page(AgentResponse, 'AgentPage');

export const GroupResponse = named(
  z.object({ id: z.string(), name: z.string(), description: z.string().nullable(), createdAt: timestamp }),
  'Group',
);
export const GroupPage = page(GroupResponse, 'GroupPage');

export const CustomFieldResponse = named(
  z.object({ key: z.string(), type: z.enum(CUSTOM_FIELD_TYPES), title: z.string(), createdAt: timestamp }),
  'CustomField',
);
export const CustomFieldList = named(z.object({ items: z.array(CustomFieldResponse) }), 'CustomFieldList');

export const ApiKeyResponse = named(
  z.object({
    id: z.string(),
    name: z.string(),
    role: z.enum(['admin', 'agent', 'channel']),
    agentId: z.string().nullable(),
    prefix: z.string().describe('first characters of the secret'),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
  }),
  'ApiKey',
);
export const ApiKeyPage = page(ApiKeyResponse, 'ApiKeyPage');
export const CreatedApiKeyResponse = named(
  ApiKeyResponse.extend({ secret: z.string().describe('shown once; send as `Authorization: Bearer <secret>`') }),
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
    type: z.string().describe('stable URI reference naming the problem, e.g. /docs#problem-validation'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('one entry per invalid field'),
  }),
  'Problem',
  'RFC 9457 problem details, served as application/problem+json',
);
