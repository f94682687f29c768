/**
 * Which ticket an inbound mail belongs to, in this order (stricter than the incumbents on purpose):
 * 1. In-Reply-To, then References newest first, against Message-IDs recorded for tickets (inbound and sent).
 * 2. A signed reply address (`support+<ticket>.<signature>@…`).
 * 3. `[#n]` in the subject, only when the sender is that ticket's requester or a participant (osTicket's
 *    rule; otherwise anyone could write into any ticket by putting its number in a subject).
 * 4. Otherwise a new ticket.
 */
export type ThreadVia = 'in-reply-to' | 'references' | 'reply-address' | 'subject';

export type ThreadDecision =
  | { readonly kind: 'existing'; readonly number: number; readonly via: ThreadVia }
  | { readonly kind: 'new' };

export interface ThreadEvidence {
  readonly inReplyTo: readonly string[];
  readonly references: readonly string[];
  /** Ticket numbers of the Message-IDs found among inReplyTo and references. */
  readonly knownMessages: ReadonlyMap<string, number>;
  /** Ticket number of a correctly signed reply address among the recipients. */
  readonly signedReplyTo: number | null;
  /** Ticket number in the subject token and who may use it, when that ticket exists. */
  readonly subject: { readonly number: number; readonly allowedSenders: readonly string[] } | null;
  readonly sender: string | null;
}

/** The Message-IDs worth looking up: In-Reply-To first, then References newest first; at most `limit`. */
export function candidateMessageIds(
  inReplyTo: readonly string[],
  references: readonly string[],
  limit = 25,
): string[] {
  return [...new Set([...inReplyTo, ...[...references].reverse()])].slice(0, limit);
}

export function decideThread(evidence: ThreadEvidence): ThreadDecision {
  for (const id of evidence.inReplyTo) {
    const number = evidence.knownMessages.get(id);
    if (number !== undefined) return { kind: 'existing', number, via: 'in-reply-to' };
  }
  for (const id of [...evidence.references].reverse()) {
    const number = evidence.knownMessages.get(id);
    if (number !== undefined) return { kind: 'existing', number, via: 'references' };
  }
  if (evidence.signedReplyTo !== null)
    return { kind: 'existing', number: evidence.signedReplyTo, via: 'reply-address' };
  const { subject, sender } = evidence;
  if (subject && sender && subject.allowedSenders.includes(sender)) {
    return { kind: 'existing', number: subject.number, via: 'subject' };
  }
  return { kind: 'new' };
}
