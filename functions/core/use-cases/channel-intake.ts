import { mail } from '../../topology.ts';
import { keepLinkedAttachments, type LinkedAttachment } from '../channels/attachments.ts';
import type { ConversationRef, InboundChannel } from '../channels/channel.ts';
import { liveSecrets } from '../channels/manage.ts';
import { type SignatureVerdict, type SignedDelivery, verifySignature } from '../channels/signature.ts';
import type { ChatIntake, ChatIntakeResult } from '../chat/ports.ts';
import { normalizeEmail, normalizePhone } from '../customers.ts';
import { ConcurrentModificationError, DomainError, invalid, notFound } from '../errors.ts';
import type { Actor, Channel } from '../model.ts';
import {
  type BlobStore,
  type ChannelCrypto,
  type ChannelStore,
  type Clock,
  ConversationClaimedError,
  type CustomerStore,
  type CustomerUpsert,
  DuplicateMessageError,
  type Ids,
  type MailboxStore,
  type MessageStore,
  type RemoteFiles,
  type SenderRateLimiter,
  type TicketStore,
} from '../ports.ts';
import { addComment, type Change, noteEvent, openFollowUp, openTicket } from '../tickets.ts';

/**
 * Messages arriving through a tenant's channels (core/channels): a generic signed webhook, Twilio SMS, a web
 * form. One message is one ticket change, stored exactly once: the provider's delivery id is recorded in the
 * same transaction (a second delivery changes nothing and answers with the same ticket), and a thread's
 * messages (same channel, same conversation id) land on one ticket through its CONV lookup item, which the
 * creating transaction writes. A message to a thread whose ticket is closed opens a follow-up and moves the
 * thread to it, as a customer's email to a closed ticket does.
 */

/** A message as every channel hands it over, whatever the provider's format. */
export interface ChannelMessage {
  /** The provider's thread id (a chat conversation, a phone number for SMS, a form submission). */
  readonly conversationId: string;
  readonly from: {
    /** The sender's id at the provider; informational. */
    readonly id?: string | undefined;
    readonly name?: string | undefined;
    readonly email?: string | undefined;
    readonly phone?: string | undefined;
  };
  readonly text: string;
  /** The new ticket's subject; the text's first line when absent. */
  readonly subject?: string | undefined;
  readonly attachments?: readonly LinkedAttachment[] | undefined;
  /** When the sender says it was sent; informational (the timeline records when it was stored). */
  readonly sentAt?: string | undefined;
}

export interface DeliveryOptions {
  /** The provider's id of this delivery (`webhook-id`, Twilio's MessageSid): it is taken in once only. */
  readonly deliveryId: string;
  /** The channel the tickets show: 'webhook', 'sms', 'web_form'. */
  readonly ticketChannel: Channel;
  /** False for a web form: every submission is a ticket of its own, never threaded. */
  readonly thread?: boolean | undefined;
  /** The support address a new ticket is answered from by email (a web form's); none for other channels. */
  readonly mailbox?: string | null | undefined;
}

export type ChannelOutcome = 'created' | 'commented' | 'follow_up' | 'duplicate';

export interface ChannelIntakeResult {
  readonly ticket: number;
  readonly outcome: ChannelOutcome;
}

export interface ChannelIntakeDeps {
  readonly tickets: TicketStore;
  readonly customers: CustomerStore;
  readonly channels: ChannelStore;
  readonly messages: MessageStore;
  readonly blobs: BlobStore;
  readonly remoteFiles: RemoteFiles;
  readonly channelCrypto: ChannelCrypto;
  readonly clock: Clock;
  readonly ids: Ids;
  /** A web form's tickets are answered by email from the tenant's support address, when it has one. */
  readonly mailboxes: Pick<MailboxStore, 'list'>;
}

/** Attempts before a thread that keeps changing under us gives up with 409 (the sender retries). */
const MAX_ATTEMPTS = 4;
const MAX_SUBJECT_CHARS = 120;

/**
 * The key that records a delivery: per channel, per id, in the channel key space (`namespace: 'channel'`), apart
 * from the email Message-IDs — a mail sender chooses its Message-ID and References, so in their space a crafted
 * mail could claim a delivery before it arrives, or be threaded onto its ticket.
 */
export function deliveryKey(crypto: ChannelCrypto, channelId: string, deliveryId: string): string {
  // Hashed: provider ids can be long and contain any character.
  return `${crypto.digest(deliveryId)}@${channelId}.channel`;
}

