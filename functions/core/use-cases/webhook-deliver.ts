import { ConcurrentModificationError } from '../errors.ts';
import type {
  Clock,
  DeliveryStore,
  SubscriptionStore,
  WebhookQueue,
  WebhookResponse,
  WebhookTransport,
} from '../ports.ts';
import {
  admit,
  afterFailure,
  afterSuccess,
  type Circuit,
  PROBE_WAIT_SECONDS,
  spreadDeferral,
  startProbe,
} from '../webhooks/circuit.ts';
import {
  claim,
  claimedElsewhere,
  type Delivery,
  type DeliveryMessage,
  defer,
  giveUp,
  MAX_DEFERRAL_MS,
  messageOf,
  recordAttempt,
  retryDelaySeconds,
} from '../webhooks/delivery.ts';
import { type Subscription, signingSecrets } from '../webhooks/subscription.ts';

export interface DeliverDeps {
  readonly subscriptions: SubscriptionStore;
  readonly deliveries: DeliveryStore;
  readonly queue: WebhookQueue;
  readonly transport: WebhookTransport;
  readonly clock: Clock;
  /** In [0, 1): the retry and deferral jitter. */
  readonly random: () => number;
  /** Shortens every wait (retries, cooldowns); 1 in AWS, smaller locally (`DESKLESS_WEBHOOK_BACKOFF_SCALE`). */
  readonly backoffScale: number;
}

/**
 * What became of one queued attempt. `failed` is the last attempt failing, and `given_up` with `deadLetter` a
 * delivery that waited on an open circuit too long: the worker hands either message to the DLQ (a disabled or
 * deleted subscription's deliveries are given up quietly). `dropped` messages were duplicates or out of date;
 * `requeued` ones queued a lost next attempt again, or themselves to check back for it later.
 */
export type DeliverOutcome =
  | {
      readonly outcome: 'delivered' | 'retrying' | 'failed';
      readonly statusCode: number | null;
      readonly attempt: number;
      readonly error: string | null;
      readonly retryInSeconds?: number;
    }
  | { readonly outcome: 'deferred'; readonly seconds: number; readonly circuit: Circuit['state'] }
  | { readonly outcome: 'given_up'; readonly reason: string; readonly deadLetter: boolean }
  | { readonly outcome: 'dropped' | 'requeued'; readonly reason: string };

const isOk = (response: WebhookResponse) =>
  response.error === null &&
  response.statusCode !== null &&
  response.statusCode >= 200 &&
  response.statusCode < 300;

const dropped = (reason: string): DeliverOutcome => ({ outcome: 'dropped', reason });

/**
 * How overdue an attempt must be, untaken, before its message counts as lost and is queued again: SQS delays
 * and a busy worker make a message a few seconds late, never this late.
 */
export const LOST_AFTER_SECONDS = 30;

/**
 * Whether nothing has changed the delivery since `attempt` of its round was logged: the last write was that
 * log entry (no claim, deferral or later attempt since).
 */
function untouchedSince(delivery: Delivery, attempt: number): boolean {
  const last = delivery.attempts[delivery.attempts.length - 1];
  return (
    delivery.claimedAt === null &&
    last !== undefined &&
    last.round === delivery.round &&
    last.attempt === attempt &&
    last.at === delivery.updatedAt
  );
}

/** Circuit writes race with other deliveries to the same endpoint; each one is retried on the newest state. */
const CIRCUIT_WRITE_ATTEMPTS = 5;

/**
 * One attempt of one delivery, as the delivery queue hands it over. Exactly one worker attempts a given
 * (round, attempt): it claims it on the delivery first, and duplicates or out-of-date messages are dropped. An
 * open circuit defers the attempt without spending it; a failure queues the next attempt with backoff and
 * jitter; the last failure fails the delivery. Every attempt is logged on the delivery.
 */
