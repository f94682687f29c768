import type { Agent, AssignmentStrategy } from '../model.ts';
import { type Ineligibility, ineligibility, summariseIneligibility } from './eligibility.ts';

/** What routing reads of a ticket; a whole `Ticket` fits. */
export interface RoutingTicket {
  /** Normalised tags (lower case, spaces as underscores), as `Ticket.tags` holds them. */
  readonly tags: readonly string[];
  /** The classifier's verdict; only its ISO 639-1 `language` matters here ('und' = undetermined). */
  readonly triage: { readonly language: string } | null;
}

export interface RoutingInput {
  /** The group's `assignment`. */
  readonly strategy: AssignmentStrategy;
  /** Id of the group the ticket is in. */
  readonly group: string;
  /** The tenant's agents; those outside the group are ignored, so passing every agent is fine. */
  readonly agents: readonly Agent[];
  readonly ticket: RoutingTicket;
  /** The decision's moment, epoch milliseconds (working hours are checked at it). */
  readonly nowMs: number;
  /** Id of the agent the group's rotation last assigned to, or null when it never has. */
  readonly cursor: string | null;
}

/**
 * Who gets the ticket and why. `reason` is written on the ticket's timeline; `cursor` is what to store as the
 * group's rotation cursor afterwards: the chosen agent, or the cursor passed in when nobody was chosen.
 */
export interface RoutingDecision {
  readonly agentId: string | null;
  readonly strategy: AssignmentStrategy;
  readonly reason: string;
  readonly cursor: string | null;
}

/** The skill language of an undetermined triage (`UNDETERMINED` in core/triage): never a requirement. */
const UNDETERMINED_LANGUAGE = 'und';

/** How many skipped agents a round-robin reason names before it says "and N more". */
const MAX_NAMED = 3;

/** Skills and tags compare in one form: trimmed, lower case, inner spaces as underscores (as tags are stored). */
export function skillKey(value: string): string {
  return value.trim().toLowerCase().replace(/\s+/g, '_');
}