/** The once-only record of a delivery, as the ticket and conversation writes take it. */
export function deliveryMessage(
  crypto: ChannelCrypto,
  channelId: string,
  deliveryId: string,
): { readonly messageId: string; readonly namespace: 'channel' } {
  return { messageId: deliveryKey(crypto, channelId, deliveryId), namespace: 'channel' };
}

function subjectOf(message: ChannelMessage): string {
  const given = message.subject?.trim();
  if (given) return given.slice(0, MAX_SUBJECT_CHARS);
  const firstLine = message.text.trim().split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (!firstLine) return '(no subject)';
  return firstLine.length > MAX_SUBJECT_CHARS ? `${firstLine.slice(0, MAX_SUBJECT_CHARS - 1)}…` : firstLine;
}

function senderIdentity(from: ChannelMessage['from']): { email: string | null; phone: string | null } {
  const email = from.email ? normalizeEmail(from.email) : null;
  let phone: string | null = null;
  if (from.phone) {
    phone = normalizePhone(from.phone);
    if (!phone) throw invalid('from.phone', 'must be an E.164 phone number, e.g. +14155550123');
  }
  if (!email && !phone) throw invalid('from', 'needs an email or a phone');
  return { email, phone };
}

/** The internal note listing the linked files that were not kept, and why. */
function refusedNote(refused: readonly { name: string; url: string; reason: string }[]): string {
  const lines = refused.map((r) => `- ${r.name} (${r.url}): ${r.reason}`);
  return `${refused.length === 1 ? 'An attachment' : `${refused.length} attachments`} of this message could not be kept:\n${lines.join('\n')}`;
}

export function makeReceiveChannelMessage(deps: ChannelIntakeDeps) {
  async function deliveredTo(tenantId: string, key: string): Promise<number | null> {
    return (await deps.messages.ticketsFor(tenantId, [key], { namespace: 'channel' })).get(key) ?? null;
  }

  return async function receiveChannelMessage(
    channel: InboundChannel,
    message: ChannelMessage,
    options: DeliveryOptions,
  ): Promise<ChannelIntakeResult> {
    const { tenantId } = channel;
    const inboundMessage = deliveryMessage(deps.channelCrypto, channel.id, options.deliveryId);
    const key = inboundMessage.messageId;
    const thread = options.thread ?? true;
    const threadTicket = () =>
      thread ? deps.channels.conversationTicket(tenantId, channel.id, message.conversationId) : null;
    // The replay check, the sender's profile and the thread's ticket are independent reads: issued together,
    // so a channel message waits on one round trip for them, as an API create does for its own reads.
    const [replayed, customer, firstThreadTicket]: [number | null, CustomerUpsert, number | null] =
      await Promise.all([
        deliveredTo(tenantId, key),
        deps.customers.identify(tenantId, senderIdentity(message.from), message.from.name?.trim() || null),
        threadTicket(),
      ]);
    if (replayed !== null) return { ticket: replayed, outcome: 'duplicate' };
    const author: Actor = {
      type: 'customer',
      id: customer.ref.id,
      name: customer.ref.name,
      email: customer.ref.email,
    };
    const channelActor: Actor = { type: 'system', id: `channel:${channel.id}`, name: channel.name };
    const ref: ConversationRef = {
      channelId: channel.id,
      channelType: channel.type,
      conversationId: message.conversationId,
    };
    // Kept once, before the write: the keys derive from the delivery, so a retried attempt rewrites the same files.
    const { attachments, refused } = await keepLinkedAttachments(
      { files: deps.remoteFiles, blobs: deps.blobs },
      `${mail.attachmentsPrefix}${tenantId}/${channel.id}/${deps.channelCrypto.digest(options.deliveryId)}/`,
      message.attachments ?? [],
    );
    const comment = {
      body: message.text,
      public: true,
      ...(attachments.length > 0 && { attachments }),
    };
    const withNote = (change: Change, now: string): Change =>
      refused.length === 0
        ? change
        : {
            ticket: change.ticket,
            events: [
              ...change.events,
              noteEvent(change.ticket, channelActor, now, deps.ids, {
                type: 'comment',
                body: refusedNote(refused),
                public: false,
              }),
            ],
          };

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = attempt === 1 ? firstThreadTicket : await threadTicket();
      const ticket = current === null ? null : await deps.tickets.get(tenantId, current);
      const now = deps.clock.now();
      try {
        if (ticket && ticket.status !== 'closed') {
          const change = withNote(addComment(ticket, comment, author, now, deps.ids), now);
          await deps.tickets.save(change, ticket.version, { customer, inboundMessage });
          return { ticket: ticket.number, outcome: 'commented' };
        }
        const number = await deps.tickets.nextNumber(tenantId);
        if (ticket) {
          const { change, link } = openFollowUp(
            ticket,
            {
              number,
              comment,
              requester: customer.ref,
              channel: options.ticketChannel,
              conversation: ref,
            },
            author,
            now,
            deps.ids,
          );
          await deps.tickets.create({
            change: withNote(change, now),
            requester: customer,
            followUpOf: { change: link, expectedVersion: ticket.version },
            inboundMessage,
            conversation: { ref, previous: ticket.number },
          });
          return { ticket: number, outcome: 'follow_up' };
        }
        const change = openTicket(
          {
            tenantId,
            number,
            subject: subjectOf(message),
            comment,
            requester: customer.ref,
            channel: options.ticketChannel,
            conversation: ref,
            tags: channel.tags,
            group: channel.group,
            mailbox: options.mailbox ?? null,
          },
          channelActor,
          now,
          deps.ids,
        );
        await deps.tickets.create({
          change: withNote(change, now),
          requester: customer,
          references: { group: channel.group ?? undefined },
          inboundMessage,
          // A thread whose ticket is gone starts over; a web form submission claims no thread.
          conversation: thread ? { ref, previous: current } : undefined,
        });
        return { ticket: number, outcome: 'created' };
      } catch (error) {
        if (error instanceof DuplicateMessageError) {
          // The same delivery, racing this one, was stored first.
          const number = await deliveredTo(tenantId, key);
          if (number !== null) return { ticket: number, outcome: 'duplicate' };
        }
        // Another message of the thread (or a change of its ticket) came first: read the thread again.
        if (error instanceof ConversationClaimedError || error instanceof ConcurrentModificationError)
          continue;
        throw error;
      }
    }
    throw new DomainError(
      'conflict',
      `conversation ${message.conversationId} is receiving other messages right now; retry`,
    );
  };
}

