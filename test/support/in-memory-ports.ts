/**
 * In-memory implementations of the core's ports, for unit tests of use cases. They keep the same contracts as
 * the DynamoDB adapters (version conditions, unique claims, idempotency conflicts) so tests exercise the rules,
 * not the storage.
 */

import { hmacTokenSigner } from '../../functions/adapters/token-signer.ts';
import { twilioSignatures } from '../../functions/adapters/twilio/signature.ts';
import { agentLoadChanges } from '../../functions/core/agent-load.ts';
import type { InboundChannel } from '../../functions/core/channels/channel.ts';
import { organizationOf } from '../../functions/core/customers.ts';
import { DEFAULT_EMAIL_SETTINGS, type EmailSettings } from '../../functions/core/email/outbound.ts';
import { ConcurrentModificationError, DomainError } from '../../functions/core/errors.ts';
import {
  DEFAULT_LIFECYCLE_SETTINGS,
  type LifecycleSettings,
} from '../../functions/core/lifecycle-settings.ts';
import { MAX_MACROS, type Macro } from '../../functions/core/macros/macro.ts';
import type { DayUsage, UsageByTenantDay, UsageCounter } from '../../functions/core/metering.ts';
import type {
  Agent,
  ApiKey,
  Customer,
  CustomFieldDefinition,
  Group,
  Page,
  Tenant,
  Ticket,
  TimelineEvent,
} from '../../functions/core/model.ts';
import { AWS_URL_POLICY } from '../../functions/core/net/public-address.ts';
import type {
  DeliveryStore,
  LifecycleSettingsStore,
  Schedule,
  ScheduleStore,
  SlaPolicyStore,
  SubscriptionStore,
  WebhookQueue,
} from '../../functions/core/ports.ts';
import {
  type AgentStore,
  AgentUnavailableError,
  type ApiKeyStore,
  type BlobStore,
  type ChannelCrypto,
  type ChannelStore,
  type Clock,
  type ConversationClaim,
  ConversationClaimedError,
  type CustomerStore,
  type CustomerUpsert,
  type CustomFieldStore,
  DuplicateEventError,
  DuplicateMessageError,
  type EmailSettingsStore,
  type ExportStore,
  type GroupStore,
  IdempotencyConflictError,
  type IdempotencyRecord,
  type IdempotencyStore,
  type Ids,
  type InboundMessage,
  type MacroStore,
  type MailboxStore,
  type MessageStore,
  type PageRequest,
  RemoteFileError,
  type RemoteFiles,
  type ReportStore,
  type RoutingSettings,
  type RoutingStore,
  type RuleStore,
  type SecretReader,
  type Secrets,
  SecretUnavailableError,
  type SenderRateLimiter,
  type SmsClaim,
  type SmsDeliveryStore,
  type SmsPartKey,
  type StoredTriageSettings,
  type TenantStore,
  type TicketFilter,
  type TicketReferences,
  type TicketStore,
  type TimerWrites,
  type TriageSettingsStore,
  type UsageStore,
} from '../../functions/core/ports.ts';
import {
  type ReportWrite,
  type TicketFacts,
  type TicketRef,
  ticketRefKey,
} from '../../functions/core/reporting/aggregate.ts';
import type { CounterAdds } from '../../functions/core/reporting/counters.ts';
import { EXPORTED_TICKET_FIELDS, type ExportedTicket } from '../../functions/core/reporting/export.ts';
import { byPosition, MAX_RULES, type Rule } from '../../functions/core/rules/rule.ts';
import { byPolicyOrder, MAX_SLA_POLICIES, type StoredSlaPolicy } from '../../functions/core/sla/policy.ts';
import type { SurveyAnswer } from '../../functions/core/surveys.ts';
import type { Change } from '../../functions/core/tickets.ts';
import type { Timer } from '../../functions/core/timers.ts';
import type { Ports } from '../../functions/core/use-cases/index.ts';
import { MAX_SCHEDULES } from '../../functions/core/use-cases/sla-config.ts';
import type { WebhookPorts } from '../../functions/core/use-cases/subscriptions.ts';
import { type Circuit, CLOSED_CIRCUIT } from '../../functions/core/webhooks/circuit.ts';
import type { Delivery, QueuedDelivery } from '../../functions/core/webhooks/delivery.ts';
import { MAX_SUBSCRIPTIONS, type Subscription } from '../../functions/core/webhooks/subscription.ts';
import { MemoryConversationStore } from './memory-conversations.ts';

function paginate<T>(all: readonly T[], page: PageRequest): Page<T> {
  const start = page.cursor ? Number(page.cursor) : 0;
  const items = all.slice(start, start + page.limit);
  const next = start + page.limit;
  return { items, nextCursor: next < all.length ? String(next) : null };
}

export class FakeClock implements Clock {
  constructor(private current = Date.parse('2026-03-02T09:00:00.000Z')) {}
  now() {
    return new Date(this.current).toISOString();
  }
  advance(ms: number) {
    this.current += ms;
  }
}

export function sequentialIds(): Ids {
  let n = 0;
  return { next: () => `01TEST${String(++n).padStart(20, '0')}` };
}

export class MemoryTicketStore implements TicketStore {
  readonly tickets = new Map<string, Ticket>();
  readonly events: TimelineEvent[] = [];
  readonly counters = new Map<string, number>();
  readonly customers = new Map<string, Customer>();
  readonly identities = new Map<string, string>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /** `${tenant}#${messageId}` → ticket number: inbound and sent mail, as the message items hold. */
  readonly messages = new Map<string, number>();

  private recordInbound(tenantId: string, number: number, message: InboundMessage | undefined) {
    if (!message) return;
    const key = memoryMessageKey(tenantId, message);
    if (this.messages.has(key)) throw new DuplicateMessageError(message.messageId);
    this.messages.set(key, number);
  }
  /** TIMER items by `${tenant}#${number}#${slot}`, as the change transactions write them. */
  readonly timerItems = new Map<string, Timer>();
  /** `${tenant}#${channelId}#${conversationId}` → ticket number: the CONV items ticket creations write. */
  readonly conversations = new Map<string, number>();

  /** The CONV item's condition (it still points where the caller read it); returns the write to commit. */
  private claimConversation(tenantId: string, number: number, claim: ConversationClaim | undefined) {
    if (!claim) return () => {};
    const key = `${tenantId}#${claim.ref.channelId}#${claim.ref.conversationId}`;
    if ((this.conversations.get(key) ?? null) !== claim.previous) {
      throw new ConversationClaimedError(claim.ref.conversationId);
    }
    return () => this.conversations.set(key, number);
  }

