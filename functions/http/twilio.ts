import { IdParam, TwilioMessageForm } from '../contracts/api.ts';
import { EMPTY_TWIML, type FormPairs, parseForm, requestUrl, twilioMedia } from '../core/channels/sms.ts';
import type { UseCases } from '../core/use-cases/index.ts';
import { TwilioSetupError } from '../core/use-cases/receive-sms.ts';
import { maxBodyBytes } from '../topology.ts';
import { type ApiResult, bodyText, HttpProblem, type HttpRequest, validate } from './request.ts';
import type { RouterLogger } from './router.ts';

const FORM = /^application\/x-www-form-urlencoded\b/i;

/** The webhook's POST parameters, as sent (the signature covers them all, in Twilio's order). */
function formOf(request: HttpRequest): FormPairs {
  const contentType = request.header('content-type') ?? '';
  if (!FORM.test(contentType)) {
    throw new HttpProblem(
      'invalid-request',
      `Twilio posts application/x-www-form-urlencoded, not ${contentType || 'a body without a content type'}`,
    );
  }
  const raw = bodyText(request.event) ?? '';
  if (Buffer.byteLength(raw, 'utf8') > maxBodyBytes) {
    throw new HttpProblem('payload-too-large', `the body is larger than ${maxBodyBytes / 1024} KB`);
  }
  return parseForm(raw);
}

/**
 * `POST /v1/channels/{id}/twilio`: Twilio's Messaging webhook. Answered `200 text/xml` with empty TwiML (no
 * automatic reply) once the message is stored, a replay included; 404 unknown channel, 409 not an sms_twilio
 * channel (or, generically, its auth token cannot be read: the reason is logged, not answered), 403 a missing or
 * wrong `X-Twilio-Signature`, 400 not a message.
 */
export function makeReceiveTwilioSmsOperation(
  useCases: Pick<UseCases, 'receiveTwilioSms'>,
  logger?: Pick<RouterLogger, 'warn'>,
) {
  return async function receiveTwilioSms(request: HttpRequest): Promise<ApiResult> {
    const { id } = request.params(IdParam);
    const params = formOf(request);
    const { event } = request;
    const url = requestUrl({
      host: request.header('host') ?? event.requestContext.domainName,
      forwardedProto: request.header('x-forwarded-proto'),
      rawPath: event.rawPath,
      rawQueryString: event.rawQueryString,
    });
    const receiving = useCases.receiveTwilioSms(
      id,
      { url, signature: request.header('x-twilio-signature'), params },
      (pairs) => {
        const fields = Object.fromEntries(pairs);
        const message = validate(TwilioMessageForm, fields, 'the message');
        return {
          messageSid: message.MessageSid,
          from: message.From,
          to: message.To,
          body: message.Body ?? '',
          media: twilioMedia(fields),
        };
      },
    );
    await receiving.catch((error: unknown) => {
      // The caller gets a generic 409; what to fix (the secret, the AWS error) goes to the logs only.
      if (error instanceof TwilioSetupError) {
        logger?.warn('sms channel: the Twilio auth token cannot be read', {
          tenantId: error.tenantId,
          channel: error.channelId,
          detail: error.detail,
        });
      }
      throw error;
    });
    return { statusCode: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: EMPTY_TWIML };
  };
}