/** Why a signed delivery was refused: the HTTP layer answers 401 with `detail`. */
export class SignatureRejectedError extends Error {
  constructor(readonly verdict: Extract<SignatureVerdict, { ok: false }>) {
    super(verdict.detail);
    this.name = 'SignatureRejectedError';
  }
}

/** A chat message's text: linked files are not fetched for a conversation, their links are kept in the text. */
function chatText(message: ChannelMessage): string {
  const links = (message.attachments ?? []).map((a) => `[attachment] ${a.filename ?? 'file'}: ${a.url}`);
  return [message.text, ...links].join('\n');
}

/** Where each channel type takes its messages, for the 409 that points a misdirected sender there. */
const WRONG_ROUTE: Record<Exclude<InboundChannel['type'], 'webhook'>, (id: string) => string> = {
  sms_twilio: (id) =>
    `channel ${id} is an sms_twilio channel: Twilio posts its messages to /v1/channels/${id}/twilio`,
  web_form: (id) => `channel ${id} is a web_form channel: its form posts to /v1/forms/${id}`,
  chat: (id) =>
    `chat channels do not take messages yet: channel ${id} is a chat channel, and chat conversations are not available in this deployment`,
};

/**
 * `POST /v1/channels/{id}/messages`: finds the channel (any tenant: the URL has only its id), checks the type,
 * verifies the Standard Webhooks signature against the raw body (its bytes as they arrived) with the injected
 * clock, then parses the body (`parse` decodes and checks it, throwing the HTTP layer's 400) and takes the
 * message in. Nothing is stored before every check passed.
 */
export function makeReceiveWebhook(
  deps: Pick<ChannelIntakeDeps, 'channels' | 'clock' | 'channelCrypto'> & {
    readonly receive: ReturnType<typeof makeReceiveChannelMessage>;
    /** Chat channels' messages go to their conversations (core/chat); without it they are refused (409). */
    readonly chat?: ChatIntake | undefined;
  },
) {
  return async function receiveWebhook<Body extends Uint8Array | string>(
    channelId: string,
    delivery: SignedDelivery,
    rawBody: Body,
    parse: (rawBody: Body) => ChannelMessage,
  ): Promise<ChannelIntakeResult | ChatIntakeResult> {
    const channel = await deps.channels.find(channelId);
    if (!channel) throw notFound(`channel ${channelId}`);
    if (channel.type === 'sms_twilio' || channel.type === 'web_form') {
      throw new DomainError('conflict', WRONG_ROUTE[channel.type](channel.id));
    }
    const now = deps.clock.now();
    const verdict = await verifySignature(delivery, rawBody, liveSecrets(channel, now), now);
    if (!verdict.ok) throw new SignatureRejectedError(verdict);
    const message = parse(rawBody);
    if (channel.type === 'chat') {
      if (!deps.chat) throw new DomainError('conflict', WRONG_ROUTE.chat(channel.id));
      // The same replay key as a webhook message: the chat intake writes it with the conversation's change.
      return deps.chat.receive(channel, {
        conversationId: message.conversationId,
        from: message.from,
        text: chatText(message),
        inboundMessage: deliveryMessage(deps.channelCrypto, channel.id, verdict.id),
      });
    }
    return deps.receive(channel, message, { deliveryId: verdict.id, ticketChannel: 'webhook' });
  };
}

