import { describe, expect, it } from 'vitest';
import type { Clock, DueTimer, DueTimerPage, TimerQueue, TimerStore } from '../../../functions/core/ports.ts';
import {
  CLAIM_LEASE_MS,
  type DueTimerMessage,
  TIMER_SHARDS,
  type Timer,
  timerShard,
} from '../../../functions/core/timers.ts';
import { makeSweepTimers } from '../../../functions/core/use-cases/sweep-timers.ts';

const T0 = Date.parse('2025-03-03T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const MINUTE = 60_000;

/**
 * The due index and its claims, with the DynamoDB adapter's contract: `due` is one shard, `dueAt <= now`,
 * oldest first, without timers whose claim still holds; `claim` is conditional on the timer being armed as
 * read and unclaimed (or its claim expired).
 */
class MemoryTimerStore implements TimerStore {
  readonly items = new Map<string, DueTimer>();
  /** Awaited by every claim before it checks its condition (lets tests interleave sweeps). */
  beforeClaim: () => Promise<void> = async () => {};
  readUnitsPerPage: number | undefined;

  private static key(timer: Pick<Timer, 'tenantId' | 'ticketNumber' | 'slot'>) {
    return `${timer.tenantId}#${timer.ticketNumber}#${timer.slot}`;
  }

  arm(timer: Timer): void {
    this.items.set(MemoryTimerStore.key(timer), { ...timer, claimedAt: null });
  }

  disarm(timer: Timer): void {
    this.items.delete(MemoryTimerStore.key(timer));
  }

  get(timer: Timer): DueTimer | undefined {
    return this.items.get(MemoryTimerStore.key(timer));
  }

  async due(shard: number, now: string, limit: number, cursor?: string): Promise<DueTimerPage> {
    await Promise.resolve();
    const cutoff = new Date(Date.parse(now) - CLAIM_LEASE_MS).toISOString();
    const inShard = [...this.items.entries()]
      .filter(([, t]) => timerShard(t.tenantId, t.ticketNumber) === shard && t.dueAt <= now)
      .sort(([ka, a], [kb, b]) => a.dueAt.localeCompare(b.dueAt) || ka.localeCompare(kb));
    const start = cursor ? inShard.findIndex(([key]) => key === cursor) + 1 : 0;
    const evaluated = inShard.slice(start, start + limit);
    const last = evaluated.at(-1);
    return {
      timers: evaluated.map(([, t]) => t).filter((t) => t.claimedAt === null || t.claimedAt < cutoff),
      nextCursor: start + limit < inShard.length && last ? last[0] : null,
      ...(this.readUnitsPerPage !== undefined && { readUnits: this.readUnitsPerPage }),
    };
  }

  async claim(timer: Timer, now: string): Promise<boolean> {
    await this.beforeClaim();
    const key = MemoryTimerStore.key(timer);
    const current = this.items.get(key);
    const cutoff = new Date(Date.parse(now) - CLAIM_LEASE_MS).toISOString();
    if (!current || current.dueAt !== timer.dueAt || current.effect !== timer.effect) return false;
    if (current.claimedAt !== null && current.claimedAt >= cutoff) return false;
    this.items.set(key, { ...current, claimedAt: now });
    return true;
  }
}

class MemoryTimerQueue implements TimerQueue {
  readonly messages: DueTimerMessage[] = [];
  /** Sends throw instead (a sweep dying between claim and send). */
  failing = false;

  async send(messages: readonly DueTimerMessage[]): Promise<void> {
    await Promise.resolve();
    if (this.failing) throw new Error('the sweep died before sending');
    this.messages.push(...messages);
  }
}

function fixture(options: { pageSize?: number } = {}) {
  const timers = new MemoryTimerStore();
  const queue = new MemoryTimerQueue();
  let now = T0;
  const clock: Clock = { now: () => new Date(now).toISOString() };
  const sweep = makeSweepTimers({ timers, queue, clock, ...options });
  return {
    timers,
    queue,
    sweep,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function timer(
  ticketNumber: number,
  dueInMs: number,
  slot = 'sla_breach:first_reply',
  tenantId = 'acme',
): Timer {
  const dueAt = at(dueInMs);
  return {
    tenantId,
    ticketNumber,
    slot,
    kind: slot.startsWith('sla_breach') ? 'sla_breach' : 'auto_close',
    metric: slot.startsWith('sla_breach') ? 'first_reply' : null,
    dueAt,
    effect: `${slot}@${dueAt}`,
  };
}

/** Tickets whose timers all land in shard 0, for paging tests. */
function ticketsInShard(shard: number, count: number): number[] {
  const numbers: number[] = [];
  for (let n = 1; numbers.length < count; n++) if (timerShard('acme', n) === shard) numbers.push(n);
  return numbers;
}

const effects = (items: readonly { effect: string }[]) => items.map((item) => item.effect).sort();

describe('sweepTimers', () => {
  it('sends every due timer once, with its claim time, and leaves the ones not yet due', async () => {
    const { timers, queue, sweep } = fixture();
    const due = Array.from({ length: 30 }, (_, i) => timer(i + 1, -i * 1000));
    const later = Array.from({ length: 10 }, (_, i) => timer(100 + i, (i + 1) * MINUTE));
    for (const t of [...due, ...later]) timers.arm(t);

    const result = await sweep();

    expect(result).toEqual({ due: 30, claimed: 30, sent: 30, skipped: 0 });
    expect(effects(queue.messages)).toEqual(effects(due));
    for (const message of queue.messages) expect(message.claimedAt).toBe(at(0));
    expect(new Set(queue.messages.map((m) => timerShard(m.tenantId, m.ticketNumber))).size).toBe(
      TIMER_SHARDS,
    );
    for (const t of later) expect(timers.get(t)?.claimedAt).toBeNull();
    for (const t of due) expect(timers.get(t)?.claimedAt).toBe(at(0));
  });

  it('sends nothing new on the next sweep while the claims hold, and a timer once it falls due', async () => {
    const { timers, queue, sweep, advance } = fixture();
    timers.arm(timer(1, 0));
    const soon = timer(2, 90_000);
    timers.arm(soon);
    await sweep();
    expect(queue.messages).toHaveLength(1);

    advance(MINUTE);
    expect(await sweep()).toEqual({ due: 0, claimed: 0, sent: 0, skipped: 0 });
    advance(MINUTE);
    expect(await sweep()).toMatchObject({ due: 1, sent: 1 });
    expect(queue.messages.map((m) => m.effect)).toEqual([timer(1, 0).effect, soon.effect]);
  });

  it('reads each shard page by page, oldest first, until nothing is left', async () => {
    const { timers, queue, sweep } = fixture({ pageSize: 3 });
    const numbers = ticketsInShard(0, 11);
    const armed = numbers.map((n, i) => timer(n, -(numbers.length - i) * 1000));
    for (const t of [...armed].reverse()) timers.arm(t);

    expect(await sweep()).toMatchObject({ due: 11, sent: 11 });
    expect(queue.messages.map((m) => m.effect)).toEqual(armed.map((t) => t.effect));
  });

  it('stops starting pages when asked to; the next sweep takes what is left', async () => {
    const { timers, queue, sweep } = fixture({ pageSize: 2 });
    for (const n of ticketsInShard(3, 7)) timers.arm(timer(n, -1000));
    let pages = 0;
    const first = await sweep({ shouldStop: () => pages++ >= TIMER_SHARDS + 1 });
    expect(first.sent).toBeLessThan(7);
    const second = await sweep();
    expect(first.sent + second.sent).toBe(7);
    expect(new Set(queue.messages.map((m) => m.ticketNumber)).size).toBe(7);
  });

  it('loses nothing when it dies between claim and send: the lease expires and a later sweep sends', async () => {
    const { timers, queue, sweep, advance } = fixture();
    const armed = [timer(1, -5000), timer(2, -1000, 'auto_close')];
    for (const t of armed) timers.arm(t);
    queue.failing = true;

    await expect(sweep()).rejects.toThrow('the sweep died before sending');
    expect(queue.messages).toEqual([]);
    for (const t of armed) expect(timers.get(t)?.claimedAt).toBe(at(0));
    queue.failing = false;

    // While the claims hold (up to the whole lease), nothing is sent, so nothing can be sent twice.
    for (let elapsed = MINUTE; elapsed <= CLAIM_LEASE_MS; elapsed += MINUTE) {
      advance(MINUTE);
      expect(await sweep()).toMatchObject({ due: 0, sent: 0 });
    }

    // After it, the next sweep claims and sends each of them, once.
    advance(MINUTE);
    const retried = await sweep();
    expect(retried).toEqual({ due: 2, claimed: 2, sent: 2, skipped: 0 });
    expect(effects(queue.messages)).toEqual(effects(armed));
    for (const message of queue.messages) expect(message.claimedAt).toBe(at(CLAIM_LEASE_MS + MINUTE));
    advance(MINUTE);
    expect(await sweep()).toMatchObject({ sent: 0 });
  });

  it('lets only one of two overlapping sweeps claim a timer: each is sent once', async () => {
    const { timers, queue, sweep } = fixture();
    const armed = Array.from({ length: 40 }, (_, i) => timer(i + 1, -i * 100));
    for (const t of armed) timers.arm(t);
    // Every claim waits until both sweeps have read every shard: both saw all 40 timers as claimable.
    let reads = 0;
    let allRead: () => void = () => {};
    const bothRead = new Promise<void>((resolve) => {
      allRead = resolve;
    });
    const due = timers.due.bind(timers);
    timers.due = async (...args) => {
      const page = await due(...args);
      if (++reads === 2 * TIMER_SHARDS) allRead();
      return page;
    };
    timers.beforeClaim = () => bothRead;

    const [a, b] = await Promise.all([sweep(), sweep()]);

    expect(a.due).toBe(40);
    expect(b.due).toBe(40);
    expect(a.claimed + b.claimed).toBe(40);
    expect(a.skipped + b.skipped).toBe(40);
    expect(a.sent + b.sent).toBe(40);
    expect(effects(queue.messages)).toEqual(effects(armed));
  });

  it('does not claim a timer moved or cleared since it was read', async () => {
    const { timers, queue, sweep } = fixture();
    const moved = timer(1, -1000);
    const cleared = timer(2, -1000);
    const kept = timer(3, -1000);
    for (const t of [moved, cleared, kept]) timers.arm(t);
    let once = false;
    timers.beforeClaim = async () => {
      if (once) return;
      once = true;
      // The ticket changed between the sweep's read and its claims: one slot re-armed later, one satisfied.
      timers.arm({ ...moved, dueAt: at(10 * MINUTE), effect: `${moved.slot}@later` });
      timers.disarm(cleared);
    };

    expect(await sweep()).toEqual({ due: 3, claimed: 1, sent: 1, skipped: 2 });
    expect(queue.messages.map((m) => m.effect)).toEqual([kept.effect]);
    expect(timers.get(moved)?.claimedAt).toBeNull();
  });

  it('adds up the read units the store reports, and reports none when it does not', async () => {
    const { timers, sweep } = fixture();
    expect(await sweep()).not.toHaveProperty('readUnits');
    timers.readUnitsPerPage = 0.5;
    expect((await sweep()).readUnits).toBe(0.5 * TIMER_SHARDS);
  });

  it('fails when a claim fails, after sending what it did claim', async () => {
    const { timers, queue, sweep } = fixture();
    const [first, second] = ticketsInShard(5, 2) as [number, number];
    timers.arm(timer(first, -2000));
    timers.arm(timer(second, -1000));
    const claim = timers.claim.bind(timers);
    timers.claim = async (t, now) => {
      if (t.ticketNumber === second) throw new Error('throttled');
      return claim(t, now);
    };
    await expect(sweep()).rejects.toThrow('throttled');
    expect(queue.messages.map((m) => m.ticketNumber)).toEqual([first]);
  });
});
