import type { PublishedEvent } from '../domain-events.ts';
import type { Clock, DeliveryStore, Ids, WebhookQueue } from '../ports.ts';
import {
  DELIVERY_ID_PREFIX,
  type Delivery,
  type DeliveryMessage,
  messageOf,
  newDelivery,
  webhookPayload,
} from '../webhooks/delivery.ts';
import { matchesEvent, RULE_NOTIFICATION, type Subscription } from '../webhooks/subscription.ts';
import { isSolve, SOLVE_EVENT_TYPE, type SurveyLinkFor } from '../webhooks/survey-link.ts';

/**
 * How long a container keeps a tenant's subscriptions: every domain event reads them, and a burst of events
 * need not read them each time. A new, changed or disabled subscription takes effect within this time.
 */
export const SUBSCRIPTION_CACHE_TTL_MS = 5_000;

export type SubscriptionSource = (tenantId: string) => Promise<readonly Subscription[]>;

/** The tenant's subscriptions, read once per SUBSCRIPTION_CACHE_TTL_MS (real time) per container. */
export function cachedSubscriptions(
  read: SubscriptionSource,
  realNow: () => number = Date.now,
  ttlMs = SUBSCRIPTION_CACHE_TTL_MS,
): SubscriptionSource {
  const cache = new Map<string, { readonly at: number; readonly list: Promise<readonly Subscription[]> }>();
  return (tenantId) => {
    const now = realNow();
    const hit = cache.get(tenantId);
    if (hit && now - hit.at < ttlMs) return hit.list;
    const list = read(tenantId);
    cache.set(tenantId, { at: now, list });
    // A failed read is not kept: the next event reads again.
    list.catch(() => cache.delete(tenantId));
    return list;
  };
}

export interface FanoutDeps {
  readonly subscriptions: SubscriptionSource;
  readonly deliveries: DeliveryStore;
  readonly queue: WebhookQueue;
  readonly clock: Clock;
  readonly ids: Ids;
  /**
   * The satisfaction survey link a solve's `ticket.status_changed` payload carries (webhooks/survey-link.ts);
   * asked only for a solve some subscription takes. Without it, no payload carries one.
   */
  readonly surveyLinkFor?: SurveyLinkFor | undefined;
  /** Told when the survey link could not be made (the payloads then go without one). */
  readonly warn?: ((message: string, error: unknown) => void) | undefined;
}

/** One payload to make for one subscription. */
interface Target {
  readonly subscription: Subscription;
  readonly type: string;
  readonly data: unknown;
}

/** The subscription ids a `rule.fired` event's `notify_webhook` actions name. */
export function notifiedSubscriptions(event: PublishedEvent): string[] {
  if (event.type !== 'rule.fired') return [];
  const actions = (event.data as { actions?: unknown }).actions;
  if (!Array.isArray(actions)) return [];
  const ids = actions.flatMap((action) =>
    action &&
    typeof action === 'object' &&
    action.field === 'notify_webhook' &&
    typeof action.value === 'string'
      ? [action.value as string]
      : [],
  );
  return [...new Set(ids)];
}

/** `rule.notification`'s data: the rule that fired, with what it did, and the ticket it fired on. */
function ruleNotification(event: PublishedEvent) {
  const data = event.data as { ruleId?: unknown; ruleName?: unknown; actions?: unknown };
  return {
    id: event.id,
    tenantId: event.tenantId,
    occurredAt: event.occurredAt,
    rule: { id: data.ruleId, name: data.ruleName, actions: data.actions },
    ticket: 'ticket' in event ? event.ticket : null,
  };
}

/** The payloads an event makes: one per enabled subscription that takes its type, plus rule notifications. */
export function targetsOf(event: PublishedEvent, subscriptions: readonly Subscription[]): Target[] {
  const enabled = subscriptions.filter((s) => s.enabled);
  const targets: Target[] = enabled
    .filter((s) => matchesEvent(s.events, event.type))
    .map((subscription) => ({ subscription, type: event.type, data: event }));
  const notified = notifiedSubscriptions(event);
  if (notified.length > 0) {
    const data = ruleNotification(event);
    for (const subscription of enabled.filter((s) => notified.includes(s.id))) {
      targets.push({ subscription, type: RULE_NOTIFICATION, data });
    }
  }
  return targets;
}

export interface FanoutResult {
  readonly deliveries: number;
  /** Targets whose delivery existed already (a redelivered event). */
  readonly duplicates: number;
  /** Of those, deliveries whose first message was sent again (it may have been lost). */
  readonly resent: number;
}

/**
 * Every domain event → one delivery per subscription that wants it, each written once (a redelivered event makes
 * none again: a conditional put on the event and the payload type) and queued for its first attempt. The payload
 * is stored on the delivery: every retry and redelivery sends the same body (a solve's survey link included).
 */
export function makeFanOutEvent(deps: FanoutDeps) {
  return async function fanOutEvent(event: PublishedEvent): Promise<FanoutResult> {
    const targets = targetsOf(event, await deps.subscriptions(event.tenantId));
    const survey =
      deps.surveyLinkFor && isSolve(event) && targets.some((target) => target.type === SOLVE_EVENT_TYPE)
        ? await surveyLink(deps, event.tenantId, event.ticket.number, event.occurredAt)
        : null;
    const messages: DeliveryMessage[] = [];
    let duplicates = 0;
    let resent = 0;
    for (const { subscription, type, data } of targets) {
      const now = deps.clock.now();
      const delivery = newDelivery({
        tenantId: event.tenantId,
        subscriptionId: subscription.id,
        id: `${DELIVERY_ID_PREFIX}${deps.ids.next()}`,
        eventId: event.id,
        type,
        payload: webhookPayload(type, event.occurredAt, data, type === SOLVE_EVENT_TYPE ? survey : null),
        now,
      });
      const written = await deps.deliveries.createOnce(delivery, `${event.id}#${type}`);
      if (written.created) {
        messages.push(messageOf(delivery));
        continue;
      }
      duplicates++;
      // The first write may have been the whole of an earlier try that died before queuing: a delivery never
      // attempted is queued again (a second message for the same attempt is dropped by the worker's claim).
      if (written.delivery && neverAttempted(written.delivery)) {
        messages.push(messageOf(written.delivery));
        resent++;
      }
    }
    if (messages.length > 0) {
      await deps.queue.send(messages.map((message) => ({ ...message, delaySeconds: 0 })));
    }
    return { deliveries: targets.length - duplicates, duplicates, resent };
  };
}

/**
 * The survey link, or none when it cannot be made (the secret unreadable, a throttled read…): the link is an
 * extra, and a failure here must not hold back every subscription's delivery of the solve.
 */
async function surveyLink(deps: FanoutDeps, tenantId: string, ticketNumber: number, solvedAt: string) {
  try {
    return (await deps.surveyLinkFor?.(tenantId, ticketNumber, solvedAt)) ?? null;
  } catch (error) {
    deps.warn?.(
      `no survey link for ticket ${ticketNumber} of ${tenantId}: its webhooks go without one`,
      error,
    );
    return null;
  }
}

/**
 * Made and never touched since: neither attempted nor claimed nor deferred by an open circuit (a deferred
 * delivery's message is alive, due later).
 */
const neverAttempted = (delivery: Delivery) =>
  delivery.status === 'pending' &&
  delivery.round === 1 &&
  delivery.attempts.length === 0 &&
  delivery.claimedAt === null &&
  delivery.nextAttemptAt === delivery.createdAt;
