import type { Status } from '../../core/model.ts';

/**
 * Every key of the single table (DESIGN.md data model). All tenant data lives under `T#{tenant}#…`, so a
 * query built from the caller's tenant can never reach another tenant's items.
 */
const t = (tenantId: string) => `T#${tenantId}`;

export const META = 'META';
export const EVENT_PREFIX = 'EV#';

export const keys = {
  ticket: (tenantId: string, number: number) => ({ pk: `${t(tenantId)}#TKT#${number}`, sk: META }),
  ticketPk: (tenantId: string, number: number) => `${t(tenantId)}#TKT#${number}`,
  event: (tenantId: string, number: number, eventId: string) => ({
    pk: `${t(tenantId)}#TKT#${number}`,
    sk: `${EVENT_PREFIX}${eventId}`,
  }),
  ticketCounter: (tenantId: string) => ({ pk: `${t(tenantId)}#COUNTER`, sk: 'TICKET' }),
  customer: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#CUS#${id}`, sk: META }),
  identity: (tenantId: string, kind: 'email' | 'phone', value: string) => ({
    pk: `${t(tenantId)}#CID#${kind}#${value}`,
    sk: 'IDENTITY',
  }),
  agentsPk: (tenantId: string) => `${t(tenantId)}#AGENTS`,
  agent: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#AGENTS`, sk: `AGT#${id}` }),
  /** Outbox items of agent events (see core/agent-events.ts), beside the agents. */
  agentEvent: (tenantId: string, eventId: string) => ({
    pk: `${t(tenantId)}#AGENTS`,
    sk: `${EVENT_PREFIX}${eventId}`,
  }),
  agentEmail: (tenantId: string, email: string) => ({ pk: `${t(tenantId)}#AGTEMAIL#${email}`, sk: 'UNIQUE' }),
  groupsPk: (tenantId: string) => `${t(tenantId)}#GROUPS`,
  group: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#GROUPS`, sk: `GRP#${id}` }),
  settingsPk: (tenantId: string) => `${t(tenantId)}#SETTINGS`,
  customField: (tenantId: string, key: string) => ({ pk: `${t(tenantId)}#SETTINGS`, sk: `CF#${key}` }),
  /** The tenant's triage keywords and trained model, one item beside its other settings. */
  triageSettings: (tenantId: string) => ({ pk: `${t(tenantId)}#SETTINGS`, sk: 'TRIAGE' }),
  apiKeysPk: (tenantId: string) => `${t(tenantId)}#APIKEYS`,
  apiKey: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#APIKEYS`, sk: `KEY#${id}` }),
  /** Global, not tenant-prefixed: the authorizer learns the tenant from it. */
  apiKeySecret: (secretHash: string) => ({ pk: `APIKEY#${secretHash}`, sk: META }),
  tenant: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: META }),
  idempotency: (tenantId: string, key: string) => ({ pk: `${t(tenantId)}#IDEM#${key}` }),
  /** Message-IDs are hashed: they can be long and contain any character. */
  message: (tenantId: string, messageHash: string) => ({
    pk: `${t(tenantId)}#MSG#${messageHash}`,
    sk: 'MSG',
  }),
  /**
   * A channel delivery's once-only item (a webhook-id, a Twilio MessageSid, a chat escalation marker): apart
   * from the Message-IDs, which any mail sender chooses and mail threading looks up.
   */
  channelDelivery: (tenantId: string, deliveryHash: string) => ({
    pk: `${t(tenantId)}#CHDLV#${deliveryHash}`,
    sk: 'CHDLV',
  }),
  /** Global like API keys: the intake learns the tenant from the recipient address. */
  mailbox: (address: string) => ({ pk: `MAILBOX#${address}`, sk: META }),
  mailboxesPk: (tenantId: string) => `${t(tenantId)}#MAILBOXES`,
  tenantMailbox: (tenantId: string, address: string) => ({
    pk: `${t(tenantId)}#MAILBOXES`,
    sk: `MBX#${address}`,
  }),
  senderBucket: (tenantId: string, sender: string) => ({ pk: `${t(tenantId)}#RATE#${sender}`, sk: 'BUCKET' }),
  heldCounter: (tenantId: string, day: string) => ({ pk: `${t(tenantId)}#HELD#${day.slice(0, 7)}`, sk: day }),
  /** Usage counters of one tenant for one month: one item per day and counter. */
  usagePk: (tenantId: string, month: string) => `${t(tenantId)}#USAGE#${month}`,
  usage: (tenantId: string, day: string, counter: string) => ({
    pk: `${t(tenantId)}#USAGE#${day.slice(0, 7)}`,
    sk: `${day}#${counter}`,
  }),
  /** A worker's marker that it handled a domain event (exactly-once effects under redelivery). */
  consumedEvent: (tenantId: string, consumer: string, eventId: string) => ({
    pk: `${t(tenantId)}#DONE#${consumer}#${eventId}`,
    sk: 'DONE',
  }),
  macrosPk: (tenantId: string) => `${t(tenantId)}#MACROS`,
  macro: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#MACROS`, sk: `MAC#${id}` }),
  /** How many macros the tenant has, kept by the same transactions that create and delete them. */
  macroCount: (tenantId: string) => ({ pk: `${t(tenantId)}#MACROS`, sk: 'COUNT' }),
  rulesPk: (tenantId: string) => `${t(tenantId)}#RULES`,
  rule: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#RULES`, sk: `RUL#${id}` }),
  /** How many rules the tenant has, kept by the same transactions that create and delete them. */
  ruleCount: (tenantId: string) => ({ pk: `${t(tenantId)}#RULES`, sk: 'COUNT' }),
  schedulesPk: (tenantId: string) => `${t(tenantId)}#SCHEDULES`,
  schedule: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#SCHEDULES`, sk: `SCH#${id}` }),
  /** How many schedules the tenant has, kept by the same transactions that create and delete them. */
  scheduleCount: (tenantId: string) => ({ pk: `${t(tenantId)}#SCHEDULES`, sk: 'COUNT' }),
  /** How many SLA policies run on a schedule, kept by the policies' transactions; a schedule in use stays. */
  scheduleUses: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#SCHEDULES`, sk: `USES#${id}` }),
  slaPoliciesPk: (tenantId: string) => `${t(tenantId)}#SLAPOLICIES`,
  slaPolicy: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#SLAPOLICIES`, sk: `SLP#${id}` }),
  /** How many SLA policies the tenant has, kept by the same transactions that create and delete them. */
  slaPolicyCount: (tenantId: string) => ({ pk: `${t(tenantId)}#SLAPOLICIES`, sk: 'COUNT' }),
  /** The tenant's lifecycle settings (auto-close, pending reminder and auto-solve), beside its other settings. */
  lifecycleSettings: (tenantId: string) => ({ pk: `${t(tenantId)}#SETTINGS`, sk: 'LIFECYCLE' }),
  /** A deadline of a ticket, beside it (core/timers.ts); one item per slot. */
  timer: (tenantId: string, number: number, slot: string) => ({
    pk: `${t(tenantId)}#TKT#${number}`,
    sk: `TIMER#${slot}`,
  }),
  /** Reporting counters of one tenant for one month (core/reporting): one item per dimension, day and counter. */
  reportPk: (tenantId: string, month: string) => `${t(tenantId)}#REPORT#${month}`,
  report: (tenantId: string, day: string, dimension: string, counter: string) => ({
    pk: `${t(tenantId)}#REPORT#${day.slice(0, 7)}`,
    sk: `${dimension}#${day}#${counter}`,
  }),
  /** Reporting's once-per-ticket items, beside the ticket: the first-reply marker and the survey answer. */
  firstReplyMarker: (tenantId: string, number: number) => ({
    pk: `${t(tenantId)}#TKT#${number}`,
    sk: 'RPT#FIRST_REPLY',
  }),
  surveyAnswer: (tenantId: string, number: number) => ({
    pk: `${t(tenantId)}#TKT#${number}`,
    sk: 'RPT#SURVEY',
  }),
  /** Inbound channels: listed under the tenant, found from the public URL through the global lookup item. */
  channelsPk: (tenantId: string) => `${t(tenantId)}#CHANNELS`,
  channel: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#CHANNELS`, sk: `CH#${id}` }),
  /** Global like mailboxes: a public channel URL has no tenant. Holds a copy of the channel (one read). */
  channelLookup: (id: string) => ({ pk: `CHANNEL#${id}`, sk: META }),
  /** A channel thread → the ticket it runs on (the provider's thread id is hashed: it may hold any character). */
  conversation: (tenantId: string, channelId: string, conversationHash: string) => ({
    pk: `${t(tenantId)}#CONV#${channelId}#${conversationHash}`,
    sk: 'CONV',
  }),
  /** Outbound SMS marker: one per part of a public reply (its comment's event id), claimed before it is sent. */
  smsDelivery: (tenantId: string, eventId: string, part: number) => ({
    pk: `${t(tenantId)}#SMS#${eventId}`,
    sk: `PART#${part}`,
  }),
  /**
   * Chat conversations (core/chat): the conversation (META), its messages (`MSG#{ulid}`), its outbox events
   * (`EV#{ulid}`) and its escalation timer (`TIMER#{slot}`) share one partition.
   */
  conversationPk: (tenantId: string, id: string) => `${t(tenantId)}#CHAT#${id}`,
  chatConversation: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#CHAT#${id}`, sk: META }),
  chatMessage: (tenantId: string, id: string, messageId: string) => ({
    pk: `${t(tenantId)}#CHAT#${id}`,
    sk: `MSG#${messageId}`,
  }),
  conversationEvent: (tenantId: string, id: string, eventId: string) => ({
    pk: `${t(tenantId)}#CHAT#${id}`,
    sk: `${EVENT_PREFIX}${eventId}`,
  }),
  conversationTimer: (tenantId: string, id: string, slot: string) => ({
    pk: `${t(tenantId)}#CHAT#${id}`,
    sk: `TIMER#${slot}`,
  }),
  /** (chat channel, provider's conversation id) → the conversation; the provider's id is hashed. */
  chatLookup: (tenantId: string, channelId: string, externalHash: string) => ({
    pk: `${t(tenantId)}#CHATREF#${channelId}#${externalHash}`,
    sk: 'REF',
  }),
  /** The tenant's conversations by status, latest message first: one view item per conversation. */
  conversationsPk: (tenantId: string) => `${t(tenantId)}#CHATS`,
  conversationView: (tenantId: string, status: string, lastMessageAt: string, id: string) => ({
    pk: `${t(tenantId)}#CHATS`,
    sk: `${status}#${lastMessageAt}#${id}`,
  }),
  /** Outbound webhook subscriptions of a tenant, their circuit breakers, and the count that caps them. */
  subscriptionsPk: (tenantId: string) => `${t(tenantId)}#SUBS`,
  subscription: (tenantId: string, id: string) => ({ pk: `${t(tenantId)}#SUBS`, sk: `SUB#${id}` }),
  subscriptionCircuit: (tenantId: string, id: string) => ({
    pk: `${t(tenantId)}#SUBS`,
    sk: `CIRCUIT#${id}`,
  }),
  subscriptionCount: (tenantId: string) => ({ pk: `${t(tenantId)}#SUBS`, sk: 'COUNT' }),
  /**
   * A subscription's deliveries (`DLV#{ulid}`, newest last) and the markers that make each (event, payload type)
   * one delivery (`DEDUP#{eventId}#{type}`), both with a TTL.
   */
  deliveriesPk: (tenantId: string, subscriptionId: string) => `${t(tenantId)}#SUB#${subscriptionId}`,
  delivery: (tenantId: string, subscriptionId: string, id: string) => ({
    pk: `${t(tenantId)}#SUB#${subscriptionId}`,
    sk: `DLV#${id}`,
  }),
  deliveryMarker: (tenantId: string, subscriptionId: string, dedupeKey: string) => ({
    pk: `${t(tenantId)}#SUB#${subscriptionId}`,
    sk: `DEDUP#${dedupeKey}`,
  }),
};

