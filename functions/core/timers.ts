/**
 * Timers are data (DESIGN.md): every deadline of a ticket — an SLA warning or breach, the auto-close of a solved
 * ticket, the reminder and auto-solve of a pending one — is a TIMER item beside the ticket, written in the same
 * transaction as the change that arms, moves or clears it. A sweeper queries only what is due (a sparse, sharded
 * index), claims each timer with a conditional write and hands it to the timer queue; the timer worker applies
 * the effect, once.
 */

import type { SlaMetricName } from './sla/policy.ts';

export const TIMER_KINDS = [
  'sla_warning',
  'sla_breach',
  'auto_close',
  'pending_reminder',
  'pending_auto_solve',
  // A chat conversation still open some minutes after it (re)opened escalates (core/chat/conversation.ts).
  'chat_escalation',
] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/**
 * A deadline of one ticket (or one chat conversation). At most one timer per `slot` is armed; arming a slot again
 * moves it.
 */
export interface Timer {
  readonly tenantId: string;
  /** The ticket whose deadline it is; 0 for a conversation's timer. */
  readonly ticketNumber: number;
  /**
   * Set for a chat conversation's timer (`chat_escalation`): the item is on the conversation's partition, not a
   * ticket's, and the timer worker hands it to the chat use case.
   */
  readonly conversationId?: string | undefined;
  /** `sla_breach:first_reply`, `auto_close`: what the timer is for; the item's sort key is `TIMER#{slot}`. */
  readonly slot: string;
  readonly kind: TimerKind;
  readonly metric: SlaMetricName | null;
  /** When it is due (ISO-8601, UTC, millisecond precision: sorts as text). */
  readonly dueAt: string;
  /**
   * The one-time effect it stands for (`first_reply@<cycle start>:sla_breach`, `auto_close@<solvedAt>`): the
   * worker marks it done in the effect's own transaction, so a timer fired twice (a redelivery, two sweeps)
   * changes the ticket once.
   */
  readonly effect: string;
}

/** Shards of the due index: the sweeper reads them in parallel; a shard is a partition of the index. */
export const TIMER_SHARDS = 8;

/** How long a claim holds: a timer claimed by a sweep that then crashed is swept again after this. */
export const CLAIM_LEASE_MS = 2 * 60_000;

export const timerSlot = (kind: TimerKind, metric: SlaMetricName | null): string =>
  metric ? `${kind}:${metric}` : kind;

/**
 * The shard of a ticket's timers: stable per ticket, spread across tickets (FNV-1a of tenant and number, or of
 * tenant and conversation id for a conversation's).
 */
export function timerShard(tenantId: string, ticketNumber: number | string): number {
  let hash = 0x811c9dc5;
  for (const char of `${tenantId}#${ticketNumber}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % TIMER_SHARDS;
}

/** What a claimed timer becomes on the timer queue. */
export interface DueTimerMessage {
  readonly tenantId: string;
  readonly ticketNumber: number;
  /** Set for a chat conversation's timer (Timer.conversationId). */
  readonly conversationId?: string | undefined;
  readonly slot: string;
  readonly effect: string;
  readonly dueAt: string;
  /** When the sweeper claimed it (lateness = claimedAt − dueAt). */
  readonly claimedAt: string;
}

/**
 * Which timers to write and which to delete so the armed set becomes `wanted`: unchanged ones (same slot, due
 * time and effect) are left alone, so an unrelated change of the ticket writes no timer item at all.
 */
export function diffTimers(
  armed: readonly Pick<Timer, 'slot' | 'dueAt' | 'effect'>[],
  wanted: readonly Timer[],
): { put: Timer[]; remove: string[] } {
  const current = new Map(armed.map((t) => [t.slot, t]));
  const put = wanted.filter((t) => {
    const existing = current.get(t.slot);
    return !existing || existing.dueAt !== t.dueAt || existing.effect !== t.effect;
  });
  const keep = new Set(wanted.map((t) => t.slot));
  const remove = armed.filter((t) => !keep.has(t.slot)).map((t) => t.slot);
  return { put, remove };
}
