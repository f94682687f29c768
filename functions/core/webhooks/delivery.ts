/**
 * One webhook delivery: one payload for one subscription, made once per (domain event, subscription) and kept
 * 30 days. Its id is the Standard Webhooks `webhook-id`: the same on every attempt and every redelivery, so a
 * receiver can drop duplicates. Attempts are retried with exponential backoff and jitter through the delivery
 * queue (SQS DelaySeconds); each one is logged on the delivery.
 */

/**
 * Waits after failed attempt 1, 2, …: 5 s, 30 s, 2 min, 5 min, then 15 min (SQS's longest delay) four times.
 * MAX_ATTEMPTS follows from it: about an hour and eight minutes of retries, long enough to ride out a deploy or
 * a short outage of the receiver. A delivery that fails all of them reaches the DLQ (and its alarm) after about
 * 68 minutes, but only while the endpoint's circuit stays closed (an endpoint failing some deliveries only). A
 * dead endpoint opens its circuit after 5 failures; from then on its deliveries are deferred without spending
 * attempts, and each reaches the DLQ when it has waited MAX_DEFERRAL_MS since its round began: within about
 * 6 h 15 min (the limit, plus at most one 15-minute deferral). Redelivery is for longer outages.
 */
export const RETRY_SCHEDULE_SECONDS = [5, 30, 120, 300, 900, 900, 900, 900] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;
/** SQS DelaySeconds can be at most 15 minutes. */
export const MAX_DELAY_SECONDS = 900;
/** Each wait is spread ±20 % so that deliveries that failed together do not come back together. */
export const RETRY_JITTER = 0.2;

/** Deliveries (and their de-duplication markers) expire this long after they were made (the table's TTL). */
export const DELIVERY_RETENTION_DAYS = 30;
/**
 * A worker's claim on an attempt: a second message for the same attempt (SQS delivers at least once) is dropped
 * while the claim is younger than this. Longer than the delivery worker's timeout, so a claim whose worker died
 * lets the message that comes back after the visibility timeout take over.
 */
export const ATTEMPT_LEASE_SECONDS = 60;
/**
 * A delivery deferred by an open circuit for longer than this (since its latest round began) fails. Six hours:
 * the retries ride out about an hour and the circuit's cooldown reaches its hourly cap after another, so an
 * endpoint down for a few hours (a long deploy, a maintenance window) still gets every delivery after ~5 hourly
 * probes; beyond that the DLQ alarm should tell someone, and redelivery sends what failed. Each deferred
 * delivery is re-invoked every 15 minutes meanwhile (at most ~25 times), which is what longer would cost.
 */
export const MAX_DEFERRAL_MS = 6 * 60 * 60 * 1000;
/**
 * A pending delivery whose next attempt is this overdue has lost its message (a crash between writes): it may
 * be redelivered by hand.
 */
export const STUCK_AFTER_MS = 15 * 60 * 1000;
/** The attempt log keeps the newest ones: a delivery redelivered many times stays far below the item limit. */
export const MAX_LOGGED_ATTEMPTS = 50;
export const MAX_ERROR_CHARS = 300;
export const DELIVERY_ID_PREFIX = 'dlv_';
/** A receiver has this long to answer, the whole exchange included; it should queue the work and answer 2xx. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Deskless reads no answer body; a larger one fails the attempt rather than fill the worker's memory. */
export const WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryAttempt {
  /** The delivery's round: 1, then one more per redelivery. */
  readonly round: number;
  /** 1 to MAX_ATTEMPTS within the round. */
  readonly attempt: number;
  readonly at: string;
  /** The receiver's HTTP status; null when there was no answer. */
  readonly statusCode: number | null;
  readonly durationMs: number;
  /** Why it failed (no answer, timeout, refused address, non-2xx status); null on success. */
  readonly error: string | null;
  readonly outcome: 'delivered' | 'retrying' | 'failed';
}

