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
} from '../core/model.ts';

/** Domain objects as the API shows them: camelCase JSON without storage or tenant fields. */

export function ticketJson(ticket: Ticket) {
  const { tenantId: _tenant, ...rest } = ticket;
  return rest;
}

export function eventJson(event: TimelineEvent) {
  const { type, ...data } = event.data;
  return { id: event.id, type, at: event.at, actor: event.actor, data };
}

export function customerJson(customer: Customer) {
  const { tenantId: _tenant, ...rest } = customer;
  return rest;
}

export function agentJson(agent: Agent) {
  const { tenantId: _tenant, ...rest } = agent;
  return rest;
}

export function groupJson(group: Group) {
  const { tenantId: _tenant, ...rest } = group;
  return rest;
}

export function customFieldJson(definition: CustomFieldDefinition) {
  return definition;
}

export function apiKeyJson(key: ApiKey) {
  const { tenantId: _tenant, ...rest } = key;
  return rest;
}

export function tenantJson(tenant: Tenant) {
  return tenant;
}

export function pageJson<T, R>(page: Page<T>, map: (item: T) => R) {
  return { items: page.items.map(map), nextCursor: page.nextCursor };
}
