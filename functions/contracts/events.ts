import * as z from 'zod';
import { type DOMAIN_EVENT_TYPES, DOMAIN_EVENT_VERSION } from '../core/domain-events.ts';
import { AUTHOR_TYPES, CHANNELS, PRIORITIES, STATUSES, TICKET_TYPES } from '../core/model.ts';
import { eventBus } from '../topology.ts';

/**
 * The domain events' public contract. `npm run schemas` writes these as JSON Schemas to
 * schemas/events/v<version>/<type>.json; a test fails when the committed files differ. A breaking change makes
 * a new version, never an edit of a published one.
 */
const ticketSummary = z.object({
  number: z.number().int(),
  status: z.enum(STATUSES),
  priority: z.enum(PRIORITIES),
  type: z.enum(TICKET_TYPES),
  group: z.string().nullable(),
  assignee: z.string().nullable(),
  requesterId: z.string(),
  channel: z.enum(CHANNELS),
  version: z.number().int(),
});

const actor = z.object({
  type: z.enum(AUTHOR_TYPES),
  id: z.string(),
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
});

const DATA = {
  'ticket.created': z.object({
    subject: z.string(),
    channel: z.enum(CHANNELS),
    status: z.enum(STATUSES),
    priority: z.enum(PRIORITIES),
    requesterId: z.string(),
  }),
  'comment.added': z.object({
    body: z.string().describe(`cut to 8,000 characters; read the full comment from the API when truncated`),
    public: z.boolean(),
    truncated: z.literal(true).optional(),
    email: z
      .object({
        messageId: z.string(),
        from: z.string(),
        to: z.array(z.string()),
        cc: z.array(z.string()),
        subject: z.string(),
        rawKey: z.string().nullable(),
        automated: z.string().nullable(),
      })
      .optional()
      .describe('set when the comment came by email'),
    attachments: z
      .array(
        z.object({
          filename: z.string(),
          contentType: z.string(),
          size: z.number().int(),
          key: z.string().nullable(),
          inline: z.boolean(),
          dropped: z.string().optional(),
        }),
      )
      .optional(),
  }),
  'ticket.updated': z.object({
    field: z.enum(['subject', 'priority', 'type', 'tags', 'customFields', 'group', 'participants', 'spam']),
    from: z.unknown(),
    to: z.unknown(),
  }),
  'ticket.status_changed': z.object({ from: z.enum(STATUSES), to: z.enum(STATUSES), reason: z.string() }),
  'ticket.assigned': z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  'ticket.linked': z.object({ link: z.enum(['follow_up_of', 'followed_up_by']), number: z.number().int() }),
  'email.sent': z.object({
    kind: z.enum(['acknowledgement', 'reply']),
    to: z.array(z.string()),
    cc: z.array(z.string()),
    messageId: z.string(),
    forEvent: z.string().describe('id of the timeline event the mail was sent for'),
  }),
  'email.failed': z.object({
    kind: z.enum(['acknowledgement', 'reply']),
    to: z.array(z.string()),
    error: z.string(),
    attempt: z.number().int(),
    forEvent: z.string(),
  }),
  'email.bounced': z.object({
    bouncedMessageId: z.string().nullable(),
    from: z.string().nullable(),
    reason: z.string(),
    rawKey: z.string().nullable(),
  }),
} as const satisfies Record<(typeof DOMAIN_EVENT_TYPES)[keyof typeof DOMAIN_EVENT_TYPES], z.ZodType>;

export type DomainEventTypeName = keyof typeof DATA;

export function domainEventSchema(type: DomainEventTypeName) {
  return z
    .object({
      id: z.string().describe('ULID of the timeline event; de-duplicate on it'),
      type: z.literal(type),
      version: z.literal(DOMAIN_EVENT_VERSION),
      tenantId: z.string(),
      occurredAt: z.iso.datetime(),
      actor,
      ticket: ticketSummary.describe('the ticket right after the change'),
      data: DATA[type],
    })
    .meta({
      title: type,
      description: `EventBridge detail of "${type}" events (source "${eventBus.source}", detail-type "${type}")`,
    });
}

export const DOMAIN_EVENT_TYPE_NAMES = Object.keys(DATA) as DomainEventTypeName[];

export function eventJsonSchemas(): Record<string, unknown> {
  return Object.fromEntries(
    DOMAIN_EVENT_TYPE_NAMES.map((type) => [
      `v${DOMAIN_EVENT_VERSION}/${type}.json`,
      z.toJSONSchema(domainEventSchema(type), { io: 'output', unrepresentable: 'any' }),
    ]),
  );
}