  private writeTimers(ticket: Ticket, writes: TimerWrites | undefined) {
    for (const timer of writes?.put ?? []) {
      this.timerItems.set(`${timer.tenantId}#${timer.ticketNumber}#${timer.slot}`, timer);
    }
    for (const slot of writes?.remove ?? [])
      this.timerItems.delete(`${ticket.tenantId}#${ticket.number}#${slot}`);
  }

  /** Events marked handled by workers (`consumer#eventId`). */
  readonly consumed = new Set<string>();
  /** Round-robin cursors by `${tenant}#${group}`, as the group items hold them. */
  readonly cursors = new Map<string, string>();
  /** The agents whose load counters saves keep (memoryPorts wires the agent store's map in). */
  agents = new Map<string, Agent>();

  /** The same guards the DynamoDB store puts in its transaction: load within capacity, the cursor's turn. */
  private claim(change: Change, options: Parameters<TicketStore['save']>[2]) {
    const { tenantId } = change.ticket;
    const consumed = options?.consumedEvent;
    const marker = consumed && `${tenantId}#${consumed.consumer}#${consumed.eventId}`;
    if (marker && this.consumed.has(marker)) {
      throw new DuplicateEventError(consumed.consumer, consumed.eventId);
    }
    const loads = agentLoadChanges(change);
    for (const [agentId, delta] of loads) {
      const agent = this.agents.get(`${tenantId}#${agentId}`);
      if (!agent) continue;
      if (delta > 0 && options?.assignment?.withinCapacity && agent.load >= agent.capacity) {
        throw new AgentUnavailableError(agentId);
      }
    }
    const turn = options?.assignment?.roundRobin;
    if (turn && (this.cursors.get(`${tenantId}#${turn.group}`) ?? null) !== turn.from) {
      throw new ConcurrentModificationError(`round robin of group ${turn.group}`);
    }
    return () => {
      if (marker) this.consumed.add(marker);
      for (const [agentId, delta] of loads) {
        const agent = this.agents.get(`${tenantId}#${agentId}`);
        if (agent) this.agents.set(`${tenantId}#${agentId}`, { ...agent, load: agent.load + delta });
      }
      if (turn) this.cursors.set(`${tenantId}#${turn.group}`, turn.to);
    };
  }

  /** Set to make the next write lose a race, as a concurrent writer would. */
  failNextWrite = 0;
  /** Answers whether a referenced group or agent exists (the DynamoDB store checks in its transaction). */
  exists: (kind: 'group' | 'assignee', tenantId: string, id: string) => boolean = () => true;

  private checkReferences(tenantId: string, references: TicketReferences | undefined) {
    for (const field of ['group', 'assignee'] as const) {
      const id = references?.[field];
      if (id && !this.exists(field, tenantId, id)) {
        throw new DomainError('validation', `${field} ${id} does not exist`, [
          { path: field, message: `${id} does not exist` },
        ]);
      }
    }
  }

  private key = (tenantId: string, n: number) => `${tenantId}#${n}`;

  async nextNumber(tenantId: string) {
    const n = (this.counters.get(tenantId) ?? 0) + 1;
    this.counters.set(tenantId, n);
    return n;
  }

  private checkVersion(change: Change, expected: number | null) {
    const current = this.tickets.get(this.key(change.ticket.tenantId, change.ticket.number));
    if (expected === null ? current !== undefined : current?.version !== expected) {
      throw new ConcurrentModificationError(`ticket #${change.ticket.number}`);
    }
  }

  upsertCustomer(tenantId: string, upsert: CustomerUpsert, now: string) {
    const { ref } = upsert;
    for (const [kind, value] of [
      ['email', ref.email],
      ['phone', ref.phone],
    ] as const) {
      if (!value) continue;
      const owner = this.identities.get(`${tenantId}#${kind}#${value}`);
      if (owner && owner !== ref.id) throw new ConcurrentModificationError('identity');
    }
    for (const [kind, value] of [
      ['email', ref.email],
      ['phone', ref.phone],
    ] as const) {
      if (value) this.identities.set(`${tenantId}#${kind}#${value}`, ref.id);
    }
    const key = `${tenantId}#${ref.id}`;
    const existing = this.customers.get(key);
    this.customers.set(key, {
      tenantId,
      id: ref.id,
      email: existing?.email ?? ref.email,
      phone: existing?.phone ?? ref.phone,
      name: existing?.name ?? ref.name,
      organization: existing?.organization ?? upsert.organization ?? organizationOf(ref.email),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
  }

  private apply(change: Change) {
    this.tickets.set(this.key(change.ticket.tenantId, change.ticket.number), change.ticket);
    this.events.push(...change.events);
  }

  async create(args: Parameters<TicketStore['create']>[0]) {
    if (this.failNextWrite > 0) {
      this.failNextWrite--;
      throw new ConcurrentModificationError('ticket');
    }
    const { change, requester, idempotency, followUpOf, references } = args;
    this.checkReferences(change.ticket.tenantId, references);
    this.checkVersion(change, null);
    if (followUpOf) this.checkVersion(followUpOf.change, followUpOf.expectedVersion);
    const idemKey = idempotency && `${change.ticket.tenantId}#${idempotency.key}`;
    if (idemKey && this.idempotency.has(idemKey)) throw new IdempotencyConflictError();
    const point = this.claimConversation(change.ticket.tenantId, change.ticket.number, args.conversation);
    this.recordInbound(change.ticket.tenantId, change.ticket.number, args.inboundMessage);
    point();
    this.upsertCustomer(change.ticket.tenantId, requester, change.ticket.createdAt);
    this.apply(change);
    this.writeTimers(change.ticket, args.timers);
    if (followUpOf) this.apply(followUpOf.change);
    if (idemKey && idempotency) this.idempotency.set(idemKey, idempotency);
  }

  async get(tenantId: string, number: number) {
    return this.tickets.get(this.key(tenantId, number)) ?? null;
  }

  async save(change: Change, expectedVersion: number, options: Parameters<TicketStore['save']>[2] = {}) {
    if (this.failNextWrite > 0) {
      this.failNextWrite--;
      throw new ConcurrentModificationError('ticket');
    }
    this.checkReferences(change.ticket.tenantId, options.references);
    this.checkVersion(change, expectedVersion);
    const commit = this.claim(change, options);
    this.recordInbound(change.ticket.tenantId, change.ticket.number, options.inboundMessage);
    if (options.customer)
      this.upsertCustomer(change.ticket.tenantId, options.customer, change.ticket.updatedAt);
    this.apply(change);
    this.writeTimers(change.ticket, options.timers);
    commit();
  }

  async event(tenantId: string, number: number, eventId: string) {
    return (
      this.events.find((e) => e.tenantId === tenantId && e.ticketNumber === number && e.id === eventId) ??
      null
    );
  }

  async appendEvents(events: readonly TimelineEvent[], inboundMessage?: InboundMessage) {
    const first = events[0];
    if (!first) return;
    this.recordInbound(first.tenantId, first.ticketNumber, inboundMessage);
    for (const event of events) if (!this.events.some((e) => e.id === event.id)) this.events.push(event);
  }

  async timeline(tenantId: string, number: number, page: PageRequest) {
    return paginate(
      this.events.filter((e) => e.tenantId === tenantId && e.ticketNumber === number),
      page,
    );
  }

  async list(tenantId: string, filter: TicketFilter, page: PageRequest) {
    const all = [...this.tickets.values()]
      .filter((t) => t.tenantId === tenantId)
      .filter((t) =>
        filter.status === 'spam' ? t.spam : !t.spam && (!filter.status || t.status === filter.status),
      )
      .filter((t) => !filter.group || t.group === filter.group)
      .filter((t) => !filter.assignee || t.assignee === filter.assignee)
      .filter((t) => !filter.requester || t.requester.id === filter.requester)
      .filter(
        (t) =>
          !filter.sla ||
          (filter.sla === 'breached' ? t.sla?.breached === true : t.sla?.atRisk === true && !t.sla.breached),
      )
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.number - a.number);
    return paginate(all, page);
  }
}

export class MemoryCustomerStore implements CustomerStore {
  constructor(private readonly tickets: MemoryTicketStore) {}

