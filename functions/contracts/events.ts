import * as z from 'zod';
import { AGENT_AVAILABLE } from '../core/agent-events.ts';
import { type DOMAIN_EVENT_TYPES, DOMAIN_EVENT_VERSION } from '../core/domain-events.ts';
import {
  AGENT_STATUSES,
  ASSIGNMENT_STRATEGIES,
  AUTHOR_TYPES,
  CHANNELS,
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
  ]);
}
