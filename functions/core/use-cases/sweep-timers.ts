import type { Clock, DueTimer, TimerQueue, TimerStore } from '../ports.ts';
import { type DueTimerMessage, TIMER_SHARDS } from '../timers.ts';

export interface SweepTimersDeps {
  readonly timers: TimerStore;
  readonly queue: TimerQueue;
  readonly clock: Clock;
  /** Due timers read per page of a shard (one Query). */
  readonly pageSize?: number;
  /** Claims in flight at once per shard. */
  readonly claimConcurrency?: number;
}

export interface SweepOptions {
  /**
   * Asked before each page: true stops the sweep there (the invocation is running out of time). Whatever is
   * left is still due, and the next sweep takes it.
   */
  readonly shouldStop?: () => boolean;
}

export interface SweepResult {
  /** Due timers read (claimable: unclaimed, or their claim expired). */
  readonly due: number;
  /** Claimed by this sweep. */
  readonly claimed: number;
  /** Handed to the timer queue. */
  readonly sent: number;
  /** Due but not claimed: another sweep won, or the timer was moved or cleared since it was read. */
  readonly skipped: number;
  /** Read capacity of the due queries, when the store reports it. */
  readonly readUnits?: number;
}

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_CLAIM_CONCURRENCY = 10;

/**
 * The sweeper: every shard of the due index in parallel, page by page, oldest due first; each timer is claimed
 * with a conditional write and the claimed ones of a page are sent to the timer queue before the next page.
 *
 * - A timer is sent at most once while its claim holds: of two overlapping sweeps only one claim wins.
 * - Nothing is lost: a sweep that dies after claiming but before sending leaves the claim to expire
 *   (CLAIM_LEASE_MS), and a later sweep claims and sends the timer again. So does a failed send.
 * - The work is proportional to what is due: shards are read only up to `now`.
 *
 * A shard whose claims or send failed stops there; the others finish, then the sweep throws the first error
 * (the invocation fails, which alarms), having sent everything it could.
 */
export function makeSweepTimers(deps: SweepTimersDeps) {
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  const concurrency = deps.claimConcurrency ?? DEFAULT_CLAIM_CONCURRENCY;

  return async function sweep(options: SweepOptions = {}): Promise<SweepResult> {
    const now = deps.clock.now();
    const tally = { due: 0, claimed: 0, sent: 0, readUnits: 0, reported: false };

    async function sweepShard(shard: number): Promise<void> {
      let cursor: string | undefined;
      do {
        if (options.shouldStop?.()) return;
        const page = await deps.timers.due(shard, now, pageSize, cursor);
        tally.due += page.timers.length;
        if (page.readUnits !== undefined) {
          tally.readUnits += page.readUnits;
          tally.reported = true;
        }
        const outcomes = await mapLimit(page.timers, concurrency, (timer) => deps.timers.claim(timer, now));
        const claimed = page.timers.filter(
          (_, index) => outcomes[index]?.status === 'fulfilled' && outcomes[index].value,
        );
        tally.claimed += claimed.length;
        if (claimed.length > 0) {
          await deps.queue.send(claimed.map((timer) => dueTimerMessage(timer, now)));
          tally.sent += claimed.length;
        }
        const failure = outcomes.find((outcome) => outcome.status === 'rejected');
        if (failure) throw failure.reason;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }

    const shards = Array.from({ length: TIMER_SHARDS }, (_, shard) => sweepShard(shard));
    const settled = await Promise.allSettled(shards);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return {
      due: tally.due,
      claimed: tally.claimed,
      sent: tally.sent,
      skipped: tally.due - tally.claimed,
      ...(tally.reported && { readUnits: tally.readUnits }),
    };
  };
}

export function dueTimerMessage(timer: DueTimer, claimedAt: string): DueTimerMessage {
  return {
    tenantId: timer.tenantId,
    ticketNumber: timer.ticketNumber,
    ...(timer.conversationId && { conversationId: timer.conversationId }),
    slot: timer.slot,
    effect: timer.effect,
    dueAt: timer.dueAt,
    claimedAt,
  };
}

/** `fn` over `items` with at most `limit` calls in flight; every outcome, in order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const outcomes: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        outcomes[index] = { status: 'fulfilled', value: await fn(items[index] as T) };
      } catch (reason) {
        outcomes[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return outcomes;
}
