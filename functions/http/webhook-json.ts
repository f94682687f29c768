import type { SubscriptionWithCircuit } from '../core/use-cases/subscriptions.ts';
import type { Delivery } from '../core/webhooks/delivery.ts';
import { InvalidSubscriptionInput } from '../core/webhooks/subscription.ts';
import { HttpProblem } from './request.ts';

/** A subscription as the API shows it: its breaker beside it, never its secrets. */
export function subscriptionJson({ subscription, circuit }: SubscriptionWithCircuit) {
  return {
    id: subscription.id,
    url: subscription.url,
    events: subscription.events,
    description: subscription.description,
    enabled: subscription.enabled,
    circuit: {
      state: circuit.state,
      consecutiveFailures: circuit.consecutiveFailures,
      openUntil: circuit.openUntil,
      cooldownSeconds: circuit.cooldownSeconds,
    },
    createdAt: subscription.createdAt,
    updatedAt: subscription.updatedAt,
    version: subscription.version,
  };
}

/** A delivery with its payload as posted (parsed) and its attempts; the worker's bookkeeping left out. */
export function deliveryJson(delivery: Delivery) {
  return {
    id: delivery.id,
    subscriptionId: delivery.subscriptionId,
    eventId: delivery.eventId,
    type: delivery.type,
    status: delivery.status,
    payload: JSON.parse(delivery.payload) as unknown,
    round: delivery.round,
    nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt : null,
    attempts: delivery.attempts,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}

/** A URL the outbound policy refuses or an unknown event type is malformed input: 400, like the contract's checks. */
export async function badInputAs400<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidSubscriptionInput) {
      throw new HttpProblem('invalid-request', error.message, error.fieldErrors);
    }
    throw error;
  }
}