  async identify(
    tenantId: string,
    identity: { email: string | null; phone: string | null },
    name: string | null,
  ) {
    const byEmail = identity.email && this.tickets.identities.get(`${tenantId}#email#${identity.email}`);
    const byPhone = identity.phone && this.tickets.identities.get(`${tenantId}#phone#${identity.phone}`);
    const id = byEmail || byPhone || `cus_${identity.email ?? identity.phone}`;
    const existing = this.tickets.customers.get(`${tenantId}#${id}`);
    return {
      ref: {
        id,
        email: identity.email ?? existing?.email ?? null,
        phone: byPhone && byPhone !== id ? null : (identity.phone ?? existing?.phone ?? null),
        name: existing?.name ?? name,
      },
      organization: existing?.organization ?? organizationOf(identity.email),
      write: true,
    };
  }

  async get(tenantId: string, id: string) {
    return this.tickets.customers.get(`${tenantId}#${id}`) ?? null;
  }

  async findByIdentity(
    tenantId: string,
    identity: { email?: string | undefined; phone?: string | undefined },
  ) {
    const id = identity.email
      ? this.tickets.identities.get(`${tenantId}#email#${identity.email}`)
      : this.tickets.identities.get(`${tenantId}#phone#${identity.phone}`);
    return id ? this.get(tenantId, id) : null;
  }
}

export class MemoryAgentStore implements AgentStore {
  readonly agents = new Map<string, Agent>();
  async create(agent: Agent) {
    if ([...this.agents.values()].some((a) => a.tenantId === agent.tenantId && a.email === agent.email)) {
      throw new DomainError('conflict', `an agent with email ${agent.email} already exists`);
    }
    this.agents.set(`${agent.tenantId}#${agent.id}`, agent);
  }
  async get(tenantId: string, id: string) {
    return this.agents.get(`${tenantId}#${id}`) ?? null;
  }
  async list(tenantId: string, page: PageRequest) {
    return paginate(
      [...this.agents.values()].filter((a) => a.tenantId === tenantId),
      page,
    );
  }
  async update(agent: Agent, previous: Agent) {
    const current = await this.get(agent.tenantId, agent.id);
    if (current?.version !== previous.version) throw new DomainError('conflict', 'changed');
    this.agents.set(`${agent.tenantId}#${agent.id}`, agent);
  }
}

export class MemoryGroupStore implements GroupStore {
  readonly groups = new Map<string, Group>();
  async create(group: Group) {
    this.groups.set(`${group.tenantId}#${group.id}`, group);
  }
  async get(tenantId: string, id: string) {
    return this.groups.get(`${tenantId}#${id}`) ?? null;
  }
  async update(group: Group) {
    this.groups.set(`${group.tenantId}#${group.id}`, group);
  }
  async missing(tenantId: string, ids: readonly string[]) {
    return ids.filter((id) => !this.groups.has(`${tenantId}#${id}`));
  }
  async list(tenantId: string, page: PageRequest) {
    return paginate(
      [...this.groups.values()].filter((g) => g.tenantId === tenantId),
      page,
    );
  }
}

export class MemoryCustomFieldStore implements CustomFieldStore {
  readonly fields = new Map<string, CustomFieldDefinition[]>();
  async create(tenantId: string, definition: CustomFieldDefinition) {
    const list = this.fields.get(tenantId) ?? [];
    if (list.some((d) => d.key === definition.key)) throw new DomainError('conflict', 'declared');
    this.fields.set(tenantId, [...list, definition]);
  }
  async list(tenantId: string) {
    return this.fields.get(tenantId) ?? [];
  }
}

export class MemoryApiKeyStore implements ApiKeyStore {
  readonly keys = new Map<string, { key: ApiKey; hash: string }>();
  async create(key: ApiKey, hash: string) {
    this.keys.set(key.id, { key, hash });
  }
  async list(tenantId: string, page: PageRequest) {
    return paginate(
      [...this.keys.values()].map((k) => k.key).filter((k) => k.tenantId === tenantId),
      page,
    );
  }
  async revoke(tenantId: string, id: string, at: string) {
    const entry = this.keys.get(id);
    if (!entry || entry.key.tenantId !== tenantId) return null;
    entry.key = { ...entry.key, revokedAt: entry.key.revokedAt ?? at };
    return entry.key;
  }
  async findBySecretHash(hash: string) {
    return [...this.keys.values()].find((k) => k.hash === hash)?.key ?? null;
  }
}

export class MemoryTenantStore implements TenantStore {
  readonly tenants = new Map<string, Tenant>();
  constructor(private readonly keys: MemoryApiKeyStore) {}
  async create(tenant: Tenant, adminKey: ApiKey, hash: string) {
    if (this.tenants.has(tenant.id)) throw new DomainError('conflict', `tenant ${tenant.id} already exists`);
    this.tenants.set(tenant.id, tenant);
    await this.keys.create(adminKey, hash);
  }
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  constructor(private readonly tickets: MemoryTicketStore) {}
  async get(tenantId: string, key: string) {
    return this.tickets.idempotency.get(`${tenantId}#${key}`) ?? null;
  }
}

export const fakeSecrets: Secrets = {
  newApiKey() {
    const secret = `dsk_test_${Math.random().toString(36).slice(2)}`;
    return { secret, hash: `h(${secret})`, prefix: secret.slice(0, 10) };
  },
  hash: (secret) => `h(${secret})`,
};

export function memoryPorts() {
  const tickets = new MemoryTicketStore();
  const apiKeys = new MemoryApiKeyStore();
  const clock = new FakeClock();
  const agents = new MemoryAgentStore();
  const groups = new MemoryGroupStore();
  tickets.agents = agents.agents;
  tickets.exists = (kind, tenantId, id) =>
    kind === 'group' ? groups.groups.has(`${tenantId}#${id}`) : agents.agents.has(`${tenantId}#${id}`);
  const ports = {
    tickets,
    customers: new MemoryCustomerStore(tickets),
    agents,
    groups,
    customFields: new MemoryCustomFieldStore(),
    apiKeys,
    tenants: new MemoryTenantStore(apiKeys),
    idempotency: new MemoryIdempotencyStore(tickets),
    mailboxes: new MemoryMailboxStore(),
    emailSettings: new MemoryEmailSettingsStore(),
    macros: new MemoryMacroStore(),
    triageSettings: new MemoryTriageSettingsStore(),
    rules: new MemoryRuleStore(),
    ...memorySlaStores(),
    routing: new MemoryRoutingStore(tickets, agents, groups),
    secrets: fakeSecrets,
    clock,
    ids: sequentialIds(),
    usage: new MemoryUsageStore(),
    reports: new MemoryReportStore(tickets),
    tokens: hmacTokenSigner('test-survey-secret'),
    exports: new MemoryExportStore(clock),
    channels: new MemoryChannelStore(tickets),
    messages: new MemoryMessageStore(tickets),
    rateLimiter: new MemoryRateLimiter(),
    blobs: new MemoryBlobStore(),
    remoteFiles: new MemoryRemoteFiles(),
    channelCrypto: fakeChannelCrypto(),
    conversations: new MemoryConversationStore(tickets.messages),
    channelSecrets: new MemorySecretReader(),
    twilioSignatures,
    webhooks: memoryWebhooks(),
  } satisfies Ports;
  return ports;
}

/**
 * A once-only message key, as the message items hold it: a Message-ID case-insensitively; a channel delivery
 * id (`namespace: 'channel'`) case-sensitively under `CHDLV#`, which no (lower-cased) Message-ID can be.
 */
export function memoryMessageKey(tenantId: string, message: InboundMessage): string {
  return message.namespace === 'channel'
    ? `${tenantId}#CHDLV#${message.messageId}`
    : `${tenantId}#${message.messageId.toLowerCase()}`;
}

export class MemoryMessageStore implements MessageStore {
  constructor(private readonly tickets: MemoryTicketStore) {}
  async ticketsFor(
    tenantId: string,
    ids: readonly string[],
    options: { readonly namespace?: InboundMessage['namespace'] } = {},
  ) {
    const found = new Map<string, number>();
    for (const id of ids) {
      const number = this.tickets.messages.get(
        memoryMessageKey(tenantId, { messageId: id, namespace: options.namespace }),
      );
      if (number !== undefined) found.set(id, number);
    }
    return found;
  }
  async isRecorded(tenantId: string, messageId: string) {
    return this.tickets.messages.has(`${tenantId}#${messageId.toLowerCase()}`);
  }
  async recordOutbound(tenantId: string, ticketNumber: number, ids: readonly string[], _now: string) {
    for (const id of ids) this.tickets.messages.set(`${tenantId}#${id.toLowerCase()}`, ticketNumber);
  }
}

export class MemoryMailboxStore implements MailboxStore {
  readonly mailboxes = new Map<string, { tenantId: string; createdAt: string }>();
  async tenantFor(address: string) {
    return this.mailboxes.get(address)?.tenantId ?? null;
  }
  async create(tenantId: string, address: string, now: string) {
    if (this.mailboxes.has(address)) throw new DomainError('conflict', `${address} is registered already`);
    this.mailboxes.set(address, { tenantId, createdAt: now });
  }
  async list(tenantId: string) {
    return [...this.mailboxes]
      .filter(([, m]) => m.tenantId === tenantId)
      .map(([address, m]) => ({ address, createdAt: m.createdAt }));
  }
  async remove(tenantId: string, address: string) {
    if (this.mailboxes.get(address)?.tenantId !== tenantId) return false;
    return this.mailboxes.delete(address);
  }
}

export class MemoryRateLimiter implements SenderRateLimiter {
  readonly taken = new Map<string, number>();
  held = 0;
  constructor(private readonly burst = 20) {}
  async take(tenantId: string, sender: string, _now?: string, limit?: { burst: number; perHour: number }) {
    const key = `${tenantId}#${sender}`;
    const n = (this.taken.get(key) ?? 0) + 1;
    this.taken.set(key, n);
    return n <= (limit?.burst ?? this.burst);
  }
  async countHeld() {
    this.held++;
  }
}

export class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, { content: Uint8Array; contentType: string }>();
  async put(key: string, content: Uint8Array, contentType: string) {
    this.blobs.set(key, { content, contentType });
  }
}

