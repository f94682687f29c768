import { availabilityEvent } from '../agent-events.ts';
import type { Caller } from '../caller.ts';
import { normalizeEmail, normalizePhone } from '../customers.ts';
import { DomainError, invalid, notFound } from '../errors.ts';
import type {
  Agent,
  AgentRole,
  AgentStatus,
  AssignmentStrategy,
  Customer,
  CustomFieldDefinition,
  CustomFieldType,
  Group,
  Page,
  Ticket,
  WorkingHours,
} from '../model.ts';
import type {
  AgentStore,
  Clock,
  CustomerStore,
  CustomFieldStore,
  GroupStore,
  Ids,
  PageRequest,
  TicketStore,
} from '../ports.ts';
import { validateSchedule } from '../sla/schedule.ts';

/** Customers, agents, groups and custom field declarations: the people and structure around tickets. */

export function makeFindCustomers(deps: { customers: CustomerStore }) {
  return async function findCustomers(
    caller: Caller,
    query: { email?: string | undefined; phone?: string | undefined },
  ): Promise<Page<Customer>> {
    const email = query.email ? normalizeEmail(query.email) : undefined;
    const phone = query.phone ? (normalizePhone(query.phone) ?? undefined) : undefined;
    if (query.phone && !phone) throw invalid('phone', 'must be an E.164 phone number, e.g. +14155550123');
    if (!email && !phone) throw invalid('email', 'give an email or a phone to look a customer up');
    const customer = await deps.customers.findByIdentity(caller.tenantId, { email, phone });
    return { items: customer ? [customer] : [], nextCursor: null };
  };
}

export function makeGetCustomer(deps: { customers: CustomerStore; tickets: TicketStore }) {
  return async function getCustomer(
    caller: Caller,
    id: string,
    page: PageRequest,
  ): Promise<{ customer: Customer; tickets: Page<Ticket> }> {
    const customer = await deps.customers.get(caller.tenantId, id);
    if (!customer) throw notFound(`customer ${id}`);
    const tickets = await deps.tickets.list(caller.tenantId, { requester: id }, page);
    return { customer, tickets };
  };
}

export interface AgentInput {
  readonly name: string;
  readonly email: string;
  readonly role?: AgentRole | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly skills?: readonly string[] | undefined;
  readonly capacity?: number | undefined;
  readonly status?: AgentStatus | undefined;
  readonly workingHours?: WorkingHours | null | undefined;
}

interface DirectoryDeps {
  readonly agents: AgentStore;
  readonly groups: GroupStore;
  readonly clock: Clock;
  readonly ids: Ids;
}

async function assertGroupsExist(groups: GroupStore, tenantId: string, ids: readonly string[] | undefined) {
  if (!ids || ids.length === 0) return;
  const missing = await groups.missing(tenantId, ids);
  if (missing.length > 0) {
    throw new DomainError(
      'validation',
      `unknown groups: ${missing.join(', ')}`,
      missing.map((id) => ({ path: 'groups', message: `group ${id} does not exist` })),
    );
  }
}

/** Working hours are a weekly schedule without holidays: the SLA schedule rules check them. */
function assertWorkingHours(hours: WorkingHours | null | undefined): void {
  if (!hours) return;
  const errors = validateSchedule({ timeZone: hours.timeZone, weekly: hours.weekly, holidays: [] });
  if (errors.length > 0) {
    throw new DomainError(
      'validation',
      'workingHours is not a valid weekly schedule',
      errors.map((e) => ({ ...e, path: `workingHours.${e.path}` })),
    );
  }
}

function normalizeSkills(skills: readonly string[]): string[] {
  return [...new Set(skills.map((s) => s.trim().toLowerCase()).filter(Boolean))];
}

/** Default number of open tickets an agent works at once, used by load-based routing. */
const DEFAULT_CAPACITY = 10;

