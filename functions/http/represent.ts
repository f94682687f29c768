import type { Page, TimelineEvent } from '../core/model.ts';

/**
 * Domain objects as the API shows them: camelCase JSON without the tenant, which the caller's key already
 * names. Tickets, customers, agents, groups and API keys all go through this one function.
 */
export function withoutTenant<T extends { readonly tenantId: string }>(value: T): Omit<T, 'tenantId'> {
  const { tenantId: _tenant, ...rest } = value;
  // A ticket's record of applied timer effects is the timer worker's bookkeeping, not part of the ticket.
  if ('timerEffectsDone' in rest) delete (rest as { timerEffectsDone?: unknown }).timerEffectsDone;
  return rest;
}

export function eventJson(event: TimelineEvent) {
  const { type, ...data } = event.data;
  return { id: event.id, type, at: event.at, actor: event.actor, data };
}

export function pageJson<T, R>(page: Page<T>, map: (item: T) => R) {
  return { items: page.items.map(map), nextCursor: page.nextCursor };
}
