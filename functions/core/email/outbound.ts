import type { OutboundKind, Ticket, TimelineEvent } from '../model.ts';
import { outboundSubject, type ReplySigner, replyAddress } from './addresses.ts';

/** A tenant's email settings. */
export interface EmailSettings {
  readonly acknowledgement: {
    readonly enabled: boolean;
    /** Placeholders: {{ticket.number}}, {{ticket.subject}}, {{requester.name}}. */
    readonly subject: string;
    readonly body: string;
  };
}

export const DEFAULT_EMAIL_SETTINGS: EmailSettings = {
  acknowledgement: {
    enabled: true,
    subject: '[#{{ticket.number}}] {{ticket.subject}}',
    body:
      'Hello {{requester.name}},\n\nThank you for writing to us. Your request has been received as ticket ' +
      '#{{ticket.number}}, and we will get back to you as soon as we can.\n\nTo add anything, simply reply ' +
      'to this message.',
  },
};

/** A mail to send, fully decided: the adapter only renders it as MIME and hands it to SES. */
export interface OutboundMail {
  readonly kind: OutboundKind;
  readonly from: string;
  readonly replyTo: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  readonly text: string;
  /** Without angle brackets. Derived from the event, so a redelivered event sends the same Message-ID. */
  readonly messageId: string;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  /** RFC 3834: set on automatic mail, so well-behaved auto-responders do not answer it. */
  readonly autoSubmitted: boolean;
}

export type OutboundDecision = { readonly send: OutboundMail } | { readonly skip: string };

function render(template: string, ticket: Ticket): string {
  return template
    .replaceAll('{{ticket.number}}', String(ticket.number))
    .replaceAll('{{ticket.subject}}', ticket.subject)
    .replaceAll('{{requester.name}}', ticket.requester.name ?? 'there');
}

/**
 * What every mail on a ticket's conversation shares: sent from its mailbox with the signed reply address, a
 * Message-ID derived from the event it is sent for (a redelivered event sends the same one), and the thread's
 * In-Reply-To and References.
 */
export function conversationEnvelope(
  ticket: Ticket,
  mailbox: string,
  event: TimelineEvent,
  threadIds: readonly string[],
  signer: ReplySigner,
) {
  const domain = mailbox.split('@')[1]!;
  return {
    from: mailbox,
    replyTo: replyAddress(signer, ticket.tenantId, mailbox, ticket.number),
    messageId: `${event.id.toLowerCase()}.${ticket.number}@${domain}`,
    inReplyTo: threadIds.at(-1) ?? null,
    references: threadIds.slice(-20),
  };
}

export interface OutboundContext {
  readonly event: TimelineEvent;
  readonly ticket: Ticket;
  readonly settings: EmailSettings;
  /** Message-IDs of the conversation so far, oldest first (inbound and sent). */
  readonly threadIds: readonly string[];
  readonly signer: ReplySigner;
}

/**
 * Which timeline events send mail: the first comment of a ticket that came by email gets an acknowledgement
 * (unless the tenant turned it off or the mail was automatic), and every public agent comment on an email
 * conversation goes to the requester with the participants in copy. Everything else sends nothing.
 */
export function planOutbound(context: OutboundContext): OutboundDecision {
  const { event, ticket, settings, threadIds, signer } = context;
  const { data } = event;
  if (data.type !== 'comment') return { skip: 'not a comment' };
  if (!ticket.mailbox) return { skip: 'the ticket is not an email conversation' };
  if (!ticket.requester.email) return { skip: 'the requester has no email address' };
  if (ticket.spam) return { skip: 'spam is never answered' };
  const common = conversationEnvelope(ticket, ticket.mailbox, event, threadIds, signer);

  if (event.actor.type === 'customer') {
    // The comment written with the ticket (version 1) is the one that opened it.
    const opensTicket = data.email !== undefined && event.ticket.version === 1;
    if (!opensTicket) return { skip: 'customer comments are not echoed' };
    if (!settings.acknowledgement.enabled) return { skip: 'acknowledgements are off for this tenant' };
    if (data.email?.automated) return { skip: `automatic mail is never answered (${data.email.automated})` };
    return {
      send: {
        ...common,
        kind: 'acknowledgement',
        to: [ticket.requester.email],
        cc: [],
        subject: render(settings.acknowledgement.subject, ticket),
        text: render(settings.acknowledgement.body, ticket),
        autoSubmitted: true,
      },
    };
  }

  if (!data.public) return { skip: 'internal notes stay internal' };
  return {
    send: {
      ...common,
      kind: 'reply',
      to: [ticket.requester.email],
      cc: ticket.participants,
      subject: outboundSubject(ticket.subject, ticket.number, true),
      text: data.body,
      // Public comments the system writes (a rule's macro reply, a pending reminder) are automatic mail.
      autoSubmitted: event.actor.type !== 'agent',
    },
  };
}
