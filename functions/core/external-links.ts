import { DomainError } from './errors.ts';
import type { Actor, ExternalLink, ExternalSystem, Ticket } from './model.ts';
import { AWS_URL_POLICY, checkOutboundUrl } from './net/public-address.ts';
import { type Change, type IdSource, noteEvent } from './tickets.ts';

/**
 * Links from a ticket to issues and pages outside Deskless: what an engineering-tracker integration writes
 * back after it opened an issue for a ticket, and what an agent adds by hand.
 */

/** A ticket holds at most this many external links: a list an agent can still read at a glance. */
export const MAX_EXTERNAL_LINKS = 20;
export const MAX_LINK_URL_CHARS = 2048;
export const MAX_LINK_TITLE_CHARS = 300;
export const MAX_LINK_EXTERNAL_ID_CHARS = 200;

export interface ExternalLinkInput {
  readonly url: string;
  readonly title?: string | null | undefined;
  /** Left out: guessed from the URL's host (github.com, *.atlassian.net, linear.app), else `other`. */
  readonly system?: ExternalSystem | undefined;
  readonly externalId?: string | null | undefined;
}

export interface ExternalLinkResult {
  /** No events when the ticket already had the URL: the link is not added twice. */
  readonly change: Change;
  readonly link: ExternalLink;
  readonly added: boolean;
}

/**
 * A link is never fetched, but it is shown to agents and followed by them: it must still be a proper public
 * https URL (no credentials in it, no private or loopback host), the same rule as for URLs Deskless calls.
 * Returns the URL in its normal form (lower-case host, default port dropped), which is what makes two
 * spellings of one address the same link; or the reason it is refused.
 */
export function normalizeLinkUrl(text: string): { ok: true; url: string } | { ok: false; reason: string } {
  if (text.length > MAX_LINK_URL_CHARS) {
    return { ok: false, reason: `must be at most ${MAX_LINK_URL_CHARS} characters` };
  }
  const check = checkOutboundUrl(text.trim(), AWS_URL_POLICY);
  if (!check.ok) return check;
  return { ok: true, url: check.url.href };
}

/** The tracker a URL belongs to, by its host: `other` unless it is one Deskless integrates with. */
export function systemOfUrl(url: string): ExternalSystem {
  const host = new URL(url).hostname;
  if (host === 'github.com' || host.endsWith('.github.com')) return 'github';
  if (host === 'linear.app' || host.endsWith('.linear.app')) return 'linear';
  if (host.endsWith('.atlassian.net') || host.endsWith('.jira.com')) return 'jira';
  return 'other';
}

const blankToNull = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

/**
 * Adds a link to the ticket, recorded as an `external_link_added` event. Idempotent by URL: a URL the ticket
 * already links to changes nothing (no event, no version step) and returns the link as it was first added, so
 * an integration that retries gets the same answer. Closed tickets take links too: like a follow-up link, it
 * records where the work went without reopening anything.
 */
export function addExternalLink(
  ticket: Ticket,
  input: ExternalLinkInput,
  actor: Actor,
  now: string,
  ids: IdSource,
): ExternalLinkResult {
  const normal = normalizeLinkUrl(input.url);
  if (!normal.ok) {
    throw new DomainError('validation', `url ${normal.reason}`, [{ path: 'url', message: normal.reason }]);
  }
  const existing = ticket.externalLinks.find((link) => link.url === normal.url);
  if (existing) return { change: { ticket, events: [] }, link: existing, added: false };
  if (ticket.externalLinks.length >= MAX_EXTERNAL_LINKS) {
    throw new DomainError(
      'validation',
      `ticket #${ticket.number} has ${MAX_EXTERNAL_LINKS} external links already, the most it holds`,
      [{ path: 'url', message: `a ticket holds at most ${MAX_EXTERNAL_LINKS} external links` }],
    );
  }
  const link: ExternalLink = {
    url: normal.url,
    title: blankToNull(input.title)?.slice(0, MAX_LINK_TITLE_CHARS) ?? null,
    system: input.system ?? systemOfUrl(normal.url),
    externalId: blankToNull(input.externalId)?.slice(0, MAX_LINK_EXTERNAL_ID_CHARS) ?? null,
    addedAt: now,
    addedBy: actor,
  };
  const next: Ticket = {
    ...ticket,
    externalLinks: [...ticket.externalLinks, link],
    updatedAt: now,
    version: ticket.version + 1,
  };
  const event = noteEvent(next, actor, now, ids, {
    type: 'external_link_added',
    url: link.url,
    title: link.title,
    system: link.system,
    externalId: link.externalId,
  });
  return { change: { ticket: next, events: [event] }, link, added: true };
}