export interface Delivery {
  readonly tenantId: string;
  readonly subscriptionId: string;
  /** `dlv_<ulid>`: the `webhook-id` header. */
  readonly id: string;
  /** The domain event the payload carries (or, for a rule notification, the `rule.fired` event). */
  readonly eventId: string;
  /** The payload's `type`. */
  readonly type: string;
  /** The exact body posted: `{ type, timestamp, data }` as JSON. */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly round: number;
  /** The attempt of the round that goes next. */
  readonly nextAttempt: number;
  /** When the next attempt is due (pending only). */
  readonly nextAttemptAt: string | null;
  /** When the latest round began (creation, or the redelivery). */
  readonly roundStartedAt: string;
  /** When a worker claimed `nextAttempt` (see ATTEMPT_LEASE_SECONDS); null when none holds it. */
  readonly claimedAt: string | null;
  /** Oldest first; at most MAX_LOGGED_ATTEMPTS. */
  readonly attempts: readonly DeliveryAttempt[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Write guard. */
  readonly revision: number;
}

/** What the delivery queue carries: which attempt of which round is due. */
export interface DeliveryMessage {
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly deliveryId: string;
  readonly round: number;
  readonly attempt: number;
}

export interface QueuedDelivery extends DeliveryMessage {
  /** 0 to MAX_DELAY_SECONDS. */
  readonly delaySeconds: number;
}

/**
 * The Standard Webhooks payload: `{ type, timestamp, data }`, and `survey: { url, expiresAt }` beside them when
 * the event is a solve that gets a satisfaction survey (webhooks/survey-link.ts).
 */
export function webhookPayload(
  type: string,
  timestamp: string,
  data: unknown,
  survey: { readonly url: string; readonly expiresAt: string } | null = null,
): string {
  return JSON.stringify(survey ? { type, timestamp, data, survey } : { type, timestamp, data });
}

/**
 * Seconds to wait after attempt `failed` of a round failed, or null when it was the last. `random` in [0, 1)
 * spreads the wait by ±RETRY_JITTER; `scale` shortens it (tests and the local runtime), rounding to whole
 * seconds as SQS takes them.
 */
export function retryDelaySeconds(failed: number, random: number, scale = 1): number | null {
  if (failed >= MAX_ATTEMPTS) return null;
  const base = RETRY_SCHEDULE_SECONDS[Math.max(0, failed - 1)]!;
  const spread = 1 - RETRY_JITTER + 2 * RETRY_JITTER * Math.min(Math.max(random, 0), 1);
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(base * scale * spread)));
}

export function newDelivery(args: {
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly id: string;
  readonly eventId: string;
  readonly type: string;
  readonly payload: string;
  readonly now: string;
}): Delivery {
  return {
    tenantId: args.tenantId,
    subscriptionId: args.subscriptionId,
    id: args.id,
    eventId: args.eventId,
    type: args.type,
    payload: args.payload,
    status: 'pending',
    round: 1,
    nextAttempt: 1,
    nextAttemptAt: args.now,
    roundStartedAt: args.now,
    claimedAt: null,
    attempts: [],
    createdAt: args.now,
    updatedAt: args.now,
    revision: 1,
  };
}

export const messageOf = (delivery: Delivery): DeliveryMessage => ({
  tenantId: delivery.tenantId,
  subscriptionId: delivery.subscriptionId,
  deliveryId: delivery.id,
  round: delivery.round,
  attempt: delivery.nextAttempt,
});

const plusSeconds = (now: string, seconds: number) =>
  new Date(Date.parse(now) + seconds * 1000).toISOString();

/** Whether another worker holds the delivery's next attempt now. */
export function claimedElsewhere(delivery: Delivery, now: string): boolean {
  return delivery.claimedAt !== null && plusSeconds(delivery.claimedAt, ATTEMPT_LEASE_SECONDS) > now;
}

export function claim(delivery: Delivery, now: string): Delivery {
  return { ...delivery, claimedAt: now, updatedAt: now, revision: delivery.revision + 1 };
}

