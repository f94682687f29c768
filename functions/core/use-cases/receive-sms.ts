import type { InboundChannel } from '../channels/channel.ts';
import { publicPath } from '../channels/manage.ts';
import {
  type FormPairs,
  type SmsMessage,
  smsSubject,
  smsText,
  twilioMediaAttachments,
  twilioSecretAllowed,
  twilioSignedPayload,
  twilioUrlVariants,
} from '../channels/sms.ts';
import { DomainError, notFound } from '../errors.ts';
import {
  type ChannelStore,
  type SecretReader,
  SecretUnavailableError,
  type TwilioSignatures,
} from '../ports.ts';
import type { ChannelIntakeResult, makeReceiveChannelMessage } from './channel-intake.ts';

export interface ReceiveSmsDeps {
  readonly channels: Pick<ChannelStore, 'find'>;
  readonly channelSecrets: SecretReader;
  readonly twilioSignatures: TwilioSignatures;
  /** The channels' intake: threading by conversation, replay by delivery id, attachments. */
  readonly receive: ReturnType<typeof makeReceiveChannelMessage>;
}

/** A Twilio webhook request as it reached the API. */
export interface TwilioRequest {
  /** The full URL Twilio called (core/channels/sms.ts `requestUrl`). */
  readonly url: string;
  /** `X-Twilio-Signature`. */
  readonly signature: string | undefined;
  /** The POST parameters, as sent. */
  readonly params: FormPairs;
}

/** The channel's auth token, or a 409 saying what to fix: reading it is the tenant's setup, not the sender's. */
async function authTokenOf(deps: ReceiveSmsDeps, channel: InboundChannel): Promise<string> {
  const name = channel.twilio!.authTokenSecret;
  if (!twilioSecretAllowed(channel.tenantId, name)) {
    throw new DomainError(
      'conflict',
      `channel ${channel.id}: its auth token secret must be a Secrets Manager secret named deskless/twilio/${channel.tenantId}/…`,
    );
  }
  try {
    return await deps.channelSecrets.read(name);
  } catch (error) {
    if (error instanceof SecretUnavailableError) {
      throw new DomainError('conflict', `channel ${channel.id}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * `POST /v1/channels/{id}/twilio`, Twilio's Messaging webhook. In this order, and nothing stored before all of
 * them pass: the channel exists (404) and is an sms_twilio channel (409 naming the right URL); the
 * `X-Twilio-Signature` signs the URL and parameters with the channel's auth token (403); the parameters are a
 * message (`parse` throws the HTTP layer's 400). Then the message goes through the channels' intake: threaded by
 * the sender's number onto the conversation's open ticket (a follow-up after it closed), its MessageSid recorded
 * in the same transaction so a retry of Twilio's stores nothing twice, MMS media kept as attachments.
 */
export function makeReceiveTwilioSms(deps: ReceiveSmsDeps) {
  return async function receiveTwilioSms(
    channelId: string,
    request: TwilioRequest,
    parse: (params: FormPairs) => SmsMessage,
  ): Promise<ChannelIntakeResult> {
    const channel = await deps.channels.find(channelId);
    if (!channel) throw notFound(`channel ${channelId}`);
    if (channel.type !== 'sms_twilio' || !channel.twilio) {
      throw new DomainError(
        'conflict',
        `channel ${channel.id} is a ${channel.type} channel: it takes messages at ${publicPath(channel)}, not from Twilio`,
      );
    }
    const signature = request.signature?.trim();
    if (!signature) throw new DomainError('forbidden', 'the request has no X-Twilio-Signature header');
    const authToken = await authTokenOf(deps, channel);
    const signed = twilioUrlVariants(request.url).some((url) =>
      deps.twilioSignatures.matches(authToken, twilioSignedPayload(url, request.params), signature),
    );
    if (!signed) {
      throw new DomainError(
        'forbidden',
        `X-Twilio-Signature does not match ${request.url} and its parameters signed with the channel's auth token`,
      );
    }

    const message = parse(request.params);
    return deps.receive(
      channel,
      {
        conversationId: message.from,
        from: { id: message.from, phone: message.from },
        subject: smsSubject(message),
        text: smsText(message),
        attachments: twilioMediaAttachments(message.media),
      },
      { deliveryId: message.messageSid, ticketChannel: 'sms' },
    );
  };
}
