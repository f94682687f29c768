import { constantTimeEqual } from '../constant-time.ts';

/**
 * Support addresses, plus-addressing and the signed reply address. Every mail Deskless sends has
 * `Reply-To: support+<ticket>.<signature>@domain`, so a reply threads even when the client drops
 * In-Reply-To; the signature stops anyone from writing into a ticket by guessing its number.
 */

export interface ParsedRecipient {
  /** The address without its plus tag: the mailbox a tenant registered. */
  readonly mailbox: string;
  /** What followed `+` in the local part, or null. */
  readonly tag: string | null;
}

export function parseRecipient(address: string): ParsedRecipient | null {
  const match = /^([^@+\s]+)(?:\+([^@\s]*))?@([^@\s]+)$/.exec(address.trim().toLowerCase());
  if (!match) return null;
  return { mailbox: `${match[1]}@${match[3]}`, tag: match[2] || null };
}

/** Computes the signature of a reply token; the adapter uses an HMAC with a deployment secret. */
export interface ReplySigner {
  sign(payload: string): string;
}

const SIGNATURE_LENGTH = 10;

function payloadOf(tenantId: string, ticketNumber: number): string {
  return `${tenantId}:${ticketNumber}`;
}

export function replyAddress(
  signer: ReplySigner,
  tenantId: string,
  mailbox: string,
  ticketNumber: number,
): string {
  const [local, domain] = mailbox.split('@') as [string, string];
  const signature = signer.sign(payloadOf(tenantId, ticketNumber)).slice(0, SIGNATURE_LENGTH);
  return `${local}+${ticketNumber}.${signature}@${domain}`;
}

/** The ticket number a plus tag names, if its signature is right for this tenant; null otherwise. */
export function verifyReplyTag(signer: ReplySigner, tenantId: string, tag: string | null): number | null {
  const match = /^(\d{1,10})\.([a-z0-9_-]+)$/i.exec(tag ?? '');
  if (!match) return null;
  const number = Number(match[1]);
  const expected = signer.sign(payloadOf(tenantId, number)).slice(0, SIGNATURE_LENGTH).toLowerCase();
  // Addresses are case-insensitive in practice, so the tag arrives lower-cased: compare it so.
  return constantTimeEqual(expected, match[2]!.toLowerCase()) ? number : null;
}

/** `[#1042]` anywhere in the subject; the last one wins (a forwarded thread may carry several). */
export function subjectTicketNumber(subject: string): number | null {
  const matches = [...subject.matchAll(/\[#(\d{1,10})\]/g)];
  const last = matches.at(-1);
  return last ? Number(last[1]) : null;
}

/** The subject of mail Deskless sends: the ticket's subject with its token, once. */
export function outboundSubject(ticketSubject: string, ticketNumber: number, isReply: boolean): string {
  return `${isReply ? 'Re: ' : ''}[#${ticketNumber}] ${cleanSubject(ticketSubject)}`;
}

/** Subjects of replies carry `Re:`/`AW:`/`Fwd:` prefixes and our token; a new ticket gets the plain subject. */
export function cleanSubject(subject: string): string {
  let s = subject.trim();
  for (;;) {
    const next = s.replace(/^((re|aw|sv|vs|antw|fw|fwd|wg|tr|rv)\s*(\[\d+\])?\s*:\s*)/i, '').trim();
    if (next === s) break;
    s = next;
  }
  return s.replace(/\s*\[#\d+\]\s*/g, ' ').trim();
}
