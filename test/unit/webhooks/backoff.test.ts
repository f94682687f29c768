import { describe, expect, it } from 'vitest';
import {
  canRedeliver,
  claim,
  claimedElsewhere,
  type Delivery,
  defer,
  giveUp,
  MAX_ATTEMPTS,
  MAX_DELAY_SECONDS,
  MAX_LOGGED_ATTEMPTS,
  newDelivery,
  RETRY_SCHEDULE_SECONDS,
  recordAttempt,
  redeliver,
  retryDelaySeconds,
  STUCK_AFTER_MS,
  webhookPayload,
} from '../../../functions/core/webhooks/delivery.ts';

const T0 = '2026-03-02T09:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

function delivery(): Delivery {
  return newDelivery({
    tenantId: 't',
    subscriptionId: 'sub_1',
    id: 'dlv_1',
    eventId: 'ev_1',
    type: 'ticket.created',
    payload: webhookPayload('ticket.created', T0, { id: 'ev_1' }),
    now: T0,
  });
}

describe('retry schedule', () => {
  it('waits 5 s, 30 s, 2 min, 5 min, then 15 min, with the middle of the jitter', () => {
    const waits = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelaySeconds(i + 1, 0.5));
    expect(waits).toEqual([5, 30, 120, 300, 900, 900, 900, 900]);
    expect(MAX_ATTEMPTS).toBe(RETRY_SCHEDULE_SECONDS.length + 1);
  });

  it('has no wait after the last attempt', () => {
    expect(retryDelaySeconds(MAX_ATTEMPTS, 0.5)).toBeNull();
    expect(retryDelaySeconds(MAX_ATTEMPTS + 3, 0.5)).toBeNull();
  });

  it('spreads each wait by ±20 %, never past the SQS maximum', () => {
    expect(retryDelaySeconds(2, 0)).toBe(24);
    expect(retryDelaySeconds(2, 0.999_999)).toBe(36);
    expect(retryDelaySeconds(3, 0)).toBe(96);
    expect(retryDelaySeconds(3, 0.999_999)).toBe(144);
    for (let failed = 1; failed < MAX_ATTEMPTS; failed++) {
      for (const random of [0, 0.25, 0.5, 0.75, 0.999]) {
        const wait = retryDelaySeconds(failed, random)!;
        const base = RETRY_SCHEDULE_SECONDS[failed - 1]!;
        expect(wait).toBeLessThanOrEqual(Math.min(MAX_DELAY_SECONDS, Math.round(base * 1.2)));
        expect(wait).toBeGreaterThanOrEqual(Math.round(base * 0.8));
      }
    }
  });

  it('grows with every attempt (exponential, then capped)', () => {
    const waits = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelaySeconds(i + 1, 0.5)!);
    for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThanOrEqual(waits[i - 1]!);
    const total = waits.reduce((sum, wait) => sum + wait, 0);
    expect(total / 60).toBeCloseTo(67.6, 0);
  });

  it('scales down for local runs, in whole seconds', () => {
    expect(Array.from({ length: 4 }, (_, i) => retryDelaySeconds(i + 1, 0.5, 0.1))).toEqual([1, 3, 12, 30]);
    expect(Array.from({ length: 3 }, (_, i) => retryDelaySeconds(i + 1, 0.5, 0.02))).toEqual([0, 1, 2]);
  });
});

