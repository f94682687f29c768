/** The domain's data: what a ticket, a timeline event, a customer, an agent and a group are. */

import type { ConversationRef } from './channels/channel.ts';
import type { WeeklyInterval } from './sla/schedule.ts';
import type { Triage } from './triage/classifier.ts';

export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const TICKET_TYPES = ['question', 'incident', 'problem', 'task'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export const CHANNELS = ['api', 'email', 'webhook', 'web_form', 'sms', 'chat'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CUSTOM_FIELD_TYPES = ['string', 'number', 'boolean', 'date'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];
export type CustomFieldValue = string | number | boolean;

export const AUTHOR_TYPES = ['customer', 'agent', 'system'] as const;
export type AuthorType = (typeof AUTHOR_TYPES)[number];

export const AGENT_ROLES = ['agent', 'admin'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const AGENT_STATUSES = ['available', 'away'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** How a group hands its tickets to agents (see functions/core/routing). */
export const ASSIGNMENT_STRATEGIES = ['round_robin', 'least_loaded', 'skills', 'manual'] as const;
export type AssignmentStrategy = (typeof ASSIGNMENT_STRATEGIES)[number];

/** Fields an agent can set by hand; once they have, automation (rules, routing) leaves them alone. */
export const PINNABLE_FIELDS = ['priority', 'type', 'group', 'assignee', 'status'] as const;
export type PinnableField = (typeof PINNABLE_FIELDS)[number];

/** The triage stored on a ticket: the classifier's verdict, and the event whose text it classified. */
export interface TicketTriage extends Triage {
  /** Timeline event id of the message classified; an older message never replaces a newer verdict. */
  readonly basedOn: string;
  readonly at: string;
}

/** One SLA metric as the ticket shows it (see core/sla/metrics.ts for the definitions). */
export interface TicketSlaMetric {
  readonly metric: string;
  readonly targetMinutes: number;
  /** When it breaches (or breached); null while paused. */
  readonly dueAt: string | null;
  readonly elapsedMinutes: number;
  readonly paused: boolean;
  readonly breached: boolean;
  readonly fulfilledAt: string | null;
}

/** The ticket's SLA: the policy that applies and its metrics, as of `at`. */
export interface TicketSla {
  readonly policy: { readonly id: string; readonly name: string };
  readonly metrics: readonly TicketSlaMetric[];
  /** A running metric has breached. */
  readonly breached: boolean;
  /** A running metric is past its warning and not yet breached. */
  readonly atRisk: boolean;
  /** The earliest due time of a running metric: what the at-risk and breached views sort by. */
  readonly nextDueAt: string | null;
  readonly at: string;
}

/** A deadline armed for the ticket (the TIMER item beside it; see core/timers.ts). */
export interface ArmedTimer {
  readonly slot: string;
  readonly kind: string;
  readonly dueAt: string;
  readonly effect: string;
}

/** Rule firings on a ticket within the current window: the per-ticket budget that stops rule loops. */
export interface RuleBudget {
  readonly firings: number;
  readonly windowStart: string;
}

export type LinkKind = 'follow_up_of' | 'followed_up_by';
export interface TicketLink {
  readonly kind: LinkKind;
  readonly number: number;
}

/** Where an external link points: an engineering tracker Deskless knows, or anything else. */
export const EXTERNAL_SYSTEMS = ['jira', 'linear', 'github', 'other'] as const;
export type ExternalSystem = (typeof EXTERNAL_SYSTEMS)[number];

/** A link from a ticket to something outside Deskless (an engineering issue, a status page, a document). */
export interface ExternalLink {
  /** A public https URL; a ticket holds each URL once. */
  readonly url: string;
  readonly title: string | null;
  readonly system: ExternalSystem;
  /** The other system's own id for it, e.g. `ENG-42` or `acme/api#17`. */
  readonly externalId: string | null;
  readonly addedAt: string;
  /** Who added it: an agent, or the integration's channel key (a system actor). */
  readonly addedBy: Actor;
}

export interface RequesterRef {
  readonly id: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly name: string | null;
}

export interface Ticket {
  readonly tenantId: string;
  readonly number: number;
  readonly subject: string;
  readonly status: Status;
  readonly priority: Priority;
  readonly type: TicketType;
  readonly tags: readonly string[];
  readonly customFields: Readonly<Record<string, CustomFieldValue>>;
  readonly requester: RequesterRef;
  readonly assignee: string | null;
  readonly group: string | null;
  readonly channel: Channel;
  readonly links: readonly TicketLink[];
  /** Links to issues and pages outside Deskless (engineering trackers), oldest first; at most 20. */
  readonly externalLinks: readonly ExternalLink[];
  /** People copied on the conversation (email addresses): they receive public replies too. */
  readonly participants: readonly string[];
  /** The support address the conversation runs through, for tickets that came by email; replies go from it. */
  readonly mailbox: string | null;
  /**
   * The conversation outside Deskless the ticket came from (a webhook, SMS, chat or web-form thread): new
   * messages of that thread land on this ticket. Null for tickets opened through the API or by email.
   */
  readonly conversation: ConversationRef | null;
  /**
   * Held as spam (the mail's spam verdict failed, or an agent said so): kept out of every queue view and
   * listed on its own (`status=spam`), never answered automatically, until an agent releases it.
   */
  readonly spam: boolean;
  /** The classifier's verdict on the latest customer message; null until triage has run. */
  readonly triage: TicketTriage | null;
  /** Fields an agent set by hand: automation never overwrites a human decision. */
  readonly pinnedFields: readonly PinnableField[];
  readonly ruleBudget: RuleBudget | null;
  /** The SLA policy that applies and its metrics; null when none applies. */
  readonly sla: TicketSla | null;
  /** The deadlines armed for it (SLA warnings and breaches, auto-close, pending reminders). */
  readonly timers: readonly ArmedTimer[];
  /** One-time timer effects already applied in the current cycles (a fired warning is not armed again). */
  readonly timerEffectsDone: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly solvedAt: string | null;
  readonly closedAt: string | null;
  readonly version: number;
}

/** Who did something. `id` is a customer id, an agent id, an API key id or a system component name. */
export interface Actor {
  readonly type: AuthorType;
  readonly id: string;
  readonly name?: string | null;
  readonly email?: string | null;
}

/** The fields of a ticket that change through `PATCH` and are recorded old → new. */
export const PATCHABLE_FIELDS = [
  'subject',
  'priority',
  'type',
  'tags',
  'customFields',
  'group',
  'assignee',
  'status',
  'spam',
] as const;
export type PatchableField = (typeof PATCHABLE_FIELDS)[number];

export type TimelineEventData =
  | {
      readonly type: 'created';
      readonly subject: string;
      readonly channel: Channel;
      readonly status: Status;
      readonly priority: Priority;
      readonly requesterId: string;
      /** The tags it was opened with (absent on events recorded before they were carried). */
      readonly tags?: readonly string[];
    }
  | {
      readonly type: 'comment';
      readonly body: string;
      readonly public: boolean;
      /** Set when the comment came by email. */
      readonly email?: EmailOrigin;
      readonly attachments?: readonly AttachmentMeta[];
    }
  | {
      readonly type: 'field_changed';
      readonly field: Exclude<PatchableField, 'status' | 'assignee'> | 'participants';
      readonly from: unknown;
      readonly to: unknown;
      /** Why automation changed it (which rule, which routing step); absent for changes by people. */
      readonly reason?: string;
    }
  | { readonly type: 'status_changed'; readonly from: Status; readonly to: Status; readonly reason: string }
  | {
      readonly type: 'assigned';
      readonly from: string | null;
      readonly to: string | null;
      /** Why automation assigned it: the strategy and how it chose. */
      readonly reason?: string;
      readonly strategy?: AssignmentStrategy;
    }
  | {
      readonly type: 'triaged';
      readonly triage: Triage;
      /** The timeline event whose text was classified. */
      readonly forEvent: string;
    }
  | {
      readonly type: 'rule_fired';
      readonly ruleId: string;
      readonly ruleName: string;
      /** The actions that changed something. */
      readonly actions: readonly { readonly field: string; readonly value: unknown }[];
      /** Actions left out, with why (a field an agent set by hand, an unknown macro). */
      readonly skipped: readonly { readonly field: string; readonly reason: string }[];
    }
  | { readonly type: 'rules_halted'; readonly firings: number; readonly reason: string }
  | {
      readonly type: 'routing_deferred';
      readonly group: string | null;
      readonly strategy: AssignmentStrategy | null;
      readonly reason: string;
    }
  | { readonly type: 'macro_applied'; readonly macroId: string; readonly macroName: string }
  | {
      readonly type: 'sla_warning';
      readonly metric: string;
      readonly policy: string;
      readonly dueAt: string;
    }
  | {
      readonly type: 'sla_breached';
      readonly metric: string;
      readonly policy: string;
      readonly dueAt: string;
      /** What the policy's escalation changed (recorded for reporting), and what it left to an agent's choice. */
      readonly escalation: readonly string[];
    }
  | { readonly type: 'reminder_sent'; readonly afterHours: number }
  | { readonly type: 'linked'; readonly link: LinkKind; readonly number: number }
  | {
      readonly type: 'external_link_added';
      readonly url: string;
      readonly title: string | null;
      readonly system: ExternalSystem;
      readonly externalId: string | null;
    }
  | {
      readonly type: 'email_sent';
      readonly kind: OutboundKind;
      readonly to: readonly string[];
      readonly cc: readonly string[];
      readonly messageId: string;
      /** The timeline event the mail was sent for (its id de-duplicates redelivered sends). */
      readonly forEvent: string;
    }
  | {
      readonly type: 'email_failed';
      readonly kind: OutboundKind;
      readonly to: readonly string[];
      readonly error: string;
      readonly attempt: number;
      readonly forEvent: string;
    }
  | {
      readonly type: 'email_bounced';
      readonly bouncedMessageId: string | null;
      readonly from: string | null;
      readonly reason: string;
      readonly rawKey: string | null;
    }
  | {
      readonly type: 'sms_sent';
      readonly to: string;
      readonly from: string;
      /** Twilio's message sids, one per part (a reply longer than one SMS allows is split). */
      readonly sids: readonly string[];
      /** The timeline event (a public comment) the SMS was sent for. */
      readonly forEvent: string;
    }
  | {
      readonly type: 'sms_failed';
      readonly to: string;
      readonly error: string;
      /** Twilio's HTTP status, when it answered. */
      readonly status: number | null;
      readonly attempt: number;
      /** False when Twilio refused the message for good (a bad number): it is not tried again. */
      readonly retrying: boolean;
      readonly forEvent: string;
    };

/** Mail Deskless sends: the acknowledgement of a new email ticket, a public reply, a satisfaction survey. */
export type OutboundKind = 'acknowledgement' | 'reply' | 'survey';

/** Where an emailed comment came from; the raw MIME stays in the mail bucket under `rawKey`. */
export interface EmailOrigin {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  /** The whole text as received (quoted history and signature included), for agents who need it. */
  readonly text: string;
  /** The HTML part, sanitised for display; null when there was none or it was too large (see the raw MIME). */
  readonly html: string | null;
  readonly rawKey: string | null;
  /** Set for auto-replies and bulk mail: Deskless never answers those automatically. */
  readonly automated: string | null;
}

export interface AttachmentMeta {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** Key in the mail bucket; null when the attachment was dropped. */
  readonly key: string | null;
  readonly inline: boolean;
  /** Why it was not kept (size limits), when dropped. */
  readonly dropped?: string;
}

export type TimelineEventType = TimelineEventData['type'];

/** The state of the ticket right after the event: lets consumers act without reading the ticket back. */
export interface TicketSummary {
  readonly number: number;
  readonly status: Status;
  readonly priority: Priority;
  readonly type: TicketType;
  readonly group: string | null;
  readonly assignee: string | null;
  readonly requesterId: string;
  readonly channel: Channel;
  readonly version: number;
}

/** An immutable entry of a ticket's timeline. Written once, in the transaction of the change it records. */
export interface TimelineEvent {
  readonly id: string;
  readonly tenantId: string;
  readonly ticketNumber: number;
  readonly at: string;
  readonly actor: Actor;
  readonly data: TimelineEventData;
  readonly ticket: TicketSummary;
}

export interface Customer {
  readonly tenantId: string;
  readonly id: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly name: string | null;
  /** Organisation by email domain; null for public mail providers and phone-only customers. */
  readonly organization: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Agent {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly role: AgentRole;
  readonly groups: readonly string[];
  readonly skills: readonly string[];
  readonly capacity: number;
  readonly status: AgentStatus;
  /**
   * Unsolved tickets assigned to the agent (new, open, pending, on hold). Kept by the ticket transactions
   * themselves, so it never drifts; routing never takes it past `capacity`.
   */
  readonly load: number;
  /** When the agent works, in their time zone; null means any time. Routing skips agents off shift. */
  readonly workingHours: WorkingHours | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface WorkingHours {
  /** IANA name, e.g. 'Europe/Madrid'. */
  readonly timeZone: string;
  readonly weekly: readonly WeeklyInterval[];
}

export interface Group {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly assignment: AssignmentStrategy;
  readonly createdAt: string;
}

export interface CustomFieldDefinition {
  readonly key: string;
  readonly type: CustomFieldType;
  readonly title: string;
  readonly createdAt: string;
}

export type ApiKeyRole = 'admin' | 'agent' | 'channel';

export interface ApiKey {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly role: ApiKeyRole;
  /** The agent this key acts as; comments without an author are theirs. */
  readonly agentId: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  /** First characters of the secret, so admins can tell keys apart without seeing them. */
  readonly prefix: string;
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}
