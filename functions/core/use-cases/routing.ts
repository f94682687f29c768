import type { Caller } from '../caller.ts';
import { ConcurrentModificationError, DomainError } from '../errors.ts';
import type { Actor, Ticket } from '../model.ts';
import {
  AgentUnavailableError,
  type Clock,
  DuplicateEventError,
  type GroupStore,
  type Ids,
  type RoutingSettings,
  type RoutingStore,
  type TicketStore,
} from '../ports.ts';
import { chooseAgent } from '../routing/index.ts';
import { applyPatch, type Change, combineChanges, noteEvent, withReason } from '../tickets.ts';

/** Routing acts as this system actor on the timeline. */
export const ROUTING_ACTOR: Actor = { type: 'system', id: 'routing', name: 'Routing' };

/**
 * Attempts before a message goes back to its queue. A round-robin group's cursor is one item every worker of a
 * busy group writes; each round of contention lets at least one of them through, so this covers a full batch
 * from every concurrent worker, not just one rival.
 */
const MAX_ATTEMPTS = 50;

/** Most tickets one "agent available" event hands out (the rest wait for the next event). */
export const MAX_BACKFILL = 50;

export interface RoutingDeps {
  readonly tickets: TicketStore;
  readonly routing: RoutingStore;
  readonly clock: Clock;
  readonly ids: Ids;
}

export type RouteOutcome =
  | { readonly outcome: 'assigned'; readonly agentId: string; readonly reason: string }
  | { readonly outcome: 'queued'; readonly reason: string }
  | { readonly outcome: 'skipped'; readonly reason: string };

/** Why routing leaves a ticket alone, or null when it should try to assign it. */
function notRoutable(ticket: Ticket): string | null {
  if (ticket.spam) return 'held as spam';
  if (ticket.assignee !== null) return `already assigned to ${ticket.assignee}`;
  if (ticket.status !== 'new' && ticket.status !== 'open') return `status ${ticket.status}`;
  return null;
}

/**
 * Routing: puts a ticket in front of an agent. The group comes from the ticket (a rule, the channel, an agent)
 * or the tenant's default group; the agent from the group's strategy. The assignment is written with the
 * agent's load counter (never past capacity) and the group's round-robin cursor in one transaction, guarded by
 * the ticket's version: a stale message never overrides a newer decision, and two workers never hand out the
 * same turn or the same last slot twice. `once` marks the event handled in that transaction.
 */
