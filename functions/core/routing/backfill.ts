import type { Agent, AssignmentStrategy } from '../model.ts';
import { ineligibility } from './eligibility.ts';
import { skillKey } from './strategies.ts';

/** A ticket waiting in a group's queue without an assignee. */
export interface QueuedTicket {
  readonly number: number;
  /** The ticket's group id; tickets without a group are never backfilled. */
  readonly group: string | null;
  /** Not used to pick: skill tags are a preference for `chooseAgent`, not a requirement here. */
  readonly tags?: readonly string[];
  /** ISO 639-1 from triage; null (not triaged yet) or 'und' requires nothing. */
  readonly language: string | null;
  /** The group's strategy; when absent, `groupsById` supplies it. */
  readonly strategyOfGroup?: AssignmentStrategy;
}

/** What backfill needs of a group; a `Group` fits. */
export interface BackfillGroup {
  readonly assignment: AssignmentStrategy;
  /**
   * Every skill some agent of the group has (`groupSkills`). Optional: when given, a ticket in a language
   * nobody in the group speaks is not held back for a speaker who will never come.
   */
  readonly skills?: readonly string[];
}

export interface BackfillInput {
  /** The agent who just became available, came on shift or freed capacity, with their current load. */
  readonly agent: Agent;
  /** The queued tickets of the agent's groups, oldest first (the order is kept). */
  readonly queued: readonly QueuedTicket[];
  readonly nowMs: number;
  readonly groupsById?: ReadonlyMap<string, BackfillGroup>;
}

/** Every skill of the group's agents, in `skillKey` form: the `skills` of a `BackfillGroup`. */
export function groupSkills(agents: readonly Agent[], groupId: string): string[] {
  const skills = new Set<string>();
  for (const agent of agents) {
    if (agent.groups.includes(groupId)) for (const skill of agent.skills) skills.add(skillKey(skill));
  }
  return [...skills];
}

/**
 * The queued tickets an agent should take now, oldest first as given, at most `capacity - load` of them.
 * Nothing when the agent is away, at capacity or off shift. A ticket is taken only when:
 * - its group is one of the agent's groups and the group's strategy (the ticket's `strategyOfGroup`, else
 *   `groupsById`) is known and not `manual` (people assign those by hand);
 * - for a `skills` group, the agent speaks the ticket's language (triage language other than 'und'), unless
 *   the group's `skills` are given and nobody in the group speaks it. A ticket in Spanish waits for a Spanish
 *   speaker rather than going to whoever frees up first. Tags are not requirements here.
 * The caller assigns them in order with the same conditional write as `chooseAgent`'s decisions, stopping at
 * the first that fails.
 */
export function ticketsForAgent(input: BackfillInput): number[] {
  const { agent, queued, nowMs, groupsById } = input;
  const free = Math.max(0, Math.floor(agent.capacity - agent.load));
  if (free === 0 || agent.groups.length === 0) return [];
  // Membership is checked per ticket below; the rest of eligibility does not depend on the group.
  if (ineligibility(agent, agent.groups[0]!, nowMs) !== null) return [];
  const speaks = new Set(agent.skills.map(skillKey));
  const taken: number[] = [];
  const seen = new Set<number>();
  for (const ticket of queued) {
    if (taken.length >= free) break;
    if (ticket.group === null || !agent.groups.includes(ticket.group) || seen.has(ticket.number)) continue;
    const group = groupsById?.get(ticket.group);
    const strategy = ticket.strategyOfGroup ?? group?.assignment;
    if (strategy === undefined || strategy === 'manual') continue;
    if (strategy === 'skills' && ticket.language !== null) {
      const language = skillKey(ticket.language);
      const needed = language !== '' && language !== 'und';
      const nobodySpeaksIt = group?.skills !== undefined && !group.skills.map(skillKey).includes(language);
      if (needed && !speaks.has(language) && !nobodySpeaksIt) continue;
    }
    seen.add(ticket.number);
    taken.push(ticket.number);
  }
  return taken;
}

/** The timeline reason of a backfilled assignment; `load` is the agent's load before this ticket. */
export function backfillReason(agent: Pick<Agent, 'name' | 'capacity'>, load: number): string {
  return `backfill: ${agent.name} had room (${load}/${agent.capacity}); oldest queued ticket first`;
}
