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
  type RemoteFiles,
  type SecretReader,
  SecretUnavailableError,
  type TwilioSignatures,
} from '../ports.ts';
import {
  type ChannelIntakeDeps,
  type ChannelIntakeResult,
  makeReceiveChannelMessage,
} from './channel-intake.ts';

export interface ReceiveSmsDeps extends ChannelIntakeDeps {
  readonly channelSecrets: SecretReader;
  readonly twilioSignatures: TwilioSignatures;
}

/** What the public webhook answers when a channel's token cannot be had: nothing about the tenant's setup. */
export const TWILIO_NOT_CONFIGURED = "this channel's Twilio credentials are not configured";

/**
 * 409 to Twilio (and anyone posting to the public URL) with a generic message; `detail` (the secret's name, the
 * AWS error) is for the deployment's logs and the tenant's admins, never for the caller.
 */
export class TwilioSetupError extends DomainError {
  constructor(
    readonly channelId: string,
    readonly tenantId: string,
    readonly detail: string,
  ) {
    super('conflict', TWILIO_NOT_CONFIGURED);
  }
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

/** The channel's auth token (`fresh`: not from the cache), or TwilioSetupError: the tenant's setup, not the sender's. */
async function authTokenOf(deps: ReceiveSmsDeps, channel: InboundChannel, fresh = false): Promise<string> {
  const name = channel.twilio!.authTokenSecret;
  if (!twilioSecretAllowed(channel.tenantId, name)) {
    throw new TwilioSetupError(
      channel.id,
      channel.tenantId,
      `its auth token secret must be a Secrets Manager secret named deskless/twilio/${channel.tenantId}/…`,
    );
  }
  try {
    return await deps.channelSecrets.read(name, fresh ? { fresh } : undefined);
  } catch (error) {
    if (error instanceof SecretUnavailableError) {
      throw new TwilioSetupError(channel.id, channel.tenantId, error.message);
    }
    throw error;
  }
}

/**
 * `POST /v1/channels/{id}/twilio`, Twilio's Messaging webhook. In this order, and nothing stored before all of
 * them pass: the channel exists (404) and is an sms_twilio channel (409 naming the right URL); the
 * channel's auth token can be read (a generic 409, TwilioSetupError); the `X-Twilio-Signature` signs the URL and
 * parameters with that token, or with the token read again past the cache after a rotation (403); the parameters are a
 * message (`parse` throws the HTTP layer's 400). Then the message goes through the channels' intake: threaded by
 * the sender's number onto the conversation's open ticket (a follow-up after it closed), its MessageSid recorded
 * in the same transaction so a retry of Twilio's stores nothing twice, MMS media kept as attachments (fetched
 * with the channel's credentials).
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
    const signedWith = (token: string) =>
      twilioUrlVariants(request.url).some((url) =>
        deps.twilioSignatures.matches(token, twilioSignedPayload(url, request.params), signature),
      );
    let authToken = await authTokenOf(deps, channel);
    let signed = signedWith(authToken);
    if (!signed) {
      // The token may just have been rotated (and Twilio does not retry a 4xx): read it once more, uncached.
      const current = await authTokenOf(deps, channel, true);
      if (current !== authToken) {
        authToken = current;
        signed = signedWith(current);
      }
    }
    if (!signed) {
      throw new DomainError(
        'forbidden',
        `X-Twilio-Signature does not match ${request.url} and its parameters signed with the channel's auth token`,
      );
    }

    const message = parse(request.params);
    // MMS media are served by Twilio's API behind the account's basic auth: this channel's credentials go with
    // them (the adapter sends them only to this account's media URLs, never to where they redirect).
    const twilio = { accountSid: channel.twilio.accountSid, authToken };
    const remoteFiles: RemoteFiles = {
      fetch: (url, limits, options) => deps.remoteFiles.fetch(url, limits, { ...options, twilio }),
    };
    return makeReceiveChannelMessage({ ...deps, remoteFiles })(
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