export class MemoryEmailSettingsStore implements EmailSettingsStore {
  readonly settings = new Map<string, EmailSettings>();
  async get(tenantId: string) {
    return this.settings.get(tenantId) ?? DEFAULT_EMAIL_SETTINGS;
  }
  async put(tenantId: string, settings: EmailSettings) {
    this.settings.set(tenantId, settings);
  }
}

export class MemoryMacroStore implements MacroStore {
  readonly macros = new Map<string, Macro>();
  private key = (tenantId: string, id: string) => `${tenantId}#${id}`;
  async create(macro: Macro) {
    if ((await this.list(macro.tenantId)).length >= MAX_MACROS) {
      throw new DomainError('validation', `a tenant has at most ${MAX_MACROS} macros; delete one first`);
    }
    if (this.macros.has(this.key(macro.tenantId, macro.id))) throw new ConcurrentModificationError('macro');
    this.macros.set(this.key(macro.tenantId, macro.id), macro);
  }
  async get(tenantId: string, id: string) {
    return this.macros.get(this.key(tenantId, id)) ?? null;
  }
  async list(tenantId: string) {
    return [...this.macros.values()]
      .filter((m) => m.tenantId === tenantId)
      .sort(
        (a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id.localeCompare(b.id),
      );
  }
  async update(macro: Macro, expectedVersion: number) {
    if ((await this.get(macro.tenantId, macro.id))?.version !== expectedVersion) {
      throw new ConcurrentModificationError(`macro ${macro.id}`);
    }
    this.macros.set(this.key(macro.tenantId, macro.id), macro);
  }
  async delete(tenantId: string, id: string) {
    return this.macros.delete(this.key(tenantId, id));
  }
}

export class MemoryTriageSettingsStore implements TriageSettingsStore {
  /** As stored: a JSON copy, so a caller's later change to its objects cannot reach the store. */
  readonly settings = new Map<string, string>();
  async get(tenantId: string) {
    const stored = this.settings.get(tenantId);
    return stored === undefined ? null : (JSON.parse(stored) as StoredTriageSettings);
  }
  async put(tenantId: string, settings: StoredTriageSettings) {
    this.settings.set(tenantId, JSON.stringify(settings));
  }
}

export class MemoryRuleStore implements RuleStore {
  readonly rules = new Map<string, Rule>();
  private key = (tenantId: string, id: string) => `${tenantId}#${id}`;
  async create(rule: Rule) {
    if ([...this.rules.values()].filter((r) => r.tenantId === rule.tenantId).length >= MAX_RULES) {
      throw new DomainError('validation', `a tenant has at most ${MAX_RULES} rules; delete one first`);
    }
    if (this.rules.has(this.key(rule.tenantId, rule.id))) throw new DomainError('conflict', 'rule exists');
    this.rules.set(this.key(rule.tenantId, rule.id), structuredClone(rule));
  }
  async get(tenantId: string, id: string) {
    const rule = this.rules.get(this.key(tenantId, id));
    return rule ? structuredClone(rule) : null;
  }
  async list(tenantId: string) {
    return [...this.rules.values()]
      .filter((r) => r.tenantId === tenantId)
      .sort(byPosition)
      .slice(0, MAX_RULES)
      .map((r) => structuredClone(r));
  }
  async update(rule: Rule, expectedVersion: number) {
    if (this.rules.get(this.key(rule.tenantId, rule.id))?.version !== expectedVersion) {
      throw new ConcurrentModificationError(`rule ${rule.id}`);
    }
    this.rules.set(this.key(rule.tenantId, rule.id), structuredClone(rule));
  }
  async delete(tenantId: string, id: string) {
    return this.rules.delete(this.key(tenantId, id));
  }
}

export class MemoryRoutingStore implements RoutingStore {
  readonly settingsByTenant = new Map<string, RoutingSettings>();
  constructor(
    private readonly tickets: MemoryTicketStore,
    private readonly agents: MemoryAgentStore,
    private readonly groups: MemoryGroupStore,
  ) {}
  async group(tenantId: string, groupId: string) {
    const group = await this.groups.get(tenantId, groupId);
    return group ? { group, cursor: this.tickets.cursors.get(`${tenantId}#${groupId}`) ?? null } : null;
  }
  async agentsOf(tenantId: string, groupId: string) {
    return [...this.agents.agents.values()].filter(
      (a) => a.tenantId === tenantId && a.groups.includes(groupId),
    );
  }
  async queued(tenantId: string, groupId: string, limit: number) {
    return [...this.tickets.tickets.values()]
      .filter(
        (t) =>
          t.tenantId === tenantId &&
          t.group === groupId &&
          t.assignee === null &&
          !t.spam &&
          (t.status === 'new' || t.status === 'open'),
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.number - b.number)
      .slice(0, limit)
      .map((t) => t.number);
  }
  async settings(tenantId: string) {
    return this.settingsByTenant.get(tenantId) ?? { defaultGroup: null };
  }
  async putSettings(tenantId: string, settings: RoutingSettings) {
    this.settingsByTenant.set(tenantId, settings);
  }
}

/** Schedules, with the count of SLA policies running on each (the policy store keeps it, as DynamoDB does). */
export class MemoryScheduleStore implements ScheduleStore {
  readonly schedules = new Map<string, Schedule>();
  /** `${tenant}#${scheduleId}` → policies running on it. */
  readonly uses = new Map<string, number>();
  private key = (tenantId: string, id: string) => `${tenantId}#${id}`;
  async create(schedule: Schedule) {
    if ((await this.list(schedule.tenantId)).length >= MAX_SCHEDULES) {
      throw new DomainError(
        'validation',
        `a tenant has at most ${MAX_SCHEDULES} schedules; delete one first`,
      );
    }
    if (this.schedules.has(this.key(schedule.tenantId, schedule.id))) {
      throw new DomainError('conflict', `schedule ${schedule.id} exists already`);
    }
    this.schedules.set(this.key(schedule.tenantId, schedule.id), structuredClone(schedule));
  }
  async get(tenantId: string, id: string) {
    const schedule = this.schedules.get(this.key(tenantId, id));
    return schedule ? structuredClone(schedule) : null;
  }
  async list(tenantId: string) {
    return [...this.schedules.values()]
      .filter((s) => s.tenantId === tenantId)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((s) => structuredClone(s));
  }
  async update(schedule: Schedule, expectedVersion: number) {
    if (this.schedules.get(this.key(schedule.tenantId, schedule.id))?.version !== expectedVersion) {
      throw new ConcurrentModificationError(`schedule ${schedule.id}`);
    }
    this.schedules.set(this.key(schedule.tenantId, schedule.id), structuredClone(schedule));
  }
  async delete(tenantId: string, id: string) {
    if ((this.uses.get(this.key(tenantId, id)) ?? 0) > 0) {
      throw new DomainError('conflict', `schedule ${id} is used by an SLA policy; change the policy first`);
    }
    this.uses.delete(this.key(tenantId, id));
    return this.schedules.delete(this.key(tenantId, id));
  }
  /** What the policy store's transactions do to a schedule's uses: check it exists, count one more or less. */
  use(tenantId: string, scheduleId: string | null, delta: 1 | -1) {
    if (scheduleId === null) return;
    const key = this.key(tenantId, scheduleId);
    if (delta > 0 && !this.schedules.has(key)) {
      throw new DomainError('validation', `schedule ${scheduleId} does not exist`, [
        { path: 'schedule', message: `schedule ${scheduleId} does not exist` },
      ]);
    }
    this.uses.set(key, (this.uses.get(key) ?? 0) + delta);
  }
}

export class MemorySlaPolicyStore implements SlaPolicyStore {
  readonly policies = new Map<string, StoredSlaPolicy>();
  constructor(private readonly schedules: MemoryScheduleStore) {}
  private key = (tenantId: string, id: string) => `${tenantId}#${id}`;
  async create(policy: StoredSlaPolicy) {
    if (
      [...this.policies.values()].filter((p) => p.tenantId === policy.tenantId).length >= MAX_SLA_POLICIES
    ) {
      throw new DomainError(
        'validation',
        `a tenant has at most ${MAX_SLA_POLICIES} SLA policies; delete one first`,
      );
    }
    if (this.policies.has(this.key(policy.tenantId, policy.id))) {
      throw new DomainError('conflict', `SLA policy ${policy.id} exists already`);
    }
    this.schedules.use(policy.tenantId, policy.scheduleId, 1);
    this.policies.set(this.key(policy.tenantId, policy.id), structuredClone(policy));
  }
  async get(tenantId: string, id: string) {
    const policy = this.policies.get(this.key(tenantId, id));
    return policy ? structuredClone(policy) : null;
  }
  async list(tenantId: string) {
    return [...this.policies.values()]
      .filter((p) => p.tenantId === tenantId)
      .sort(byPolicyOrder)
      .slice(0, MAX_SLA_POLICIES)
      .map((p) => structuredClone(p));
  }
  async update(policy: StoredSlaPolicy, previous: StoredSlaPolicy) {
    if (this.policies.get(this.key(policy.tenantId, policy.id))?.version !== previous.version) {
      throw new ConcurrentModificationError(`SLA policy ${policy.id}`);
    }
    if (policy.scheduleId !== previous.scheduleId) {
      this.schedules.use(policy.tenantId, policy.scheduleId, 1);
      this.schedules.use(policy.tenantId, previous.scheduleId, -1);
    }
    this.policies.set(this.key(policy.tenantId, policy.id), structuredClone(policy));
  }
  async delete(tenantId: string, id: string) {
    const policy = this.policies.get(this.key(tenantId, id));
    if (!policy) return false;
    this.schedules.use(tenantId, policy.scheduleId, -1);
    return this.policies.delete(this.key(tenantId, id));
  }
}

export class MemoryLifecycleSettingsStore implements LifecycleSettingsStore {
  readonly settings = new Map<string, LifecycleSettings>();
  async get(tenantId: string) {
    return { ...(this.settings.get(tenantId) ?? DEFAULT_LIFECYCLE_SETTINGS) };
  }
  async put(tenantId: string, settings: LifecycleSettings) {
    this.settings.set(tenantId, { ...settings });
  }
}

/** The SLA configuration's stores, wired together (policies keep their schedules' uses). */
export function memorySlaStores() {
  const schedules = new MemoryScheduleStore();
  return {
    schedules,
    slaPolicies: new MemorySlaPolicyStore(schedules),
    lifecycleSettings: new MemoryLifecycleSettingsStore(),
  };
}

/** Usage counters per tenant per day, as the DynamoDB store keeps them: adds accumulate, reads are inclusive. */
export class MemoryUsageStore implements UsageStore {
  /** `tenant → day → counts`. */
  readonly counters = new Map<string, Map<string, DayUsage>>();

