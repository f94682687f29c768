import type { Status, Ticket } from './model.ts';
import type { Change } from './tickets.ts';

/** The statuses that occupy an agent: load-based routing counts these against the agent's capacity. */
export const LOAD_STATUSES: readonly Status[] = ['new', 'open', 'pending', 'on_hold'];

const occupies = (assignee: string | null, status: Status): assignee is string =>
  assignee !== null && LOAD_STATUSES.includes(status);

/**
 * How a change moves agents' load counters: +1 for the agent who now holds an unsolved ticket, −1 for the one
 * who held it before (reassigned, solved, closed), nothing when neither changed. The previous state is read off
 * the change's own events (`assigned.from`, the first `status_changed.from`), so every ticket transaction can
 * keep the counters exact without another read.
 */
export function agentLoadChanges(change: Change): Map<string, number> {
  const after = change.ticket;
  if (change.events.some((e) => e.data.type === 'created')) return created(after);
  let assigneeBefore = after.assignee;
  let statusBefore = after.status;
  const assigned = change.events.find((e) => e.data.type === 'assigned');
  if (assigned?.data.type === 'assigned') assigneeBefore = assigned.data.from;
  const status = change.events.find((e) => e.data.type === 'status_changed');
  if (status?.data.type === 'status_changed') statusBefore = status.data.from;
  const deltas = new Map<string, number>();
  const add = (agent: string, delta: number) => deltas.set(agent, (deltas.get(agent) ?? 0) + delta);
  if (occupies(assigneeBefore, statusBefore)) add(assigneeBefore, -1);
  if (occupies(after.assignee, after.status)) add(after.assignee, 1);
  for (const [agent, delta] of deltas) if (delta === 0) deltas.delete(agent);
  return deltas;
}

function created(ticket: Ticket): Map<string, number> {
  return occupies(ticket.assignee, ticket.status) ? new Map([[ticket.assignee, 1]]) : new Map();
}
