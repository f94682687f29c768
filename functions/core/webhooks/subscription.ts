import { AGENT_AVAILABLE } from '../agent-events.ts';
import { CONVERSATION_EVENT_TYPE_NAMES } from '../chat/events.ts';
import { DOMAIN_EVENT_TYPES } from '../domain-events.ts';
import { DomainError, type FieldError } from '../errors.ts';
import { checkOutboundUrl, type UrlPolicy } from '../net/public-address.ts';

/**
 * Outbound webhook subscriptions: a tenant's HTTPS endpoint that receives the domain events it chose, signed per
 * Standard Webhooks (https://www.standardwebhooks.com) with a secret (`whsec_…`) only the tenant and Deskless
 * know. Deliveries and their retries are in delivery.ts, the endpoint's circuit breaker in circuit.ts.
 */

/** Every event a subscription may name: the ticket domain events, `agent.available` and chat `conversation.*`. */
export const SUBSCRIBABLE_EVENT_TYPES = [
  ...new Set([...Object.values(DOMAIN_EVENT_TYPES), AGENT_AVAILABLE, ...CONVERSATION_EVENT_TYPE_NAMES]),
];

/** Subscribes to every event, including types added later. */
export const ALL_EVENTS = '*';

/**
 * What an automation rule's `notify_webhook` action sends (the rule and the ticket it fired on). Not
 * subscribable: the rule names the subscription.
 */
export const RULE_NOTIFICATION = 'rule.notification';

/** Subscriptions per tenant: every domain event reads them all (cached per container). */
export const MAX_SUBSCRIPTIONS = 20;
export const SUBSCRIPTION_ID_PREFIX = 'sub_';
export const MAX_URL_CHARS = 2048;
export const MAX_SUBSCRIPTION_DESCRIPTION_CHARS = 500;
export const MAX_SUBSCRIBED_EVENTS = 50;

/**
 * How long a rotated-out secret keeps signing beside the new one (`webhook-signature` carries both, as the
 * standard allows): long enough for a receiver to deploy the new secret without rejecting a single delivery.
 */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface SubscriptionSecret {
  /** `whsec_` + base64 of 32 random bytes. */
  readonly secret: string;
  readonly createdAt: string;
  /** Null for the current secret; when a rotated-out secret stops signing. */
  readonly expiresAt: string | null;
}