  async add(usage: UsageByTenantDay) {
    for (const [tenantId, days] of usage) {
      const stored = this.counters.get(tenantId) ?? new Map<string, DayUsage>();
      this.counters.set(tenantId, stored);
      for (const [day, counts] of days) {
        const total: DayUsage = { ...stored.get(day) };
        for (const [counter, quantity] of Object.entries(counts)) {
          if (!quantity) continue;
          total[counter as UsageCounter] = (total[counter as UsageCounter] ?? 0) + quantity;
        }
        stored.set(day, total);
      }
    }
  }

  async read(tenantId: string, fromDay: string, toDay: string) {
    const days = [...(this.counters.get(tenantId) ?? new Map<string, DayUsage>())]
      .filter(([day]) => day >= fromDay && day <= toDay)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return new Map(days.map(([day, counts]) => [day, { ...counts }]));
  }
}

/**
 * Reporting counters and survey answers as the DynamoDB store keeps them: counters per tenant, dimension, day
 * and counter; a first reply counted only while its ticket has no marker; one survey answer per ticket.
 */
export class MemoryReportStore implements ReportStore {
  /** `tenant|dimension|day|counter` → quantity. */
  readonly counters = new Map<string, number>();
  /** `tenant#number` of tickets whose first reply was counted. */
  readonly firstReplyMarkers = new Set<string>();
  readonly surveys = new Map<string, SurveyAnswer>();

