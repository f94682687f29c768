import type { DueTimer } from '../../core/ports.ts';
import { type Timer, type TimerKind, timerShard } from '../../core/timers.ts';
import { keys } from './keys.ts';

/**
 * TIMER items: one per armed slot of a ticket, beside the ticket (`T#{tenant}#TKT#{n}` / `TIMER#{slot}`), and on
 * the sparse `dueTimers` index (partition `dueShard`, sort `dueAt`). The ticket store writes and deletes them in
 * the ticket's transactions; the sweeper reads the index and sets `claimedAt`.
 */
export const TIMER_ENTITY = 'timer';

/** Partition of the `dueTimers` index holding one shard's timers. */
export const dueShardKey = (shard: number): string => `DUE#${shard}`;

export interface TimerItem {
  readonly pk: string;
  readonly sk: string;
  readonly entity: typeof TIMER_ENTITY;
  readonly tenantId: string;
  readonly ticketNumber: number;
  readonly conversationId?: string;
  readonly slot: string;
  readonly kind: TimerKind;
  readonly metric: Timer['metric'];
  readonly dueAt: string;
  readonly effect: string;
  readonly dueShard: string;
}

/** The item that arms `timer` (a Put replaces an earlier one of the slot, and its claim with it). */
export function timerItem(timer: Timer): TimerItem {
  return {
    ...timerKey(timer),
    entity: TIMER_ENTITY,
    tenantId: timer.tenantId,
    ticketNumber: timer.ticketNumber,
    ...(timer.conversationId && { conversationId: timer.conversationId }),
    slot: timer.slot,
    kind: timer.kind,
    metric: timer.metric,
    dueAt: timer.dueAt,
    effect: timer.effect,
    dueShard: dueShardKey(timerShard(timer.tenantId, timer.conversationId ?? timer.ticketNumber)),
  };
}

/** Where a timer's item lives: beside its ticket, or beside its chat conversation. */
export function timerKey(timer: Pick<Timer, 'tenantId' | 'ticketNumber' | 'conversationId' | 'slot'>) {
  return timer.conversationId
    ? keys.conversationTimer(timer.tenantId, timer.conversationId, timer.slot)
    : keys.timer(timer.tenantId, timer.ticketNumber, timer.slot);
}

/** A TIMER item (or its projection on the due index) back as the timer it arms, with its claim. */
export function timerFromItem(item: Record<string, unknown>): DueTimer {
  return {
    tenantId: item.tenantId as string,
    ticketNumber: item.ticketNumber as number,
    ...(typeof item.conversationId === 'string' && { conversationId: item.conversationId }),
    slot: item.slot as string,
    kind: item.kind as TimerKind,
    metric: (item.metric ?? null) as Timer['metric'],
    dueAt: item.dueAt as string,
    effect: item.effect as string,
    claimedAt: typeof item.claimedAt === 'string' ? item.claimedAt : null,
  };
}
