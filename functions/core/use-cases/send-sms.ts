import type { InboundChannel } from '../channels/channel.ts';
import { splitSmsBody, twilioSecretAllowed } from '../channels/sms.ts';
import type { Actor, Ticket, TimelineEvent } from '../model.ts';
import {
  type ChannelStore,
  type Clock,
  type Ids,
  type SecretReader,
  SecretUnavailableError,
  type SmsDeliveryStore,
  SmsOutcomeUnknownError,
  type SmsPartKey,
  SmsRejectedError,
  type SmsSender,
  type TicketStore,
} from '../ports.ts';
import { noteEvent } from '../tickets.ts';

export interface SendSmsDeps {
  readonly tickets: Pick<TicketStore, 'get' | 'event' | 'appendEvents'>;
  readonly channels: Pick<ChannelStore, 'get'>;
  readonly secrets: SecretReader;
  readonly sender: SmsSender;
  readonly deliveries: SmsDeliveryStore;
  readonly clock: Clock;
  readonly ids: Ids;
  /** Waits between the attempts at marking a sent part (MARKER_RETRY_DELAYS_MS unless a test says otherwise). */
  readonly markerRetryDelaysMs?: readonly number[] | undefined;
}

/** A sent part's marker write is tried again after these pauses before the delivery gives up (claim kept). */
export const MARKER_RETRY_DELAYS_MS: readonly number[] = [100, 400, 1_000];

export type SmsOutcome =
  | { readonly outcome: 'sent'; readonly to: string; readonly sids: readonly string[] }
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'already_sent' }
  | { readonly outcome: 'rejected'; readonly to: string; readonly error: string };

/** Sending a part failed in a way worth retrying (Twilio 5xx, a timeout); the queue delivers the event again. */
export class SmsRetryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmsRetryError';
  }
}

const SENDER: Actor = { type: 'system', id: 'sms' };

/**
 * A claimed part whose worker has not finished after this long is taken over: longer than the Twilio call's
 * timeout and the smsOut function's own timeout, so a live worker never loses its claim.
 */
export const SMS_CLAIM_LEASE_MS = 2 * 60_000;

export type SmsPlan =
  | {
      readonly send: {
        readonly to: string;
        readonly channelId: string;
        readonly body: string;
      };
    }
  | { readonly skip: string };

/**
 * Which timeline events go out as SMS: public comments by an agent (or a public comment the system writes, such as
 * a rule's macro reply) on a ticket whose conversation is a Twilio SMS thread. The customer's own messages are
 * never echoed, internal notes stay internal, spam is never answered.
 */
export function planSms(ticket: Ticket, event: TimelineEvent): SmsPlan {
  const { data } = event;
  if (data.type !== 'comment') return { skip: 'not a comment' };
  if (!data.public) return { skip: 'internal notes stay internal' };
  if (event.actor.type === 'customer') return { skip: 'customer messages are not echoed' };
  const conversation = ticket.conversation;
  if (ticket.channel !== 'sms' || conversation?.channelType !== 'sms_twilio') {
    return { skip: 'the ticket is not an SMS conversation' };
  }
  if (ticket.spam) return { skip: 'spam is never answered' };
  const to = conversation.conversationId || ticket.requester.phone;
  if (!to) return { skip: 'the conversation has no phone number' };
  if (!data.body.trim()) return { skip: 'the comment is empty' };
  return { send: { to, channelId: conversation.channelId, body: data.body } };
}

/**
 * Sends the SMS a public reply calls for, exactly once per message part: each part is claimed (a conditional
 * write keyed by the comment's event id) before it goes to Twilio and marked with Twilio's sid after, so a
 * redelivered event sends nothing twice and a reply cut short by a failure resumes at the part that failed.
 * Twilio refusing the message (4xx) is final: an `sms_failed` event says why, and nothing is retried; so is an
 * unknown outcome (no answer after the request went out), since sending again could send it twice. A 5xx or a
 * connection that never reached Twilio releases the claim and throws SmsRetryError, for the queue to deliver the
 * event again. Once Twilio took a part its claim is never released: a marker write that keeps failing leaves it
 * claimed (busy) until the lease runs out.
 */
