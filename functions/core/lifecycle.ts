import type { AuthorType, Status } from './model.ts';

/**
 * Status rules, following Zendesk:
 * - `new` only ever describes a ticket no agent has touched: nothing goes back to it.
 * - `closed` is final. Only a `solved` ticket closes (an agent, an admin or the auto-close timer does it).
 * - Everything else moves freely between `open`, `pending`, `on_hold` and `solved`.
 */
export type TransitionVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string };

const ALLOWED: Readonly<Record<Status, readonly Status[]>> = {
  new: ['open', 'pending', 'on_hold', 'solved'],
  open: ['pending', 'on_hold', 'solved'],
  pending: ['open', 'on_hold', 'solved'],
  on_hold: ['open', 'pending', 'solved'],
  solved: ['open', 'pending', 'on_hold', 'closed'],
  closed: [],
};

export function checkTransition(from: Status, to: Status): TransitionVerdict {
  if (from === to) return { allowed: true };
  if (ALLOWED[from].includes(to)) return { allowed: true };
  if (from === 'closed') {
    return {
      allowed: false,
      reason: 'a closed ticket cannot change; a requester writing to it gets a follow-up ticket',
    };
  }
  if (to === 'new') return { allowed: false, reason: 'a ticket never goes back to new' };
  if (to === 'closed')
    return { allowed: false, reason: `only a solved ticket can be closed (this one is ${from})` };
  return { allowed: false, reason: `${from} → ${to} is not allowed` };
}

/** Every (from, to) pair with its verdict: the lifecycle table the tests and the README are checked against. */
export function transitionTable(
  statuses: readonly Status[],
): { from: Status; to: Status; verdict: TransitionVerdict }[] {
  return statuses.flatMap((from) => statuses.map((to) => ({ from, to, verdict: checkTransition(from, to) })));
}

/**
 * The status a public comment moves a ticket to, or null when it stays. A customer's public reply reopens a
 * ticket that waited on them (`pending`), was parked (`on_hold`) or solved; an agent's public reply takes a
 * `new` ticket to `open`, since an agent has now touched it. Internal notes never move the status.
 */
export function statusAfterComment(status: Status, author: AuthorType, isPublic: boolean): Status | null {
  if (!isPublic) return null;
  if (author === 'customer' && (status === 'pending' || status === 'on_hold' || status === 'solved'))
    return 'open';
  if (author === 'agent' && status === 'new') return 'open';
  return null;
}