describe('a delivery’s attempts', () => {
  it('logs a failed attempt and schedules the next one', () => {
    const claimed = claim(delivery(), T0);
    const next = recordAttempt(claimed, { statusCode: 500, durationMs: 12.4, error: 'HTTP 500' }, 5, at(1));
    expect(next).toMatchObject({
      status: 'pending',
      nextAttempt: 2,
      nextAttemptAt: at(6),
      claimedAt: null,
      revision: claimed.revision + 1,
    });
    expect(next.attempts).toEqual([
      {
        round: 1,
        attempt: 1,
        at: at(1),
        statusCode: 500,
        durationMs: 12,
        error: 'HTTP 500',
        outcome: 'retrying',
      },
    ]);
  });

  it('is delivered on any 2xx', () => {
    const next = recordAttempt(delivery(), { statusCode: 204, durationMs: 3, error: null }, null, at(1));
    expect(next).toMatchObject({ status: 'delivered', nextAttemptAt: null });
    expect(next.attempts[0]).toMatchObject({ statusCode: 204, error: null, outcome: 'delivered' });
  });

  it('fails when the last attempt fails', () => {
    const last = { ...delivery(), nextAttempt: MAX_ATTEMPTS };
    const next = recordAttempt(last, { statusCode: null, durationMs: 10_000, error: 'timeout' }, null, at(1));
    expect(next).toMatchObject({ status: 'failed', nextAttempt: MAX_ATTEMPTS, nextAttemptAt: null });
    expect(next.attempts[0]).toMatchObject({ attempt: MAX_ATTEMPTS, outcome: 'failed', error: 'timeout' });
  });

  it('keeps the newest attempts only', () => {
    let current = delivery();
    for (let i = 0; i < MAX_LOGGED_ATTEMPTS + 5; i++) {
      current = recordAttempt(
        { ...current, nextAttempt: 1 },
        { statusCode: 500, durationMs: 1, error: null },
        5,
        at(i),
      );
    }
    expect(current.attempts).toHaveLength(MAX_LOGGED_ATTEMPTS);
    expect(current.attempts.at(-1)!.at).toBe(at(MAX_LOGGED_ATTEMPTS + 4));
    expect(current.attempts[0]!.error).toBe('HTTP 500');
  });

  it('holds a claim for the attempt lease', () => {
    const claimed = claim(delivery(), T0);
    expect(claimedElsewhere(claimed, at(30))).toBe(true);
    expect(claimedElsewhere(claimed, at(61))).toBe(false);
    expect(claimedElsewhere(delivery(), T0)).toBe(false);
  });

  it('is redelivered as a new round with the same id and payload, when it is done or its message is lost', () => {
    const failed = giveUp(delivery(), 'the subscription is disabled', at(1));
    expect(failed.attempts[0]).toMatchObject({ outcome: 'failed', error: 'the subscription is disabled' });
    expect(canRedeliver(failed, at(2))).toBe(true);
    const again = redeliver(failed, at(2));
    expect(again).toMatchObject({
      id: 'dlv_1',
      payload: failed.payload,
      status: 'pending',
      round: 2,
      nextAttempt: 1,
      roundStartedAt: at(2),
      attempts: failed.attempts,
    });
    // Its round has not begun (say its message could not be queued): it may be redelivered again at once.
    expect(canRedeliver(again, at(3))).toBe(true);
    // Claimed, attempted or deferred, it is being attempted: not until its next attempt is long overdue.
    expect(canRedeliver(claim(again, at(3)), at(4))).toBe(false);
    const retrying = recordAttempt(again, { statusCode: 500, durationMs: 5, error: null }, 5, at(3));
    expect(canRedeliver(retrying, at(9))).toBe(false);
    expect(canRedeliver(retrying, at(8 + STUCK_AFTER_MS / 1000 + 1))).toBe(true);
    const deferred = defer(again, 60, at(3));
    expect(canRedeliver(deferred, at(4))).toBe(false);
    expect(canRedeliver(deferred, at(63 + STUCK_AFTER_MS / 1000 + 1))).toBe(true);
    // A fresh delivery of round 1, attempted and retrying, likewise.
    const first = recordAttempt(delivery(), { statusCode: 503, durationMs: 5, error: null }, 30, at(1));
    expect(canRedeliver(first, at(2))).toBe(false);
  });

  it('posts `{ type, timestamp, data }`', () => {
    expect(JSON.parse(webhookPayload('ticket.created', T0, { id: 'x' }))).toEqual({
      type: 'ticket.created',
      timestamp: T0,
      data: { id: 'x' },
    });
  });
});