  constructor(private readonly tickets: MemoryTicketStore) {}

  private addCounters(counters: CounterAdds) {
    for (const { cell, quantity } of counters.entries()) {
      const key = [cell.tenantId, cell.dimension, cell.day, cell.counter].join('|');
      this.counters.set(key, (this.counters.get(key) ?? 0) + quantity);
    }
  }

  async ticketFacts(refs: readonly TicketRef[]) {
    const facts = new Map<string, TicketFacts>();
    for (const ref of refs) {
      const ticket = await this.tickets.get(ref.tenantId, ref.number);
      if (!ticket) continue;
      facts.set(ticketRefKey(ref), {
        createdAt: ticket.createdAt,
        sla: (ticket.sla?.metrics ?? []).map(({ metric, breached, fulfilledAt }) => ({
          metric,
          breached,
          fulfilledAt,
        })),
        firstReplied: this.firstReplyMarkers.has(ticketRefKey(ref)),
      });
    }
    return facts;
  }

  async add(write: ReportWrite) {
    this.addCounters(write.counters);
    let firstReplies = 0;
    let counterWrites = write.counters.size;
    for (const reply of write.firstReplies) {
      if (this.firstReplyMarkers.has(ticketRefKey(reply.ticket))) continue;
      this.firstReplyMarkers.add(ticketRefKey(reply.ticket));
      this.addCounters(reply.counters);
      firstReplies += 1;
      counterWrites += reply.counters.size;
    }
    return { counterWrites, firstReplies };
  }

  async read(tenantId: string, dimension: string, fromDay: string, toDay: string) {
    const byDay = new Map<string, Record<string, number>>();
    for (const [key, quantity] of this.counters) {
      const [tenant, dim, day, counter] = key.split('|') as [string, string, string, string];
      if (tenant !== tenantId || dim !== dimension || day < fromDay || day > toDay) continue;
      const counts = byDay.get(day) ?? {};
      counts[counter] = (counts[counter] ?? 0) + quantity;
      byDay.set(day, counts);
    }
    return byDay;
  }

