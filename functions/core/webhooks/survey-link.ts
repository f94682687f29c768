import type { PublishedEvent } from '../domain-events.ts';
import { surveyExpiry } from '../email/survey-mail.ts';
import type { TokenSigner } from '../ports.ts';
import { signSurveyToken } from '../surveys.ts';

/**
 * The satisfaction survey link of a solve in webhooks: tickets of channels answered through a tenant's
 * subscriptions (webhook, chat, SMS…) get no survey mail, so the `ticket.status_changed` payload of a solve
 * carries the same signed link beside its data: `{ type, timestamp, data, survey: { url, expiresAt } }`.
 */

export interface WebhookSurveyLink {
  /** The survey page: `<API>/v1/surveys/<token>`. */
  readonly url: string;
  /** ISO-8601, SURVEY_TTL_DAYS after the solve (whole seconds, the token's). */
  readonly expiresAt: string;
}

/** The survey link of a ticket's solve at `solvedAt`, or null when its payload carries none. */
export type SurveyLinkFor = (
  tenantId: string,
  ticketNumber: number,
  solvedAt: string,
) => Promise<WebhookSurveyLink | null>;

export const SOLVE_EVENT_TYPE = 'ticket.status_changed';

/** A ticket's `ticket.status_changed` event to `solved` (from another status). */
export function isSolve(
  event: PublishedEvent,
): event is PublishedEvent & { readonly ticket: { number: number } } {
  if (event.type !== SOLVE_EVENT_TYPE || !('ticket' in event)) return false;
  const data = event.data as { from?: unknown; to?: unknown };
  return data.to === 'solved' && data.from !== 'solved';
}

export interface SurveyLinkDeps {
  /** Whether the tenant surveys its requesters (lifecycle settings' `csatSurveys`). */
  readonly enabled: (tenantId: string) => Promise<boolean>;
  /** Whether the ticket is held as spam now; null when there is no such ticket. */
  readonly spam: (tenantId: string, ticketNumber: number) => Promise<boolean | null>;
  /** Whether the ticket's survey was answered already (a ticket is rated once, as the survey mail knows). */
  readonly answered: (tenantId: string, ticketNumber: number) => Promise<boolean>;
  /** Signs the link (the secret the API verifies it with); called only when a link is made. */
  readonly tokens: TokenSigner;
  /** The HTTP API's public base URL; null when none is configured (no link can point anywhere). */
  readonly publicApiUrl: () => string | null;
  /** Told, once per instance, that a link was due but there is no public API URL. */
  readonly warn?: ((message: string) => void) | undefined;
}

/**
 * Makes the link when one is due: a public API URL first (no read without it), then the tenant's setting, then
 * the ticket (spam is never surveyed, a rated ticket not again), and only then the signature. The expiry follows from the solve's time, so
 * the same solve always gets the same link.
 */
export function makeSurveyLinkFor(deps: SurveyLinkDeps): SurveyLinkFor {
  let warned = false;
  return async (tenantId, ticketNumber, solvedAt) => {
    const base = deps.publicApiUrl()?.replace(/\/+$/, '');
    if (!base) {
      if (!warned) {
        warned = true;
        deps.warn?.('no public API URL is configured: solved tickets’ webhooks carry no survey link');
      }
      return null;
    }
    if (!(await deps.enabled(tenantId))) return null;
    if ((await deps.spam(tenantId, ticketNumber)) !== false) return null;
    if (await deps.answered(tenantId, ticketNumber)) return null;
    const expiresAt = surveyExpiry(solvedAt);
    const token = await signSurveyToken(deps.tokens, { tenantId, ticket: ticketNumber, expiresAt });
    return { url: `${base}/v1/surveys/${token}`, expiresAt };
  };
}
