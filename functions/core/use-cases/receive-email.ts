import type { Caller } from '../caller.ts';
import {
  cleanSubject,
  parseRecipient,
  type ReplySigner,
  subjectTicketNumber,
  verifyReplyTag,
} from '../email/addresses.ts';
import { automatedVerdict } from '../email/automated.ts';
import type { MailAttachment, ParsedMail } from '../email/mail.ts';
import { candidateMessageIds, decideThread, type ThreadVia } from '../email/threading.ts';
import type { AttachmentMeta, EmailOrigin } from '../model.ts';
import {
  type BlobStore,
  type Clock,
  DuplicateMessageError,
  type Ids,
  type MailboxStore,
  type MessageStore,
  type SenderRateLimiter,
  type TicketStore,
} from '../ports.ts';
import { noteEvent } from '../tickets.ts';
import type { makeAddComment, makeCreateTicket } from './tickets.ts';

/** What SES (or the local SMTP server) says about a received mail besides its bytes. */
export interface ReceivedMail {
  readonly mail: ParsedMail;
  /** Envelope recipients (RCPT TO). */
  readonly recipients: readonly string[];
  /** Where the raw MIME is kept. */
  readonly rawKey: string;
  readonly spamVerdict: string;
  readonly virusVerdict: string;
}

export type IntakeOutcome =
  | {
      readonly outcome: 'created' | 'commented' | 'follow_up';
      readonly tenantId: string;
      readonly ticketNumber: number;
      readonly via?: ThreadVia;
    }
  | {
      readonly outcome: 'noted';
      readonly tenantId: string;
      readonly ticketNumber: number;
      readonly reason: string;
    }
  | { readonly outcome: 'duplicate'; readonly tenantId: string; readonly messageId: string }
  | { readonly outcome: 'rate_limited'; readonly tenantId: string; readonly sender: string }
  | { readonly outcome: 'dropped' | 'rejected'; readonly tenantId: string | null; readonly reason: string };

export interface ReceiveEmailDeps {
  readonly mailboxes: MailboxStore;
  readonly messages: MessageStore;
  readonly tickets: TicketStore;
  readonly rateLimiter: SenderRateLimiter;
  readonly blobs: BlobStore;
  readonly signer: ReplySigner;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly createTicket: ReturnType<typeof makeCreateTicket>;
  readonly addComment: ReturnType<typeof makeAddComment>;
  /** Hex or base64 digest, for synthetic Message-IDs and attachment keys. */
  readonly digest: (text: string) => string;
  readonly limits: { readonly maxAttachmentBytes: number; readonly maxAttachmentBytesPerMail: number };
  readonly attachmentsPrefix: string;
}

const INTAKE_ACTOR = { type: 'system', id: 'email' } as const;
/** The full text kept beside the comment is capped like a comment; the raw MIME in the bucket has it all. */
const MAX_ORIGINAL_TEXT = 64 * 1024;
const MAX_ORIGINAL_HTML = 128 * 1024;

/**
 * Turns one inbound mail into a ticket or a comment, exactly once. The order matters: find the tenant by
 * recipient, refuse viruses, de-duplicate, record bounces, thread, and only then rate-limit what would open
 * a new ticket. Nothing throws for a bad mail: every refusal is an outcome with a reason, logged by the
 * handler, so a poison mail never loops through the queue.
 */
