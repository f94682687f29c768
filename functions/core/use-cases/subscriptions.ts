import type { Caller } from '../caller.ts';
import { ConcurrentModificationError, DomainError, notFound } from '../errors.ts';
import type { Page } from '../model.ts';
import type { UrlPolicy } from '../net/public-address.ts';
import type { Clock, DeliveryStore, Ids, PageRequest, SubscriptionStore, WebhookQueue } from '../ports.ts';
import { afterSuccess, type Circuit, CLOSED_CIRCUIT } from '../webhooks/circuit.ts';
import { canRedeliver, type Delivery, messageOf, redeliver } from '../webhooks/delivery.ts';
import {
  InvalidSubscriptionInput,
  newSubscription,
  patchSubscription,
  rotateSecret,
  SUBSCRIPTION_ID_PREFIX,
  type Subscription,
  type SubscriptionInput,
  type SubscriptionPatch,
  subscriptionInputErrors,
} from '../webhooks/subscription.ts';
import { replaceGuarded } from './replace-guarded.ts';

/** Outbound webhooks: what the API's subscription and delivery routes use, and what the workers share. */
export interface WebhookPorts {
  readonly subscriptions: SubscriptionStore;
  readonly deliveries: DeliveryStore;
  /** The delivery queue: a redelivery starts there. */
  readonly queue: WebhookQueue;
  /** Which URLs a subscription may name (AWS: public https only; locally also http to 127.0.0.1). */
  readonly urlPolicy: UrlPolicy;
  /** A new Standard Webhooks secret, `whsec_` + base64 of 32 random bytes. */
  readonly newSecret: () => string;
}

export interface SubscriptionDeps {
  readonly webhooks: WebhookPorts;
  readonly clock: Clock;
  readonly ids: Ids;
}

/** A subscription as the API shows it: with its breaker, never with its secrets. */
export interface SubscriptionWithCircuit {
  readonly subscription: Subscription;
  readonly circuit: Circuit;
}

function assertValid(input: SubscriptionPatch, policy: UrlPolicy, whole: boolean): void {
  const errors = subscriptionInputErrors(input, policy, whole);
  if (errors.length > 0) throw new InvalidSubscriptionInput(errors);
}

/** Puts the breaker back to closed (a new URL is a new endpoint), however many others write it meanwhile. */
async function resetCircuit(deps: SubscriptionDeps, tenantId: string, id: string): Promise<Circuit> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const current = await deps.webhooks.subscriptions.circuit(tenantId, id);
    if (current.state === 'closed' && current.consecutiveFailures === 0) return current;
    const next = { ...afterSuccess(current), revision: current.revision + 1 };
    if (await deps.webhooks.subscriptions.saveCircuit(tenantId, id, next, current.revision)) return next;
  }
  return deps.webhooks.subscriptions.circuit(tenantId, id);
}