export function makeRouteTicket(deps: RoutingDeps) {
  return async function routeTicket(
    tenantId: string,
    number: number,
    once: { readonly consumer: string; readonly eventId: string },
    options: { readonly noteDeferral?: boolean } = {},
  ): Promise<RouteOutcome> {
    // Each lost race (a version, a cursor, an agent's last slot) re-reads and decides again.
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const ticket = await deps.tickets.get(tenantId, number);
      if (!ticket) return { outcome: 'skipped', reason: `ticket #${number} does not exist` };
      const why = notRoutable(ticket);
      if (why) return { outcome: 'skipped', reason: why };
      const now = deps.clock.now();
      const steps: Change[] = [];
      let current = ticket;
      if (current.group === null) {
        const { defaultGroup } = await deps.routing.settings(tenantId);
        if (defaultGroup === null || current.pinnedFields.includes('group')) {
          return { outcome: 'skipped', reason: 'no group, and the tenant has no default group' };
        }
        const step = withReason(
          applyPatch(current, { group: defaultGroup }, ROUTING_ACTOR, now, deps.ids),
          'the tenant’s default group',
        );
        steps.push(step);
        current = step.ticket;
      }
      const groupId = current.group!;
      const found = await deps.routing.group(tenantId, groupId);
      if (!found) return { outcome: 'skipped', reason: `group ${groupId} does not exist` };
      if (found.group.assignment === 'manual' && steps.length === 0) {
        return { outcome: 'skipped', reason: `group ${found.group.name} assigns manually` };
      }
      const agents = await deps.routing.agentsOf(tenantId, groupId);
      const decision =
        found.group.assignment === 'manual'
          ? null
          : chooseAgent({
              strategy: found.group.assignment,
              group: groupId,
              agents,
              ticket: current,
              nowMs: Date.parse(now),
              cursor: found.cursor,
            });
      if (decision?.agentId) {
        const reason = `${found.group.name}: ${decision.reason}`;
        steps.push(
          withReason(
            applyPatch(current, { assignee: decision.agentId }, ROUTING_ACTOR, now, deps.ids),
            reason,
            decision.strategy,
          ),
        );
        const change = combineChanges(ticket, steps);
        try {
          await deps.tickets.save(change, ticket.version, {
            consumedEvent: once,
            references: { group: change.ticket.group !== ticket.group ? groupId : undefined },
            assignment: {
              withinCapacity: true,
              // Only the rotation needs its turn guarded; the other strategies go by load, guarded above.
              roundRobin:
                decision.strategy === 'round_robin' && decision.cursor !== null
                  ? { group: groupId, from: found.cursor, to: decision.cursor }
                  : undefined,
            },
          });
          return { outcome: 'assigned', agentId: decision.agentId, reason };
        } catch (error) {
          if (error instanceof DuplicateEventError) return { outcome: 'skipped', reason: 'already routed' };
          if (error instanceof AgentUnavailableError || error instanceof ConcurrentModificationError)
            continue;
          throw error;
        }
      }
      // Nobody can take it now: it waits in the group's queue until an agent becomes available (an event).
      const reason = decision
        ? `${found.group.name}: ${decision.reason}`
        : `${found.group.name} assigns manually`;
      const moved = steps.length > 0 ? combineChanges(ticket, steps) : null;
      // Draining a queue tries tickets that wait already: saying so again on each would only add noise.
      if (options.noteDeferral === false && !moved) return { outcome: 'queued', reason };
      const base = moved?.ticket ?? { ...ticket, version: ticket.version + 1 };
      const deferred = noteEvent(base, ROUTING_ACTOR, now, deps.ids, {
        type: 'routing_deferred',
        group: groupId,
        strategy: found.group.assignment,
        reason,
      });
      const change: Change = { ticket: base, events: [...(moved?.events ?? []), deferred] };
      try {
        await deps.tickets.save(change, ticket.version, {
          consumedEvent: once,
          references: { group: base.group !== ticket.group ? groupId : undefined },
        });
        return { outcome: 'queued', reason };
      } catch (error) {
        if (error instanceof DuplicateEventError) return { outcome: 'skipped', reason: 'already routed' };
        if (error instanceof ConcurrentModificationError) continue;
        throw error;
      }
    }
    throw new ConcurrentModificationError(`routing of ticket #${number}`);
  };
}

/**
 * Capacity came free (an agent became available, solved a ticket, was unassigned): hand the oldest waiting
 * tickets of the agent's groups out again, each through its group's strategy, until someone's queue is empty
 * or nobody can take more. Each ticket is marked handled for this event on its own.
 */
export function makeDrainQueues(deps: RoutingDeps & { readonly groups?: GroupStore }) {
  const routeTicket = makeRouteTicket(deps);
  return async function drainQueues(
    tenantId: string,
    groupIds: readonly string[],
    eventId: string,
  ): Promise<{ assigned: number[]; remaining: boolean }> {
    const assigned: number[] = [];
    for (const groupId of groupIds) {
      const found = await deps.routing.group(tenantId, groupId);
      if (!found || found.group.assignment === 'manual') continue;
      const queued = await deps.routing.queued(tenantId, groupId, MAX_BACKFILL);
      for (const number of queued) {
        const outcome = await routeTicket(
          tenantId,
          number,
          { consumer: `routing#${number}`, eventId },
          { noteDeferral: false },
        );
        if (outcome.outcome === 'assigned') assigned.push(number);
        // The queue is oldest first: when the oldest cannot be placed, nobody has room.
        if (outcome.outcome === 'queued') return { assigned, remaining: true };
        if (assigned.length >= MAX_BACKFILL) return { assigned, remaining: true };
      }
    }
    return { assigned, remaining: false };
  };
}

export function makeGetRoutingSettings(deps: Pick<RoutingDeps, 'routing'>) {
  return (caller: Caller): Promise<RoutingSettings> => deps.routing.settings(caller.tenantId);
}

export function makePutRoutingSettings(deps: Pick<RoutingDeps, 'routing'> & { readonly groups: GroupStore }) {
  return async function putRoutingSettings(
    caller: Caller,
    settings: RoutingSettings,
  ): Promise<RoutingSettings> {
    if (settings.defaultGroup !== null && !(await deps.groups.get(caller.tenantId, settings.defaultGroup))) {
      throw new DomainError('validation', `group ${settings.defaultGroup} does not exist`, [
        { path: 'defaultGroup', message: `${settings.defaultGroup} does not exist` },
      ]);
    }
    await deps.routing.putSettings(caller.tenantId, settings);
    return settings;
  };
}