export function makeDeliverWebhook(deps: DeliverDeps) {
  const { subscriptions, deliveries } = deps;

  async function updateCircuit(
    tenantId: string,
    id: string,
    change: (circuit: Circuit) => Circuit,
  ): Promise<Circuit | null> {
    for (let attempt = 0; attempt < CIRCUIT_WRITE_ATTEMPTS; attempt++) {
      const current = await subscriptions.circuit(tenantId, id);
      const next = { ...change(current), revision: current.revision + 1 };
      if (await subscriptions.saveCircuit(tenantId, id, next, current.revision)) return next;
    }
    return null;
  }

  /** Saves a change of the delivery read; false when someone else changed it first (the message is dropped). */
  async function save(next: Delivery, previous: Delivery): Promise<boolean> {
    try {
      await deliveries.save(next, previous.revision);
      return true;
    } catch (error) {
      if (error instanceof ConcurrentModificationError) return false;
      throw error;
    }
  }

  async function requeue(delivery: Delivery, delaySeconds: number): Promise<void> {
    await deps.queue.send([
      { ...messageOf(delivery), delaySeconds: Math.min(900, Math.max(0, Math.ceil(delaySeconds))) },
    ]);
  }

  /**
   * A message of the attempt just made, coming back: a duplicate, or the message of a worker that logged the
   * attempt and could not queue the next one (its message then returns after the visibility timeout). Nothing
   * has touched the delivery since (no claim, no deferral), so the next attempt's message may be lost: once that
   * attempt is LOST_AFTER_SECONDS overdue it is queued again; until then this message comes back to look, rather
   * than queue a second message for an attempt whose own may well be on its way.
   */
  async function recheck(delivery: Delivery, message: DeliveryMessage, now: string): Promise<DeliverOutcome> {
    const due = delivery.nextAttemptAt ?? now;
    const overdue = (Date.parse(now) - Date.parse(due)) / 1000;
    if (overdue > LOST_AFTER_SECONDS) {
      await requeue(delivery, 0);
      return { outcome: 'requeued', reason: `attempt ${delivery.nextAttempt} was due and never taken` };
    }
    await deps.queue.send([
      { ...message, delaySeconds: Math.min(900, Math.max(1, Math.ceil(LOST_AFTER_SECONDS + 1 - overdue))) },
    ]);
    return {
      outcome: 'requeued',
      reason: `attempt ${message.attempt} was made already; checking back once attempt ${delivery.nextAttempt} is due`,
    };
  }

  return async function deliverWebhook(message: DeliveryMessage): Promise<DeliverOutcome> {
    const delivery = await deliveries.get(message.tenantId, message.subscriptionId, message.deliveryId);
    if (!delivery) return dropped('no such delivery (expired?)');
    if (delivery.round !== message.round)
      return dropped(`round ${message.round} was superseded by a redelivery`);
    if (delivery.status !== 'pending') return dropped(`the delivery is ${delivery.status} already`);
    const now = deps.clock.now();
    if (delivery.nextAttempt > message.attempt) {
      if (delivery.nextAttempt === message.attempt + 1 && untouchedSince(delivery, message.attempt)) {
        return recheck(delivery, message, now);
      }
      return dropped(`attempt ${message.attempt} was made already`);
    }
    if (delivery.nextAttempt < message.attempt) return dropped(`attempt ${delivery.nextAttempt} comes first`);
    if (claimedElsewhere(delivery, now)) return dropped('another worker is making this attempt');

    const subscription = await subscriptions.get(message.tenantId, message.subscriptionId);
    if (!subscription?.enabled) {
      const reason = subscription ? 'the subscription is disabled' : 'the subscription was deleted';
      await save(giveUp(delivery, reason, now), delivery);
      return { outcome: 'given_up', reason, deadLetter: false };
    }

    const circuit = await subscriptions.circuit(message.tenantId, message.subscriptionId);
    let admission = admit(circuit, now, deps.backoffScale);
    if (admission.kind === 'probe') {
      const probing = { ...startProbe(circuit, now), revision: circuit.revision + 1 };
      if (
        !(await subscriptions.saveCircuit(
          message.tenantId,
          message.subscriptionId,
          probing,
          circuit.revision,
        ))
      ) {
        // Another delivery took the probe.
        admission = {
          kind: 'defer',
          seconds: Math.max(1, Math.ceil(PROBE_WAIT_SECONDS * deps.backoffScale)),
        };
      }
    }
    if (admission.kind === 'defer') {
      if (Date.parse(now) - Date.parse(delivery.roundStartedAt) > MAX_DEFERRAL_MS) {
        const reason = `the endpoint’s circuit stayed open for ${MAX_DEFERRAL_MS / 3_600_000} hours`;
        if (!(await save(giveUp(delivery, reason, now), delivery)))
          return dropped('the delivery changed meanwhile');
        return { outcome: 'given_up', reason, deadLetter: true };
      }
      // Spread: the deliveries held back by one circuit do not all come back at the same second.
      const seconds = spreadDeferral(admission.seconds, deps.random());
      const deferred = defer(delivery, seconds, now);
      if (!(await save(deferred, delivery))) return dropped('the delivery changed meanwhile');
      await requeue(deferred, seconds);
      return { outcome: 'deferred', seconds, circuit: circuit.state };
    }

    const claimed = claim(delivery, now);
    if (!(await save(claimed, delivery))) return dropped('another worker claimed this attempt');
    return attempt(claimed, subscription);
  };

  async function attempt(delivery: Delivery, subscription: Subscription): Promise<DeliverOutcome> {
    const response = await deps.transport.send({
      url: subscription.url,
      id: delivery.id,
      body: delivery.payload,
      secrets: signingSecrets(subscription, deps.clock.now()),
    });
    const now = deps.clock.now();
    const ok = isOk(response);
    await updateCircuit(delivery.tenantId, delivery.subscriptionId, (circuit) =>
      ok ? afterSuccess(circuit) : afterFailure(circuit, now, deps.backoffScale),
    );
    const retryIn = ok ? null : retryDelaySeconds(delivery.nextAttempt, deps.random(), deps.backoffScale);
    const next = recordAttempt(delivery, response, retryIn, now);
    // Only a redelivery can have changed the claimed delivery; its own round goes on without this one.
    if (!(await save(next, delivery))) return dropped('the delivery was redelivered meanwhile');
    const logged = next.attempts[next.attempts.length - 1]!;
    if (next.status === 'pending') await requeue(next, retryIn ?? 0);
    return {
      outcome: logged.outcome,
      statusCode: response.statusCode,
      attempt: logged.attempt,
      error: logged.error,
      ...(retryIn !== null && { retryInSeconds: retryIn }),
    };
  }
}