  async survey(tenantId: string, number: number) {
    return this.surveys.get(`${tenantId}#${number}`) ?? null;
  }

  async readAll(tenantId: string, fromDay: string, toDay: string) {
    const byDimension = new Map<string, Map<string, Record<string, number>>>();
    for (const [key, quantity] of this.counters) {
      const [tenant, dimension, day, counter] = key.split('|') as [string, string, string, string];
      if (tenant !== tenantId || day < fromDay || day > toDay) continue;
      const byDay = byDimension.get(dimension) ?? new Map<string, Record<string, number>>();
      byDimension.set(dimension, byDay);
      const counts = byDay.get(day) ?? {};
      counts[counter] = (counts[counter] ?? 0) + quantity;
      byDay.set(day, counts);
    }
    return byDimension;
  }

  /** The activity view: tickets but spam, by `{updatedAt}#{number}`; the cursor is the last key returned. */
  async ticketsActive(
    tenantId: string,
    range: { from: string; to: string },
    filter: { group?: string | undefined; channel?: string | undefined },
    page: { limit: number; cursor?: string | undefined },
  ) {
    const sortKey = (t: Ticket) => `${t.updatedAt}#${String(t.number).padStart(10, '0')}`;
    const inView = [...this.tickets.tickets.values()]
      .filter((t) => t.tenantId === tenantId && !t.spam)
      .filter((t) => sortKey(t) >= range.from && sortKey(t) <= `${range.to}#~`)
      .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1))
      .filter((t) => page.cursor === undefined || sortKey(t) > page.cursor);
    const read = inView.slice(0, page.limit);
    const last = read.at(-1);
    return {
      items: read
        .filter((t) => filter.group === undefined || t.group === filter.group)
        .filter((t) => filter.channel === undefined || t.channel === filter.channel)
        .map((t) => structuredClone(Object.fromEntries(EXPORTED_TICKET_FIELDS.map((f) => [f, t[f]]))))
        .map((t) => t as ExportedTicket),
      nextCursor: inView.length > page.limit && last ? sortKey(last) : null,
    };
  }

  async recordSurvey(answer: SurveyAnswer, counters: CounterAdds) {
    const key = `${answer.tenantId}#${answer.ticket}`;
    if (this.surveys.has(key)) {
      throw new DomainError(
        'conflict',
        `ticket #${answer.ticket} was rated already; a survey is answered once`,
      );
    }
    this.surveys.set(key, answer);
    this.addCounters(counters);
  }
}

/** Report exports in memory: what was written under each key, and links that name the key and expiry. */
export class MemoryExportStore implements ExportStore {
  readonly files = new Map<string, { body: string; contentType: string; filename: string }>();
  constructor(private readonly clock: Clock) {}
  async put(key: string, body: string, options: { contentType: string; filename: string }) {
    this.files.set(key, { body, ...options });
  }
  async signedUrl(key: string, expiresInSeconds: number) {
    const expiresAt = new Date(Date.parse(this.clock.now()) + expiresInSeconds * 1000).toISOString();
    return { url: `memory://exports/${key}?expires=${expiresAt}`, expiresAt };
  }
}