/** Waiting for the circuit: the same attempt, later. */
export function defer(delivery: Delivery, seconds: number, now: string): Delivery {
  return {
    ...delivery,
    nextAttemptAt: plusSeconds(now, seconds),
    updatedAt: now,
    revision: delivery.revision + 1,
  };
}

const logged = (attempts: readonly DeliveryAttempt[], attempt: DeliveryAttempt) =>
  [...attempts, attempt].slice(-MAX_LOGGED_ATTEMPTS);

/**
 * The delivery after an attempt: delivered on a 2xx; otherwise retrying after `retryDelay` seconds, or failed
 * when that was the last attempt (retryDelay null).
 */
export function recordAttempt(
  delivery: Delivery,
  result: { readonly statusCode: number | null; readonly durationMs: number; readonly error: string | null },
  retryDelay: number | null,
  now: string,
): Delivery {
  const ok =
    result.error === null &&
    result.statusCode !== null &&
    result.statusCode >= 200 &&
    result.statusCode < 300;
  const outcome: DeliveryAttempt['outcome'] = ok ? 'delivered' : retryDelay === null ? 'failed' : 'retrying';
  const attempt: DeliveryAttempt = {
    round: delivery.round,
    attempt: delivery.nextAttempt,
    at: now,
    statusCode: result.statusCode,
    durationMs: Math.max(0, Math.round(result.durationMs)),
    error: ok ? null : (result.error ?? `HTTP ${result.statusCode}`).slice(0, MAX_ERROR_CHARS),
    outcome,
  };
  return {
    ...delivery,
    status: outcome === 'retrying' ? 'pending' : outcome,
    nextAttempt: outcome === 'retrying' ? delivery.nextAttempt + 1 : delivery.nextAttempt,
    nextAttemptAt: outcome === 'retrying' ? plusSeconds(now, retryDelay ?? 0) : null,
    claimedAt: null,
    attempts: logged(delivery.attempts, attempt),
    updatedAt: now,
    revision: delivery.revision + 1,
  };
}

/** Given up without an attempt (subscription disabled or deleted, circuit open too long): logged as such. */
export function giveUp(delivery: Delivery, reason: string, now: string): Delivery {
  return {
    ...delivery,
    status: 'failed',
    nextAttemptAt: null,
    claimedAt: null,
    attempts: logged(delivery.attempts, {
      round: delivery.round,
      attempt: delivery.nextAttempt,
      at: now,
      statusCode: null,
      durationMs: 0,
      error: reason.slice(0, MAX_ERROR_CHARS),
      outcome: 'failed',
    }),
    updatedAt: now,
    revision: delivery.revision + 1,
  };
}

/**
 * Whether a delivery may be redelivered now: it is done; or it is pending but its message is lost; or its round
 * has not begun: no attempt of it made or claimed, and none waiting to be due (a deferral). The last is what a
 * redelivery whose message could not be queued leaves behind: trying again must not wait for STUCK_AFTER_MS. A
 * new round then supersedes the old one's message, if it exists, so nothing is sent twice.
 */
export function canRedeliver(delivery: Delivery, now: string): boolean {
  if (delivery.status !== 'pending') return true;
  const due = delivery.nextAttemptAt ?? delivery.updatedAt;
  if (Date.parse(now) - Date.parse(due) > STUCK_AFTER_MS) return true;
  const begun = delivery.attempts.some((attempt) => attempt.round === delivery.round);
  return !begun && !claimedElsewhere(delivery, now) && due <= now;
}

/** A new round: the same payload and webhook-id, attempts from 1 again. */
export function redeliver(delivery: Delivery, now: string): Delivery {
  return {
    ...delivery,
    status: 'pending',
    round: delivery.round + 1,
    nextAttempt: 1,
    nextAttemptAt: now,
    roundStartedAt: now,
    claimedAt: null,
    updatedAt: now,
    revision: delivery.revision + 1,
  };
}