export function makeSubscriptionUseCases(deps: SubscriptionDeps) {
  const { subscriptions } = deps.webhooks;

  const find = async (tenantId: string, id: string): Promise<Subscription> => {
    const subscription = await subscriptions.get(tenantId, id);
    if (!subscription) throw notFound(`subscription ${id}`);
    return subscription;
  };

  return {
    /** A new subscription; its secret is shown in this answer only (and on rotation). */
    async createSubscription(
      caller: Caller,
      input: SubscriptionInput,
    ): Promise<SubscriptionWithCircuit & { readonly secret: string }> {
      assertValid(input, deps.webhooks.urlPolicy, true);
      const secret = deps.webhooks.newSecret();
      const subscription = newSubscription(
        caller.tenantId,
        `${SUBSCRIPTION_ID_PREFIX}${deps.ids.next()}`,
        input,
        secret,
        deps.clock.now(),
      );
      await subscriptions.create(subscription);
      return { subscription, circuit: await subscriptions.circuit(caller.tenantId, subscription.id), secret };
    },

    /** Oldest first, each with its breaker. */
    async listSubscriptions(caller: Caller): Promise<SubscriptionWithCircuit[]> {
      const [all, circuits] = await Promise.all([
        subscriptions.list(caller.tenantId),
        subscriptions.circuits(caller.tenantId),
      ]);
      return all.map((subscription) => ({
        subscription,
        circuit: circuits.get(subscription.id) ?? CLOSED_CIRCUIT,
      }));
    },

    async getSubscription(caller: Caller, id: string): Promise<SubscriptionWithCircuit> {
      const [subscription, circuit] = await Promise.all([
        find(caller.tenantId, id),
        subscriptions.circuit(caller.tenantId, id),
      ]);
      return { subscription, circuit };
    },

    /**
     * Changes the fields given (If-Match: only the version read). A new URL is a new endpoint: its breaker
     * starts closed.
     */
    async updateSubscription(
      caller: Caller,
      id: string,
      patch: SubscriptionPatch,
      ifMatch?: number | undefined,
    ): Promise<SubscriptionWithCircuit> {
      assertValid(patch, deps.webhooks.urlPolicy, false);
      const subscription = await replaceGuarded(
        `subscription ${id}`,
        ifMatch,
        () => subscriptions.get(caller.tenantId, id),
        async (previous) => {
          const next = patchSubscription(previous, patch, deps.clock.now());
          await subscriptions.update(next, previous.version);
          return next;
        },
      );
      const moved = patch.url !== undefined;
      const circuit = moved
        ? await resetCircuit(deps, caller.tenantId, id)
        : await subscriptions.circuit(caller.tenantId, id);
      return { subscription, circuit };
    },

    /** Deliveries still waiting for it are given up by the delivery worker; the log stays until it expires. */
    async deleteSubscription(caller: Caller, id: string): Promise<void> {
      if (!(await subscriptions.delete(caller.tenantId, id))) throw notFound(`subscription ${id}`);
    },

    /** A new secret, shown once; the previous one keeps signing beside it for SECRET_ROTATION_OVERLAP_MS. */
    async rotateSubscriptionSecret(
      caller: Caller,
      id: string,
    ): Promise<SubscriptionWithCircuit & { readonly secret: string }> {
      const secret = deps.webhooks.newSecret();
      const subscription = await replaceGuarded(
        `subscription ${id}`,
        undefined,
        () => subscriptions.get(caller.tenantId, id),
        async (previous) => {
          const next = rotateSecret(previous, secret, deps.clock.now());
          await subscriptions.update(next, previous.version);
          return next;
        },
      );
      return { subscription, circuit: await subscriptions.circuit(caller.tenantId, id), secret };
    },

    /** A subscription's deliveries, newest first, each with its attempts. */
    async listDeliveries(caller: Caller, id: string, page: PageRequest): Promise<Page<Delivery>> {
      await find(caller.tenantId, id);
      return deps.webhooks.deliveries.list(caller.tenantId, id, page);
    },

    /**
     * Sends a delivery again: the same payload and `webhook-id`, a new round of attempts. A delivery still being
     * attempted is a 409 (unless its next attempt is long overdue: its message was lost).
     */
    async redeliver(caller: Caller, subscriptionId: string, deliveryId: string): Promise<Delivery> {
      const subscription = await find(caller.tenantId, subscriptionId);
      if (!subscription.enabled) {
        throw new DomainError('conflict', `subscription ${subscriptionId} is disabled; enable it first`);
      }
      const delivery = await deps.webhooks.deliveries.get(caller.tenantId, subscriptionId, deliveryId);
      if (!delivery) throw notFound(`delivery ${deliveryId}`);
      const now = deps.clock.now();
      if (!canRedeliver(delivery, now)) {
        throw new DomainError(
          'conflict',
          `delivery ${deliveryId} is still being attempted; wait for its outcome`,
        );
      }
      const next = redeliver(delivery, now);
      try {
        await deps.webhooks.deliveries.save(next, delivery.revision);
      } catch (error) {
        if (error instanceof ConcurrentModificationError) {
          throw new DomainError('conflict', `delivery ${deliveryId} changed meanwhile; retry`);
        }
        throw error;
      }
      await deps.webhooks.queue.send([{ ...messageOf(next), delaySeconds: 0 }]);
      return next;
    },
  };
}