export function makeSendSms(deps: SendSmsDeps) {
  async function note(ticket: Ticket, data: Parameters<typeof noteEvent>[4]) {
    await deps.tickets.appendEvents([noteEvent(ticket, SENDER, deps.clock.now(), deps.ids, data)]);
  }

  async function authTokenOf(channel: InboundChannel): Promise<string | { error: string }> {
    const name = channel.twilio!.authTokenSecret;
    if (!twilioSecretAllowed(channel.tenantId, name)) {
      return {
        error: `the channel's auth token secret "${name}" is not under deskless/twilio/${channel.tenantId}/`,
      };
    }
    try {
      return await deps.secrets.read(name);
    } catch (error) {
      if (error instanceof SecretUnavailableError) return { error: error.message };
      throw error;
    }
  }

  const retryDelays = deps.markerRetryDelaysMs ?? MARKER_RETRY_DELAYS_MS;

  /**
   * Records Twilio's sid on the part's marker, retrying a failed write. When it keeps failing the claim stays as
   * it is (busy until its lease runs out), so a redelivery meanwhile sends nothing.
   */
  async function markSent(key: SmsPartKey, sid: string, what: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await deps.deliveries.sent(key, sid, deps.clock.now());
        return;
      } catch (error) {
        const delay = retryDelays[attempt];
        if (delay === undefined) {
          const message = error instanceof Error ? error.message : String(error);
          throw new SmsRetryError(`${what} was sent (${sid}) but could not be marked sent: ${message}`, {
            cause: error,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  return async function sendSmsFor(
    tenantId: string,
    ticketNumber: number,
    eventId: string,
    attempt: number,
  ): Promise<SmsOutcome> {
    const [ticket, event] = await Promise.all([
      deps.tickets.get(tenantId, ticketNumber),
      deps.tickets.event(tenantId, ticketNumber, eventId),
    ]);
    if (!ticket || !event) return { outcome: 'skipped', reason: 'the ticket or event does not exist' };
    const plan = planSms(ticket, event);
    if ('skip' in plan) return { outcome: 'skipped', reason: plan.skip };
    const { to } = plan.send;

    const channel = await deps.channels.get(tenantId, plan.send.channelId);
    if (!channel?.twilio) {
      return { outcome: 'skipped', reason: `channel ${plan.send.channelId} no longer sends SMS` };
    }
    const parts = splitSmsBody(plan.send.body);
    const keyOf = (part: number) => ({ tenantId, eventId, part });

    // Parts already settled by an earlier delivery are not sent again; the first unsettled one is claimed.
    const sids: string[] = [];
    let sentNow = 0;
    let authToken: string | undefined;
    for (const [index, body] of parts.entries()) {
      const claim = await deps.deliveries.claim(keyOf(index), deps.clock.now(), SMS_CLAIM_LEASE_MS);
      if (claim.state === 'sent') {
        sids.push(claim.sid);
        continue;
      }
      if (claim.state === 'rejected') return { outcome: 'rejected', to, error: claim.error };
      if (claim.state === 'busy')
        throw new SmsRetryError(`part ${index + 1} of ${parts.length} is being sent`);

      if (authToken === undefined) {
        const token = await authTokenOf(channel);
        if (typeof token !== 'string') {
          // A setup problem (no such secret, a name outside the tenant's prefix): retrying would not help.
          await deps.deliveries.rejected(keyOf(index), token.error, deps.clock.now());
          await note(ticket, {
            type: 'sms_failed',
            to,
            error: token.error,
            status: null,
            attempt,
            retrying: false,
            forEvent: event.id,
          });
          return { outcome: 'rejected', to, error: token.error };
        }
        authToken = token;
      }

      let sid: string;
      try {
        ({ sid } = await deps.sender.send({
          accountSid: channel.twilio.accountSid,
          authToken,
          from: channel.twilio.fromNumber,
          to,
          body,
        }));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof SmsRejectedError || error instanceof SmsOutcomeUnknownError) {
          // Final: refused, or maybe sent (Twilio's answer was lost). The claim is settled, never released, so
          // no later delivery sends the part (again).
          const reason =
            error instanceof SmsRejectedError
              ? message
              : `${message}; the message may have been delivered, so it is not sent again`;
          await deps.deliveries.rejected(keyOf(index), reason, deps.clock.now());
          await note(ticket, {
            type: 'sms_failed',
            to,
            error: reason,
            status: error instanceof SmsRejectedError ? error.status : null,
            attempt,
            retrying: false,
            forEvent: event.id,
          });
          return { outcome: 'rejected', to, error: reason };
        }
        // Twilio answered that it did not take the message (5xx, 429), or it was never reached: safe to resend.
        await deps.deliveries.release(keyOf(index), claim.token);
        const status = (error as { status?: unknown }).status;
        await note(ticket, {
          type: 'sms_failed',
          to,
          error: message,
          status: typeof status === 'number' ? status : null,
          attempt,
          retrying: true,
          forEvent: event.id,
        });
        throw new SmsRetryError(`sending part ${index + 1} of ${parts.length} failed: ${message}`, {
          cause: error,
        });
      }
      // Twilio has the part: from here on the claim is never released, whatever fails, so it is not sent twice.
      await markSent(keyOf(index), sid, `part ${index + 1} of ${parts.length}`);
      sids.push(sid);
      sentNow++;
    }
    if (sentNow === 0) return { outcome: 'already_sent' };
    await note(ticket, { type: 'sms_sent', to, from: channel.twilio.fromNumber, sids, forEvent: event.id });
    return { outcome: 'sent', to, sids };
  };
}