export function makeReceiveEmail(deps: ReceiveEmailDeps) {
  async function findMailbox(received: ReceivedMail) {
    const { mail } = received;
    const addresses = [
      ...received.recipients,
      ...mail.deliveredTo,
      ...mail.to.map((a) => a.address),
      ...mail.cc.map((a) => a.address),
    ];
    const seen = new Set<string>();
    for (const address of addresses) {
      const parsed = parseRecipient(address);
      if (!parsed || seen.has(parsed.mailbox)) continue;
      seen.add(parsed.mailbox);
      const tenantId = await deps.mailboxes.tenantFor(parsed.mailbox);
      if (tenantId) {
        const tags = addresses
          .map(parseRecipient)
          .filter((r) => r?.mailbox === parsed.mailbox && r.tag)
          .map((r) => r!.tag);
        return { tenantId, mailbox: parsed.mailbox, tags };
      }
    }
    return null;
  }

  async function keepAttachments(
    tenantId: string,
    messageKey: string,
    attachments: readonly MailAttachment[],
  ) {
    const kept: AttachmentMeta[] = [];
    let total = 0;
    for (const [index, attachment] of attachments.entries()) {
      const meta = {
        filename: attachment.filename,
        contentType: attachment.contentType,
        size: attachment.size,
        inline: attachment.inline,
      };
      if (attachment.size > deps.limits.maxAttachmentBytes) {
        kept.push({
          ...meta,
          key: null,
          dropped: `larger than ${deps.limits.maxAttachmentBytes / 1024 / 1024} MB`,
        });
        continue;
      }
      if (total + attachment.size > deps.limits.maxAttachmentBytesPerMail) {
        kept.push({
          ...meta,
          key: null,
          dropped: `the mail's attachments exceed ${deps.limits.maxAttachmentBytesPerMail / 1024 / 1024} MB`,
        });
        continue;
      }
      total += attachment.size;
      // Derived from the message, so a redelivery overwrites rather than duplicates.
      const safeName = attachment.filename.replace(/[^\w.-]+/g, '_').slice(-100) || 'attachment';
      const key = `${deps.attachmentsPrefix}${tenantId}/${messageKey}/${index}-${safeName}`;
      await deps.blobs.put(key, attachment.content, attachment.contentType);
      kept.push({ ...meta, key });
    }
    return kept;
  }

  return async function receiveEmail(received: ReceivedMail): Promise<IntakeOutcome> {
    const { mail } = received;
    const target = await findMailbox(received);
    if (!target) {
      return { outcome: 'dropped', tenantId: null, reason: 'no recipient is a registered support address' };
    }
    const { tenantId, mailbox } = target;
    if (received.virusVerdict === 'FAIL') {
      return { outcome: 'rejected', tenantId, reason: 'virus scan failed' };
    }
    const sender = (mail.from?.address ?? mail.returnPath ?? '').toLowerCase();
    const automated = automatedVerdict(mail);
    const messageId =
      mail.messageId ??
      `synthetic.${deps.digest(`${sender}\n${mail.date ?? ''}\n${mail.subject}\n${mail.text}`)}@deskless`;
    if (await deps.messages.isRecorded(tenantId, messageId)) {
      return { outcome: 'duplicate', tenantId, messageId };
    }
    const inboundMessage = { messageId };
    const caller: Caller = { tenantId, role: 'channel', keyId: 'email', actor: INTAKE_ACTOR };
    const ourAddresses = (address: string) => parseRecipient(address)?.mailbox === mailbox;

    // Known mail ids (ours and theirs), the signed reply address, the subject token.
    const knownMessages = await deps.messages.ticketsFor(tenantId, [
      ...candidateMessageIds(mail.inReplyTo, mail.references),
      ...(mail.bouncedMessageId ? [mail.bouncedMessageId] : []),
    ]);

    if (automated?.kind === 'bounce') {
      const number =
        (mail.bouncedMessageId && knownMessages.get(mail.bouncedMessageId)) ||
        decideThreadNumber(knownMessages, mail);
      const ticket = number ? await deps.tickets.get(tenantId, number) : null;
      if (!ticket)
        return {
          outcome: 'dropped',
          tenantId,
          reason: `bounce of a mail we do not know (${automated.reason})`,
        };
      const event = noteEvent(ticket, INTAKE_ACTOR, deps.clock.now(), deps.ids, {
        type: 'email_bounced',
        bouncedMessageId: mail.bouncedMessageId,
        from: sender || null,
        reason: automated.reason,
        rawKey: received.rawKey,
      });
      try {
        await deps.tickets.appendEvents([event], inboundMessage);
      } catch (error) {
        if (error instanceof DuplicateMessageError) return { outcome: 'duplicate', tenantId, messageId };
        throw error;
      }
      return { outcome: 'noted', tenantId, ticketNumber: ticket.number, reason: 'bounce' };
    }

    if (!sender) return { outcome: 'dropped', tenantId, reason: 'the mail has no sender address' };

    const signedReplyTo =
      target.tags.map((tag) => verifyReplyTag(deps.signer, tenantId, tag)).find((n) => n !== null) ?? null;
    // The subject token is the last resort: its ticket is read only when nothing stronger matched.
    const strongerMatch = signedReplyTo !== null || knownMessages.size > 0;
    const subjectNumber = strongerMatch ? null : subjectTicketNumber(mail.subject);
    const subjectTicket = subjectNumber === null ? null : await deps.tickets.get(tenantId, subjectNumber);
    const decision = decideThread({
      inReplyTo: mail.inReplyTo,
      references: mail.references,
      knownMessages,
      signedReplyTo,
      subject: subjectTicket
        ? {
            number: subjectTicket.number,
            allowedSenders: [subjectTicket.requester.email ?? '', ...subjectTicket.participants].filter(
              Boolean,
            ),
          }
        : null,
      sender,
    });

    const copied = [...mail.to, ...mail.cc]
      .map((a) => a.address)
      .filter((a) => !ourAddresses(a) && a !== sender);
    const messageKey = deps.digest(messageId).slice(0, 24);
    const email: EmailOrigin = {
      messageId,
      from: sender,
      to: mail.to.map((a) => a.address),
      cc: mail.cc.map((a) => a.address),
      subject: mail.subject,
      text: mail.text.slice(0, MAX_ORIGINAL_TEXT),
      html: mail.html !== null && mail.html.length <= MAX_ORIGINAL_HTML ? mail.html : null,
      rawKey: received.rawKey,
      automated: automated ? `${automated.kind}: ${automated.reason}` : null,
    };
    const body = mail.body.trim() || mail.text.trim() || '(no text)';

    try {
      if (decision.kind === 'existing' && (await deps.tickets.get(tenantId, decision.number))) {
        const attachments = await keepAttachments(tenantId, messageKey, mail.attachments);
        // An auto-reply to our mail is recorded, but as a note: it must not reopen the ticket or be answered.
        const result = automated
          ? await deps.addComment(
              caller,
              decision.number,
              { body, public: false, email, attachments },
              { inboundMessage },
            )
          : await deps.addComment(
              caller,
              decision.number,
              {
                body,
                public: true,
                email,
                attachments,
                author: { email: sender, name: mail.from?.name ?? undefined },
                participants: copied,
              },
              { channel: 'email', inboundMessage },
            );
        return {
          outcome: result.followUpOf === null ? 'commented' : 'follow_up',
          tenantId,
          ticketNumber: result.ticket.number,
          via: decision.via,
        };
      }

      if (!(await deps.rateLimiter.take(tenantId, sender, deps.clock.now()))) {
        await deps.rateLimiter.countHeld(tenantId, deps.clock.now());
        return { outcome: 'rate_limited', tenantId, sender };
      }
      const attachments = await keepAttachments(tenantId, messageKey, mail.attachments);
      const { ticket } = await deps.createTicket(
        caller,
        {
          subject: cleanSubject(mail.subject) || '(no subject)',
          comment: { body, public: true, email, attachments },
          requester: { email: sender, name: mail.from?.name ?? undefined },
          participants: copied,
          mailbox,
          spam: received.spamVerdict === 'FAIL',
          tags: automated ? ['automated'] : [],
        },
        { channel: 'email', inboundMessage },
      );
      return { outcome: 'created', tenantId, ticketNumber: ticket.number };
    } catch (error) {
      if (error instanceof DuplicateMessageError) return { outcome: 'duplicate', tenantId, messageId };
      throw error;
    }
  };
}

/** For a bounce without a usable original id: the first known id among its references. */
function decideThreadNumber(known: ReadonlyMap<string, number>, mail: ParsedMail): number | null {
  for (const id of candidateMessageIds(mail.inReplyTo, mail.references)) {
    const number = known.get(id);
    if (number !== undefined) return number;
  }
  return null;
}
