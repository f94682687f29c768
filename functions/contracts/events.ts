import * as z from 'zod';
import { AGENT_AVAILABLE } from '../core/agent-events.ts';
import { CONVERSATION_STATUSES, ESCALATION_TRIGGERS } from '../core/chat/conversation.ts';
import type { ConversationEventType } from '../core/chat/events.ts';
import { type DOMAIN_EVENT_TYPES, DOMAIN_EVENT_VERSION } from '../core/domain-events.ts';
import {
  AGENT_STATUSES,
  ASSIGNMENT_STRATEGIES,
  AUTHOR_TYPES,
  CHANNELS,
  EXTERNAL_SYSTEMS,
  PRIORITIES,
  STATUSES,
  TICKET_TYPES,
} from '../core/model.ts';
import { URGENCIES } from '../core/triage/classifier.ts';
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
    tags: z
      .array(z.string())
      .optional()
      .describe('the tags it was opened with, lower-case; absent on events published before they were'),
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
    reason: z.string().optional().describe('why automation changed it; absent for changes by people'),
  }),
  'ticket.status_changed': z.object({ from: z.enum(STATUSES), to: z.enum(STATUSES), reason: z.string() }),
  'ticket.assigned': z.object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    reason: z.string().optional().describe('how routing chose the agent; absent for assignments by people'),
    strategy: z.enum(ASSIGNMENT_STRATEGIES).optional(),
  }),
  'ticket.triaged': z.object({
    triage: z.object({
      language: z.string().describe('ISO 639-1, or "und"'),
      sentiment: z.number().min(-1).max(1),
      intent: z.string().nullable(),
      urgency: z.enum(URGENCIES),
      confidence: z.object({
        language: z.number(),
        sentiment: z.number(),
        intent: z.number(),
        urgency: z.number(),
      }),
      classifier: z.string().describe('which classifier decided, with its version, e.g. builtin@1'),
    }),
    forEvent: z.string().describe('id of the timeline event whose text was classified'),
  }),
  'rule.fired': z.object({
    ruleId: z.string(),
    ruleName: z.string(),
    actions: z.array(z.object({ field: z.string(), value: z.unknown() })),
    skipped: z.array(z.object({ field: z.string(), reason: z.string() })),
  }),
  'rules.halted': z.object({ firings: z.number().int(), reason: z.string() }),
  'ticket.queued': z
    .object({
      group: z.string().nullable(),
      strategy: z.enum(ASSIGNMENT_STRATEGIES).nullable(),
      reason: z.string(),
    })
    .describe('routing found no agent to take the ticket now; it waits in its group’s queue'),
  'macro.applied': z.object({ macroId: z.string(), macroName: z.string() }),
  'sla.warning': z
    .object({ metric: z.string(), policy: z.string(), dueAt: z.iso.datetime() })
    .describe('a running SLA metric passed its warning time: it breaches at dueAt'),
  'sla.breached': z.object({
    metric: z.string(),
    policy: z.string(),
    dueAt: z.iso.datetime(),
    escalation: z
      .array(z.string())
      .describe('what the policy’s escalation changed, or left to an agent’s choice'),
  }),
  'ticket.reminder_sent': z
    .object({ afterHours: z.number() })
    .describe('the requester of a pending ticket was reminded that it waits for them'),
  'ticket.linked': z.object({ link: z.enum(['follow_up_of', 'followed_up_by']), number: z.number().int() }),
  'ticket.external_link_added': z
    .object({
      url: z.string().describe('public https URL, in normal form; a ticket links to each URL once'),
      title: z.string().nullable(),
      system: z.enum(EXTERNAL_SYSTEMS).describe('the tracker it belongs to, or other'),
      externalId: z.string().nullable().describe('the other system’s id, e.g. ENG-42 or acme/api#17'),
    })
    .describe('the ticket was linked to an issue or page outside Deskless (an engineering tracker)'),
  'email.sent': z.object({
    kind: z.enum(['acknowledgement', 'reply', 'survey']),
    to: z.array(z.string()),
    cc: z.array(z.string()),
    messageId: z.string(),
    forEvent: z.string().describe('id of the timeline event the mail was sent for'),
  }),
  'email.failed': z.object({
    kind: z.enum(['acknowledgement', 'reply', 'survey']),
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
  'sms.sent': z
    .object({
      to: z.string().describe('E.164 number of the requester'),
      from: z.string().describe('the channel’s Twilio number'),
      sids: z
        .array(z.string())
        .describe('Twilio message sids, one per part of a reply split at 1,600 characters'),
      forEvent: z.string().describe('id of the timeline event (a public comment) the SMS was sent for'),
    })
    .describe('a public reply on an SMS ticket was handed to Twilio'),
  'sms.failed': z
    .object({
      to: z.string(),
      error: z.string(),
      status: z.number().int().nullable().describe('Twilio’s HTTP status, when it answered'),
      attempt: z.number().int(),
      retrying: z.boolean().describe('false when Twilio refused the message for good (a bad number)'),
      forEvent: z.string(),
    })
    .describe('a public reply on an SMS ticket could not be sent'),
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

/** `agent.available`: the same envelope with the agent in place of a ticket (core/agent-events.ts). */
export function agentEventSchema() {
  return z
    .object({
      id: z.string().describe('ULID of the agent event; de-duplicate on it'),
      type: z.literal(AGENT_AVAILABLE),
      version: z.literal(DOMAIN_EVENT_VERSION),
      tenantId: z.string(),
      occurredAt: z.iso.datetime(),
      actor,
      agent: z.object({
        id: z.string(),
        groups: z.array(z.string()),
        status: z.enum(AGENT_STATUSES),
        capacity: z.number().int(),
        load: z.number().int(),
      }),
      data: z.object({
        reason: z.string().describe('what changed: back from away, more capacity, a new group…'),
      }),
    })
    .meta({
      title: AGENT_AVAILABLE,
      description: `EventBridge detail of "${AGENT_AVAILABLE}" events: an agent can take more tickets (routing hands queued ones out)`,
    });
}

// ---- chat conversations (core/chat): the same envelope with the conversation in place of a ticket ----

const chatMessage = z.object({
  id: z.string().describe('ULID of the message'),
  author: z.object({
    type: z.enum(AUTHOR_TYPES),
    id: z
      .string()
      .describe('the provider’s customer id (or email, phone), an agent id, or a system component'),
    name: z.string().nullable(),
  }),
  text: z.string(),
  at: z.iso.datetime(),
});

const CONVERSATION_DATA = {
  'conversation.message_added': z
    .object({ message: chatMessage })
    .describe(
      'a message was added to a chat conversation; an agent’s reply (author.type "agent") is what to deliver to the customer on the chat provider',
    ),
  'conversation.resolved': z.object({}).describe('the conversation was resolved without becoming a ticket'),
  'conversation.escalated': z
    .object({
      by: z
        .enum(ESCALATION_TRIGGERS)
        .describe('an agent, the channel’s rule, its message count or its minutes'),
      reason: z.string(),
      ticketNumber: z.number().int().describe('the ticket the conversation became'),
    })
    .describe('the conversation became a ticket; later customer messages are comments on it'),
} as const satisfies Record<ConversationEventType, z.ZodType>;

export const CONVERSATION_EVENT_TYPE_NAMES = Object.keys(CONVERSATION_DATA) as ConversationEventType[];

export function conversationEventSchema(type: ConversationEventType) {
  return z
    .object({
      id: z.string().describe('ULID of the conversation event; de-duplicate on it'),
      type: z.literal(type),
      version: z.literal(DOMAIN_EVENT_VERSION),
      tenantId: z.string(),
      occurredAt: z.iso.datetime(),
      actor,
      conversation: z
        .object({
          id: z.string().describe('cv_…'),
          channelId: z.string(),
          externalId: z.string().describe('the chat provider’s conversation id'),
          status: z.enum(CONVERSATION_STATUSES),
          customer: z.object({
            id: z.string().nullable().describe('the provider’s customer id'),
            name: z.string().nullable(),
            email: z.string().nullable(),
            phone: z.string().nullable(),
          }),
          messages: z.number().int(),
          customerMessages: z.number().int(),
          ticketNumber: z.number().int().nullable(),
          version: z.number().int(),
        })
        .describe('the conversation right after the change'),
      data: CONVERSATION_DATA[type],
    })
    .meta({
      title: type,
      description: `EventBridge detail of "${type}" events (source "${eventBus.source}", detail-type "${type}")`,
    });
}

export function eventJsonSchemas(): Record<string, unknown> {
  return Object.fromEntries([
    ...DOMAIN_EVENT_TYPE_NAMES.map((type) => [
      `v${DOMAIN_EVENT_VERSION}/${type}.json`,
      z.toJSONSchema(domainEventSchema(type), { io: 'output', unrepresentable: 'any' }),
    ]),
    [
      `v${DOMAIN_EVENT_VERSION}/${AGENT_AVAILABLE}.json`,
      z.toJSONSchema(agentEventSchema(), { io: 'output', unrepresentable: 'any' }),
    ],
    ...CONVERSATION_EVENT_TYPE_NAMES.map((type) => [
      `v${DOMAIN_EVENT_VERSION}/${type}.json`,
      z.toJSONSchema(conversationEventSchema(type), { io: 'output', unrepresentable: 'any' }),
    ]),
  ]);
}