export interface Subscription {
  readonly tenantId: string;
  /** `sub_<ulid>`. */
  readonly id: string;
  readonly url: string;
  /** Event types (SUBSCRIBABLE_EVENT_TYPES), or `*` for all. */
  readonly events: readonly string[];
  readonly description: string | null;
  /** A disabled subscription receives nothing; deliveries still waiting for it are given up. */
  readonly enabled: boolean;
  /** The current secret first, then rotated-out ones until they expire. */
  readonly secrets: readonly SubscriptionSecret[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface SubscriptionInput {
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string | null | undefined;
  readonly enabled?: boolean | undefined;
}

export type SubscriptionPatch = Partial<SubscriptionInput>;

/**
 * Malformed input the use cases find (a URL the outbound policy refuses, an unknown event type): the HTTP layer
 * answers it with 400, like the contract's own checks, not with the 422 of a broken business rule.
 */
export class InvalidSubscriptionInput extends DomainError {
  constructor(errors: readonly FieldError[]) {
    super(
      'validation',
      `the subscription is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
    this.name = 'InvalidSubscriptionInput';
  }
}

/** Whether a subscription's event list takes an event type. */
export function matchesEvent(events: readonly string[], type: string): boolean {
  return events.includes(ALL_EVENTS) || events.includes(type);
}

function eventErrors(events: unknown): FieldError[] {
  if (!Array.isArray(events) || events.length === 0) {
    return [{ path: 'events', message: `must list at least one event type, or "${ALL_EVENTS}"` }];
  }
  if (events.length > MAX_SUBSCRIBED_EVENTS) {
    return [{ path: 'events', message: `at most ${MAX_SUBSCRIBED_EVENTS} event types` }];
  }
  const known = new Set<string>([...SUBSCRIBABLE_EVENT_TYPES, ALL_EVENTS]);
  return events.flatMap((type, index) =>
    typeof type === 'string' && known.has(type)
      ? []
      : [
          {
            path: `events[${index}]`,
            message: `must be one of ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}, or "${ALL_EVENTS}"`,
          },
        ],
  );
}

function urlErrors(url: unknown, policy: UrlPolicy): FieldError[] {
  if (typeof url !== 'string' || url.length > MAX_URL_CHARS) {
    return [{ path: 'url', message: `must be a URL of at most ${MAX_URL_CHARS} characters` }];
  }
  const check = checkOutboundUrl(url, policy);
  return check.ok ? [] : [{ path: 'url', message: check.reason }];
}

/** Field errors of a subscription as given (a whole one, or the fields a PATCH changes). */
export function subscriptionInputErrors(
  input: SubscriptionPatch,
  policy: UrlPolicy,
  whole: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  if (whole || input.url !== undefined) errors.push(...urlErrors(input.url, policy));
  if (whole || input.events !== undefined) errors.push(...eventErrors(input.events));
  const { description } = input;
  if (
    description !== undefined &&
    description !== null &&
    (typeof description !== 'string' || description.length > MAX_SUBSCRIPTION_DESCRIPTION_CHARS)
  ) {
    errors.push({
      path: 'description',
      message: `must be a text of at most ${MAX_SUBSCRIPTION_DESCRIPTION_CHARS} characters`,
    });
  }
  return errors;
}

/** The URL as it is stored: what `new URL` makes of it (lower-case scheme and host, an explicit path). */
const normalizedUrl = (url: string): string => new URL(url).href;

const uniqueEvents = (events: readonly string[]): string[] =>
  events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...new Set(events)];

const descriptionOf = (text: string | null | undefined): string | null => {
  const trimmed = text?.trim();
  return trimmed ? trimmed : null;
};

export function newSubscription(
  tenantId: string,
  id: string,
  input: SubscriptionInput,
  secret: string,
  now: string,
): Subscription {
  return {
    tenantId,
    id,
    url: normalizedUrl(input.url),
    events: uniqueEvents(input.events),
    description: descriptionOf(input.description),
    enabled: input.enabled ?? true,
    secrets: [{ secret, createdAt: now, expiresAt: null }],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** The subscription with a validated PATCH applied (one version step). */
export function patchSubscription(
  previous: Subscription,
  patch: SubscriptionPatch,
  now: string,
): Subscription {
  return {
    ...previous,
    ...(patch.url !== undefined && { url: normalizedUrl(patch.url) }),
    ...(patch.events !== undefined && { events: uniqueEvents(patch.events) }),
    ...(patch.description !== undefined && { description: descriptionOf(patch.description) }),
    ...(patch.enabled !== undefined && { enabled: patch.enabled }),
    updatedAt: now,
    version: previous.version + 1,
  };
}

/** Secrets that still sign at `now`: the current one first. */
export function signingSecrets(subscription: Subscription, now: string): string[] {
  return subscription.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => s.secret);
}

/**
 * A new current secret; the previous current one keeps signing for SECRET_ROTATION_OVERLAP_MS, and secrets
 * that expired already are dropped. Rotating twice in a row leaves at most the two newest rotated-out ones.
 */
export function rotateSecret(previous: Subscription, secret: string, now: string): Subscription {
  const expiresAt = new Date(Date.parse(now) + SECRET_ROTATION_OVERLAP_MS).toISOString();
  const kept = previous.secrets
    .filter((s) => s.expiresAt === null || s.expiresAt > now)
    .map((s) => (s.expiresAt === null ? { ...s, expiresAt } : s))
    .slice(0, 2);
  return {
    ...previous,
    secrets: [{ secret, createdAt: now, expiresAt: null }, ...kept],
    updatedAt: now,
    version: previous.version + 1,
  };
}
