import type { Actor, Agent } from './model.ts';

/**
 * Domain events about agents rather than tickets. Routing listens for `agent.available`: an agent who comes
 * back, gains capacity or joins a group takes waiting tickets from their groups' queues at once — an event,
 * not a poll. Written as an outbox item in the agent's own transaction, published by the dispatcher.
 */
export const AGENT_AVAILABLE = 'agent.available';

export interface AgentSummary {
  readonly id: string;
  readonly groups: readonly string[];
  readonly status: Agent['status'];
  readonly capacity: number;
  readonly load: number;
}

export interface AgentEvent {
  readonly id: string;
  readonly type: typeof AGENT_AVAILABLE;
  readonly tenantId: string;
  readonly at: string;
  readonly actor: Actor;
  /** What changed that may let the agent take tickets. */
  readonly reason: string;
  readonly agent: AgentSummary;
}

export const summarizeAgent = (agent: Agent): AgentSummary => ({
  id: agent.id,
  groups: agent.groups,
  status: agent.status,
  capacity: agent.capacity,
  load: agent.load,
});

/**
 * The event an agent update causes, or null: only changes that can let the agent take more tickets (back from
 * away, more capacity, a new group, other working hours) while they are available.
 */
export function availabilityEvent(
  previous: Agent,
  next: Agent,
  actor: Actor,
  id: string,
  at: string,
): AgentEvent | null {
  if (next.status !== 'available') return null;
  const reasons: string[] = [];
  if (previous.status !== 'available') reasons.push('back from away');
  if (next.capacity > previous.capacity) reasons.push(`capacity ${previous.capacity} → ${next.capacity}`);
  const joined = next.groups.filter((g) => !previous.groups.includes(g));
  if (joined.length > 0) reasons.push(`joined ${joined.join(', ')}`);
  if (JSON.stringify(next.workingHours) !== JSON.stringify(previous.workingHours)) {
    reasons.push('working hours changed');
  }
  if (reasons.length === 0) return null;
  return {
    id,
    type: AGENT_AVAILABLE,
    tenantId: next.tenantId,
    at,
    actor,
    reason: reasons.join('; '),
    agent: summarizeAgent(next),
  };
}