export function makeCreateAgent(deps: DirectoryDeps) {
  return async function createAgent(caller: Caller, input: AgentInput): Promise<Agent> {
    await assertGroupsExist(deps.groups, caller.tenantId, input.groups);
    assertWorkingHours(input.workingHours);
    const now = deps.clock.now();
    const agent: Agent = {
      tenantId: caller.tenantId,
      id: `agt_${deps.ids.next()}`,
      name: input.name.trim(),
      email: normalizeEmail(input.email),
      role: input.role ?? 'agent',
      groups: [...new Set(input.groups ?? [])],
      skills: normalizeSkills(input.skills ?? []),
      capacity: input.capacity ?? DEFAULT_CAPACITY,
      status: input.status ?? 'available',
      load: 0,
      workingHours: input.workingHours ?? null,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await deps.agents.create(agent);
    return agent;
  };
}

export function makeGetAgent(deps: Pick<DirectoryDeps, 'agents'>) {
  return async function getAgent(caller: Caller, id: string): Promise<Agent> {
    const agent = await deps.agents.get(caller.tenantId, id);
    if (!agent) throw notFound(`agent ${id}`);
    return agent;
  };
}

export function makeListAgents(deps: Pick<DirectoryDeps, 'agents'>) {
  return (caller: Caller, page: PageRequest) => deps.agents.list(caller.tenantId, page);
}

export function makeUpdateAgent(deps: DirectoryDeps) {
  return async function updateAgent(caller: Caller, id: string, patch: Partial<AgentInput>): Promise<Agent> {
    await assertGroupsExist(deps.groups, caller.tenantId, patch.groups);
    assertWorkingHours(patch.workingHours);
    const previous = await deps.agents.get(caller.tenantId, id);
    if (!previous) throw notFound(`agent ${id}`);
    const next: Agent = {
      ...previous,
      ...(patch.name !== undefined && { name: patch.name.trim() }),
      ...(patch.email !== undefined && { email: normalizeEmail(patch.email) }),
      ...(patch.role !== undefined && { role: patch.role }),
      ...(patch.groups !== undefined && { groups: [...new Set(patch.groups)] }),
      ...(patch.skills !== undefined && { skills: normalizeSkills(patch.skills) }),
      ...(patch.capacity !== undefined && { capacity: patch.capacity }),
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.workingHours !== undefined && { workingHours: patch.workingHours }),
      updatedAt: deps.clock.now(),
      version: previous.version + 1,
    };
    const event = availabilityEvent(previous, next, caller.actor, deps.ids.next(), next.updatedAt);
    await deps.agents.update(next, previous, event);
    return next;
  };
}

export function makeCreateGroup(deps: Pick<DirectoryDeps, 'groups' | 'clock' | 'ids'>) {
  return async function createGroup(
    caller: Caller,
    input: {
      name: string;
      description?: string | undefined;
      assignment?: AssignmentStrategy | undefined;
    },
  ): Promise<Group> {
    const group: Group = {
      tenantId: caller.tenantId,
      id: `grp_${deps.ids.next()}`,
      name: input.name.trim(),
      description: input.description?.trim() || null,
      assignment: input.assignment ?? 'manual',
      createdAt: deps.clock.now(),
    };
    await deps.groups.create(group);
    return group;
  };
}

export function makeGetGroup(deps: Pick<DirectoryDeps, 'groups'>) {
  return async function getGroup(caller: Caller, id: string): Promise<Group> {
    const group = await deps.groups.get(caller.tenantId, id);
    if (!group) throw notFound(`group ${id}`);
    return group;
  };
}

export function makeUpdateGroup(deps: Pick<DirectoryDeps, 'groups'>) {
  return async function updateGroup(
    caller: Caller,
    id: string,
    patch: {
      name?: string | undefined;
      description?: string | undefined;
      assignment?: AssignmentStrategy | undefined;
    },
  ): Promise<Group> {
    const previous = await deps.groups.get(caller.tenantId, id);
    if (!previous) throw notFound(`group ${id}`);
    const next: Group = {
      ...previous,
      ...(patch.name !== undefined && { name: patch.name.trim() }),
      ...(patch.description !== undefined && { description: patch.description.trim() || null }),
      ...(patch.assignment !== undefined && { assignment: patch.assignment }),
    };
    await deps.groups.update(next);
    return next;
  };
}

export function makeListGroups(deps: Pick<DirectoryDeps, 'groups'>) {
  return (caller: Caller, page: PageRequest) => deps.groups.list(caller.tenantId, page);
}

export function makeCreateCustomField(deps: { customFields: CustomFieldStore; clock: Clock }) {
  return async function createCustomField(
    caller: Caller,
    input: { key: string; type: CustomFieldType; title?: string | undefined },
  ): Promise<CustomFieldDefinition> {
    const definition: CustomFieldDefinition = {
      key: input.key,
      type: input.type,
      title: input.title?.trim() || input.key,
      createdAt: deps.clock.now(),
    };
    await deps.customFields.create(caller.tenantId, definition);
    return definition;
  };
}

export function makeListCustomFields(deps: { customFields: CustomFieldStore }) {
  return (caller: Caller) => deps.customFields.list(caller.tenantId);
}
