import type { AgentDomainEvent, DomainEvent } from '../domain-events.ts';
import type { AgentStore } from '../ports.ts';
import { makeDrainQueues, makeRouteTicket, type RouteOutcome, type RoutingDeps } from './routing.ts';

const FREES_CAPACITY = new Set(['solved', 'closed']);

export type RouteEventOutcome =
  | RouteOutcome
  | { readonly outcome: 'drained'; readonly agentId: string; readonly assigned: readonly number[] }
  | { readonly outcome: 'ignored'; readonly reason: string };

/**
 * Which routing work a domain event means:
 * - a ticket was triaged, moved to another group, unassigned or reopened: route it;
 * - an agent became available, or lost a ticket (solved, closed, reassigned): hand the oldest waiting tickets of
 *   their groups out again — assignment follows capacity as it frees, by event, never by polling.
 */
export function makeRouteEvent(deps: RoutingDeps & { readonly agents: AgentStore }) {
  const routeTicket = makeRouteTicket(deps);
  const drainQueues = makeDrainQueues(deps);

  async function drainFor(tenantId: string, agentId: string, eventId: string): Promise<RouteEventOutcome> {
    const agent = await deps.agents.get(tenantId, agentId);
    if (!agent) return { outcome: 'ignored', reason: `agent ${agentId} does not exist` };
    const { assigned } = await drainQueues(tenantId, agent.groups, eventId);
    return { outcome: 'drained', agentId, assigned };
  }

  return async function routeEvent(event: DomainEvent | AgentDomainEvent): Promise<RouteEventOutcome> {
    if (event.type === 'agent.available') {
      const { assigned } = await drainQueues(event.tenantId, event.agent.groups, event.id);
      return { outcome: 'drained', agentId: event.agent.id, assigned };
    }
    const { tenantId, ticket, data } = event;
    const once = { consumer: 'routing', eventId: event.id };
    switch (event.type) {
      case 'ticket.triaged':
        return routeTicket(tenantId, ticket.number, once);
      case 'ticket.updated':
        return data.field === 'group'
          ? routeTicket(tenantId, ticket.number, once)
          : { outcome: 'ignored', reason: `a change of ${String(data.field)}` };
      case 'ticket.assigned':
        if (typeof data.from === 'string') return drainFor(tenantId, data.from, event.id);
        return data.to === null
          ? routeTicket(tenantId, ticket.number, once)
          : { outcome: 'ignored', reason: 'assigned' };
      case 'ticket.status_changed':
        if (FREES_CAPACITY.has(String(data.to)) && ticket.assignee) {
          return drainFor(tenantId, ticket.assignee, event.id);
        }
        return data.to === 'open' && ticket.assignee === null
          ? routeTicket(tenantId, ticket.number, once, { noteDeferral: false })
          : { outcome: 'ignored', reason: `status ${String(data.to)}` };
      default:
        return { outcome: 'ignored', reason: `${event.type} needs no routing` };
    }
  };
}