/** Channels by tenant and id; `find` sees every tenant's, as the global lookup item does. */
export class MemoryChannelStore implements ChannelStore {
  readonly channels = new Map<string, InboundChannel>();
  constructor(private readonly tickets: MemoryTicketStore) {}
  async create(channel: InboundChannel) {
    if (await this.find(channel.id))
      throw new DomainError('conflict', `channel ${channel.id} exists already`);
    this.channels.set(`${channel.tenantId}#${channel.id}`, structuredClone(channel));
  }
  async get(tenantId: string, id: string) {
    const channel = this.channels.get(`${tenantId}#${id}`);
    return channel ? structuredClone(channel) : null;
  }
  async find(id: string) {
    const channel = [...this.channels.values()].find((c) => c.id === id);
    return channel ? structuredClone(channel) : null;
  }
  async list(tenantId: string) {
    return [...this.channels.values()]
      .filter((c) => c.tenantId === tenantId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((c) => structuredClone(c));
  }
  async save(channel: InboundChannel, expectedVersion: number) {
    if (this.channels.get(`${channel.tenantId}#${channel.id}`)?.version !== expectedVersion) {
      throw new ConcurrentModificationError(`channel ${channel.id}`);
    }
    this.channels.set(`${channel.tenantId}#${channel.id}`, structuredClone(channel));
  }
  async delete(tenantId: string, id: string) {
    return this.channels.delete(`${tenantId}#${id}`);
  }
  async conversationTicket(tenantId: string, channelId: string, conversationId: string) {
    return this.tickets.conversations.get(`${tenantId}#${channelId}#${conversationId}`) ?? null;
  }
}

/** SMS part markers as the DynamoDB store keeps them: claimed (with a lease), sent, or rejected. */
export class MemorySmsDeliveryStore implements SmsDeliveryStore {
  readonly parts = new Map<
    string,
    | { state: 'claimed'; token: string; claimedAt: string }
    | { state: 'sent'; sid: string }
    | { state: 'rejected'; error: string }
  >();
  private tokens = 0;
  private key(key: SmsPartKey) {
    return `${key.tenantId}#${key.eventId}#${key.part}`;
  }
  async claim(key: SmsPartKey, now: string, leaseMs: number): Promise<SmsClaim> {
    const existing = this.parts.get(this.key(key));
    const stale = existing?.state === 'claimed' && Date.parse(existing.claimedAt) < Date.parse(now) - leaseMs;
    if (!existing || stale) {
      const token = `claim-${++this.tokens}`;
      this.parts.set(this.key(key), { state: 'claimed', token, claimedAt: now });
      return { state: 'claimed', token };
    }
    if (existing.state === 'sent') return { state: 'sent', sid: existing.sid };
    if (existing.state === 'rejected') return { state: 'rejected', error: existing.error };
    return { state: 'busy' };
  }
  async sent(key: SmsPartKey, sid: string) {
    this.parts.set(this.key(key), { state: 'sent', sid });
  }
  async rejected(key: SmsPartKey, error: string) {
    this.parts.set(this.key(key), { state: 'rejected', error });
  }
  async release(key: SmsPartKey, token: string) {
    const existing = this.parts.get(this.key(key));
    if (existing?.state === 'claimed' && existing.token === token) this.parts.delete(this.key(key));
  }
}

/** Files a test serves at URLs: bytes with a content type, or the refusal the SSRF-safe fetch would give. */
export class MemoryRemoteFiles implements RemoteFiles {
  readonly files = new Map<
    string,
    { content: Uint8Array; contentType: string | null } | { refuse: string }
  >();
  readonly fetched: string[] = [];
  async fetch(url: string, limits: { maxBytes: number; timeoutMs: number }) {
    this.fetched.push(url);
    const file = this.files.get(url);
    if (!file) throw new RemoteFileError(`the server answered 404 for ${url}`);
    if ('refuse' in file) throw new RemoteFileError(file.refuse);
    if (file.content.byteLength > limits.maxBytes) {
      throw new RemoteFileError(`larger than ${limits.maxBytes} bytes`);
    }
    return file;
  }
}

/** Secrets `whsec_` + base64 of a counter (valid Standard Webhooks secrets, predictable in tests). */
export function fakeChannelCrypto(): ChannelCrypto {
  let n = 0;
  return {
    newSecret: () => `whsec_${Buffer.from(`test-channel-secret-${++n}`.padEnd(32, '.')).toString('base64')}`,
    digest: (text) => Buffer.from(text).toString('base64url').slice(0, 43),
  };
}

/** Named secrets (channel credentials) a test puts in `values`; any other name is unavailable, as a missing one is. */
export class MemorySecretReader implements SecretReader {
  readonly values = new Map<string, string>();
  readonly reads: string[] = [];
  async read(name: string) {
    this.reads.push(name);
    const value = this.values.get(name);
    if (value === undefined) throw new SecretUnavailableError(name, 'ResourceNotFoundException');
    return value;
  }
}

/** Outbound webhook subscriptions with the same contracts as the DynamoDB store (cap, version and revision guards). */
export class MemorySubscriptionStore implements SubscriptionStore {
  readonly subscriptions = new Map<string, Subscription>();
  readonly circuitStates = new Map<string, Circuit>();
  private key = (tenantId: string, id: string) => `${tenantId}#${id}`;
  async create(subscription: Subscription) {
    if ((await this.list(subscription.tenantId)).length >= MAX_SUBSCRIPTIONS) {
      throw new DomainError(
        'validation',
        `a tenant has at most ${MAX_SUBSCRIPTIONS} subscriptions; delete one first`,
      );
    }
    const key = this.key(subscription.tenantId, subscription.id);
    if (this.subscriptions.has(key)) throw new DomainError('conflict', 'subscription exists');
    this.subscriptions.set(key, structuredClone(subscription));
  }
  async get(tenantId: string, id: string) {
    const found = this.subscriptions.get(this.key(tenantId, id));
    return found ? structuredClone(found) : null;
  }
  async list(tenantId: string) {
    return [...this.subscriptions.values()]
      .filter((s) => s.tenantId === tenantId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((s) => structuredClone(s));
  }
  async update(subscription: Subscription, expectedVersion: number) {
    const key = this.key(subscription.tenantId, subscription.id);
    if (this.subscriptions.get(key)?.version !== expectedVersion) {
      throw new ConcurrentModificationError(`subscription ${subscription.id}`);
    }
    this.subscriptions.set(key, structuredClone(subscription));
  }
  async delete(tenantId: string, id: string) {
    this.circuitStates.delete(this.key(tenantId, id));
    return this.subscriptions.delete(this.key(tenantId, id));
  }
  async circuit(tenantId: string, id: string) {
    return structuredClone(this.circuitStates.get(this.key(tenantId, id)) ?? CLOSED_CIRCUIT);
  }
  async circuits(tenantId: string) {
    const prefix = `${tenantId}#`;
    return new Map(
      [...this.circuitStates]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, circuit]) => [key.slice(prefix.length), structuredClone(circuit)]),
    );
  }
  async saveCircuit(tenantId: string, id: string, circuit: Circuit, expectedRevision: number) {
    const key = this.key(tenantId, id);
    if ((this.circuitStates.get(key)?.revision ?? 0) !== expectedRevision) return false;
    this.circuitStates.set(key, { ...structuredClone(circuit), revision: expectedRevision + 1 });
    return true;
  }
}

export class MemoryDeliveryStore implements DeliveryStore {
  readonly deliveries = new Map<string, Delivery>();
  readonly markers = new Map<string, string>();
  private key = (tenantId: string, subscriptionId: string, id: string) =>
    `${tenantId}#${subscriptionId}#${id}`;
  async createOnce(delivery: Delivery, dedupeKey: string) {
    const marker = this.key(delivery.tenantId, delivery.subscriptionId, dedupeKey);
    const existing = this.markers.get(marker);
    if (existing !== undefined) {
      return {
        created: false,
        delivery: await this.get(delivery.tenantId, delivery.subscriptionId, existing),
      };
    }
    this.markers.set(marker, delivery.id);
    this.deliveries.set(
      this.key(delivery.tenantId, delivery.subscriptionId, delivery.id),
      structuredClone(delivery),
    );
    return { created: true, delivery };
  }
  async get(tenantId: string, subscriptionId: string, id: string) {
    const found = this.deliveries.get(this.key(tenantId, subscriptionId, id));
    return found ? structuredClone(found) : null;
  }
  async list(tenantId: string, subscriptionId: string, page: PageRequest) {
    const all = [...this.deliveries.values()]
      .filter((d) => d.tenantId === tenantId && d.subscriptionId === subscriptionId)
      .sort((a, b) => b.id.localeCompare(a.id))
      .map((d) => structuredClone(d));
    return paginate(all, page);
  }
  async save(delivery: Delivery, expectedRevision: number) {
    const key = this.key(delivery.tenantId, delivery.subscriptionId, delivery.id);
    if (this.deliveries.get(key)?.revision !== expectedRevision) {
      throw new ConcurrentModificationError(`delivery ${delivery.id}`);
    }
    this.deliveries.set(key, { ...structuredClone(delivery), revision: expectedRevision + 1 });
  }
}

/** Keeps what was sent; tests take messages off `sent` as a worker would. */
export class MemoryWebhookQueue implements WebhookQueue {
  readonly sent: QueuedDelivery[] = [];
  async send(messages: readonly QueuedDelivery[]) {
    this.sent.push(...messages.map((m) => ({ ...m })));
  }
}

export function memoryWebhooks() {
  let secrets = 0;
  return {
    subscriptions: new MemorySubscriptionStore(),
    deliveries: new MemoryDeliveryStore(),
    queue: new MemoryWebhookQueue(),
    urlPolicy: AWS_URL_POLICY,
    newSecret: () => `whsec_${Buffer.from(`test-signing-secret-${++secrets}`).toString('base64')}`,
  } satisfies WebhookPorts;
}