/** A web form submission (after the HTTP contract's checks). `website` is the honeypot field. */
export interface WebFormSubmission {
  readonly name?: string | undefined;
  readonly email: string;
  readonly subject?: string | undefined;
  readonly message: string;
  readonly website?: string | undefined;
}

export type WebFormResult =
  | { readonly outcome: 'created'; readonly ticket: number; readonly repliesByEmail: boolean }
  | { readonly outcome: 'honeypot'; readonly repliesByEmail: boolean }
  | { readonly outcome: 'rate_limited'; readonly retryAfterSeconds: number };

/**
 * The support address a web form's tickets are answered from: the tenant's first mailbox (the oldest), so
 * agents' public replies are mailed to the customer from it with the signed reply address, and the customer's
 * answer threads back by email. Null when the tenant has no mailbox: then nobody is promised an email reply.
 */
async function formMailbox(mailboxes: Pick<MailboxStore, 'list'>, tenantId: string): Promise<string | null> {
  const all = await mailboxes.list(tenantId);
  const [first] = [...all].sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.address.localeCompare(b.address),
  );
  return first?.address ?? null;
}

/**
 * `POST /v1/forms/{id}`: a filled honeypot is answered as a success and stores nothing; then one token per
 * submission from the client's IP address (the channel's `perIpPerHour`, a bucket that refills by the hour);
 * then a new ticket, never threaded.
 */
export function makeSubmitWebForm(
  deps: Pick<ChannelIntakeDeps, 'channels' | 'clock' | 'ids' | 'mailboxes'> & {
    readonly rateLimiter: SenderRateLimiter;
    readonly receive: ReturnType<typeof makeReceiveChannelMessage>;
  },
) {
  return async function submitWebForm(
    channelId: string,
    submission: WebFormSubmission,
    clientIp: string,
  ): Promise<WebFormResult> {
    const channel = await findForm(deps.channels, channelId);
    // Looked up for a bot too: its thank-you page must be the one a person gets.
    const mailbox = await formMailbox(deps.mailboxes, channel.tenantId);
    const repliesByEmail = mailbox !== null;
    if (submission.website?.trim()) return { outcome: 'honeypot', repliesByEmail };
    const perHour = channel.webForm?.perIpPerHour ?? 10;
    const taken = await deps.rateLimiter.take(
      channel.tenantId,
      `form#${channel.id}#${clientIp}`,
      deps.clock.now(),
      {
        burst: perHour,
        perHour,
      },
    );
    if (!taken) {
      await deps.rateLimiter.countHeld(channel.tenantId, deps.clock.now());
      // The bucket is empty: the next token is at most this far away.
      return { outcome: 'rate_limited', retryAfterSeconds: Math.ceil(3600 / perHour) };
    }
    const submissionId = `form_${deps.ids.next()}`;
    const result = await deps.receive(
      channel,
      {
        conversationId: submissionId,
        from: { name: submission.name, email: submission.email },
        subject: submission.subject,
        text: submission.message,
      },
      { deliveryId: submissionId, ticketChannel: 'web_form', thread: false, mailbox },
    );
    return { outcome: 'created', ticket: result.ticket, repliesByEmail };
  };
}

async function findForm(channels: ChannelStore, channelId: string): Promise<InboundChannel> {
  const channel = await channels.find(channelId);
  // A form that is not one (or is gone) is a 404 to strangers: the URL reveals nothing else.
  if (channel?.type !== 'web_form') throw notFound(`form ${channelId}`);
  return channel;
}

/** `GET /v1/forms/{id}`: the form's channel, and whether its tickets are answered by email, for its page. */
export function makeGetWebForm(deps: Pick<ChannelIntakeDeps, 'channels' | 'mailboxes'>) {
  return async (channelId: string): Promise<{ channel: InboundChannel; repliesByEmail: boolean }> => {
    const channel = await findForm(deps.channels, channelId);
    return { channel, repliesByEmail: (await formMailbox(deps.mailboxes, channel.tenantId)) !== null };
  };
}