/** Partition keys of the ticket view indexes (see topology.ts). */
export const views = {
  all: (tenantId: string) => `${t(tenantId)}#TICKETS`,
  status: (tenantId: string, status: Status | 'spam') => `${t(tenantId)}#S#${status}`,
  group: (tenantId: string, group: string) => `${t(tenantId)}#G#${group}`,
  assignee: (tenantId: string, assignee: string) => `${t(tenantId)}#A#${assignee}`,
  requester: (tenantId: string, customerId: string) => `${t(tenantId)}#REQ#${customerId}`,
  /** Tickets whose running SLA breached or passed its warning. */
  sla: (tenantId: string, state: 'breached' | 'at_risk') => `${t(tenantId)}#SLA#${state}`,
  /** A group's queue: its unassigned tickets that want an agent (new or open), oldest first. */
  queue: (tenantId: string, group: string) => `${t(tenantId)}#Q#${group}`,
};

/** Descending sort puts the highest rank first: new, open, pending, on hold, solved, closed. */
const STATUS_RANK: Record<Status, number> = { new: 8, open: 7, pending: 6, on_hold: 5, solved: 4, closed: 3 };

export const statusRankPrefix = (status: Status) => `${STATUS_RANK[status]}#`;

export function activity(updatedAt: string, number: number): string {
  return `${updatedAt}#${String(number).padStart(10, '0')}`;
}