/** Code-unit order of ids (ids are time-ordered ULIDs, so this is also creation order); locale-independent. */
const byId = (a: Agent, b: Agent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The group's agents in their stable order, by id. */
export function groupMembers(agents: readonly Agent[], groupId: string): Agent[] {
  return agents.filter((agent) => agent.groups.includes(groupId)).sort(byId);
}

/**
 * The group's agents in the order their turns come: those after the cursor (by id), then from the start,
 * the cursor's own agent last. A cursor whose agent has left still places the rotation correctly.
 */
export function rotationOrder(members: readonly Agent[], cursor: string | null): Agent[] {
  const sorted = [...members].sort(byId);
  if (cursor === null) return sorted;
  const split = sorted.findIndex((agent) => agent.id > cursor);
  return split < 0 ? sorted : [...sorted.slice(split), ...sorted.slice(0, split)];
}

/**
 * Least loaded first: lower load/capacity ratio (compared exactly, by cross-multiplying), then lower absolute
 * load. Equal agents compare 0, so a stable sort keeps them in turn order.
 */
export function compareLoad(a: Agent, b: Agent): number {
  return a.load * b.capacity - b.load * a.capacity || a.load - b.load;
}

/**
 * The skills a ticket asks for, in this order: its triage language (when known and not 'und'), then its tags
 * that are a skill of at least one agent of the group (other tags are just labels). No duplicates.
 */
export function requiredSkills(
  ticket: { readonly tags: readonly string[]; readonly language: string | null },
  members: readonly Agent[],
): string[] {
  const required = new Set<string>();
  const language = ticket.language === null ? '' : skillKey(ticket.language);
  if (language !== '' && language !== UNDETERMINED_LANGUAGE) required.add(language);
  const groupSkills = new Set(members.flatMap((agent) => agent.skills.map(skillKey)));
  for (const tag of ticket.tags) {
    const key = skillKey(tag);
    if (groupSkills.has(key)) required.add(key);
  }
  return [...required];
}

interface Candidate {
  readonly agent: Agent;
  readonly problem: Ineligibility | null;
}

const loadOf = (agent: Agent) => `${agent.load}/${agent.capacity}`;

function namesWithReasons(candidates: readonly Candidate[]): string {
  const named = candidates.slice(0, MAX_NAMED).map((c) => `${c.agent.name} (${c.problem?.reason})`);
  const more = candidates.length - named.length;
  return more > 0 ? `${named.join(', ')} and ${more} more` : named.join(', ');
}

/**
 * The least loaded agent of `pool` (already in turn order), and a clause saying so: "least loaded 2/10
 * (lowest of 3 eligible)", with "; tied with N, next in turn" when the rotation broke a tie.
 */
function leastLoaded(pool: readonly Agent[], poolNoun: string): { agent: Agent; clause: string } {
  const ranked = [...pool].sort(compareLoad);
  const agent = ranked[0]!;
  if (ranked.length === 1) return { agent, clause: `least loaded ${loadOf(agent)} (only ${poolNoun})` };
  const tied = ranked.filter((other) => other !== agent && compareLoad(other, agent) === 0).length;
  const tie = tied === 0 ? '' : `; tied with ${tied} other${tied === 1 ? '' : 's'}, next in turn`;
  return {
    agent,
    clause: `least loaded ${loadOf(agent)} (lowest of ${ranked.length} ${poolNoun}${tie})`,
  };
}

function decide(input: RoutingInput, agent: Agent, reason: string): RoutingDecision {
  return { agentId: agent.id, strategy: input.strategy, reason, cursor: agent.id };
}

function nobody(input: RoutingInput, reason: string): RoutingDecision {
  return { agentId: null, strategy: input.strategy, reason, cursor: input.cursor };
}

/**
 * Picks the agent for a ticket of `group` by the group's strategy. Pure and deterministic: the same input
 * gives the same decision. Only an eligible agent is ever chosen (member, available, below capacity, on
 * shift; see `whyIneligible`). Strategies:
 * - `manual`: never assigns.
 * - `round_robin`: the first eligible agent after the cursor in id order, wrapping around; over many tickets
 *   every eligible agent gets the same share.
 * - `least_loaded`: the lowest load/capacity ratio, then the lower load, then the next in turn after the cursor.
 * - `skills`: the required skills (see `requiredSkills`); eligible agents having all of them, else those having
 *   the most; least loaded within that tier as above.
 * With nobody eligible, `agentId` is null and the reason counts why ("no available agent in group: 2 away,
 * 1 at capacity"); the caller leaves the ticket queued for `ticketsForAgent`.
 *
 * The caller writes the assignment with a condition on the agent's load; when that loses a race, it decides
 * again with the agent's fresh record.
 */
export function chooseAgent(input: RoutingInput): RoutingDecision {
  const { strategy, group, ticket, nowMs, cursor } = input;
  if (strategy === 'manual') return nobody(input, 'group assigns manually');

  const members = groupMembers(input.agents, group);
  if (members.length === 0) return nobody(input, 'no agent in group');
  const turns: Candidate[] = rotationOrder(members, cursor).map((agent) => ({
    agent,
    problem: ineligibility(agent, group, nowMs),
  }));
  const eligible = turns.filter((c) => c.problem === null).map((c) => c.agent);
  if (eligible.length === 0) {
    return nobody(
      input,
      `no available agent in group: ${summariseIneligibility(turns.map((c) => c.problem!))}`,
    );
  }

  switch (strategy) {
    case 'round_robin': {
      const index = turns.findIndex((c) => c.problem === null);
      const agent = turns[index]!.agent;
      const skipped = turns.slice(0, index);
      const reason =
        skipped.length === 0
          ? 'round robin: next in turn'
          : `round robin: next in turn; skipped ${namesWithReasons(skipped)}`;
      return decide(input, agent, reason);
    }
    case 'least_loaded': {
      const { agent, clause } = leastLoaded(eligible, 'eligible');
      return decide(input, agent, clause);
    }
    case 'skills': {
      const required = requiredSkills(
        { tags: ticket.tags, language: ticket.triage?.language ?? null },
        members,
      );
      if (required.length === 0) {
        const { agent, clause } = leastLoaded(eligible, 'eligible');
        return decide(input, agent, `skills: none required; ${clause}`);
      }
      const matchedBy = new Map(
        eligible.map((agent) => {
          const skills = new Set(agent.skills.map(skillKey));
          return [agent, required.filter((skill) => skills.has(skill))] as const;
        }),
      );
      const best = Math.max(...[...matchedBy.values()].map((matched) => matched.length));
      const tier = eligible.filter((agent) => matchedBy.get(agent)!.length === best);
      const all = required.join(', ');
      if (best === 0) {
        const { agent, clause } = leastLoaded(tier, 'eligible');
        return decide(input, agent, `skills: no eligible agent has ${all}; ${clause}`);
      }
      const noun =
        best === required.length
          ? 'eligible with these skills'
          : `eligible matching ${best} of ${required.length}`;
      const { agent, clause } = leastLoaded(tier, noun);
      const matched = matchedBy.get(agent)!;
      if (best === required.length) return decide(input, agent, `skills: matched ${all}; ${clause}`);
      const missing = required.filter((skill) => !matched.includes(skill)).join(', ');
      return decide(
        input,
        agent,
        `skills: matched ${matched.join(', ')}, not ${missing} (no eligible agent has all of ${all}); ${clause}`,
      );
    }
    default: {
      const unknown: never = strategy;
      return nobody(input, `unknown assignment strategy ${JSON.stringify(unknown)}`);
    }
  }
}
