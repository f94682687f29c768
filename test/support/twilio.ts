/**
 * Twilio's side of the SMS channel, for tests: a Messaging webhook request as Twilio sends it (form-encoded and
 * signed with the account's auth token), and Twilio-shaped ids.
 */
import { randomBytes } from 'node:crypto';
import { twilioSignature } from '../../functions/adapters/twilio/signature.ts';
import { twilioSignedPayload } from '../../functions/core/channels/sms.ts';

export const testAccountSid = () => `AC${randomBytes(16).toString('hex')}`;
export const messageSid = () => `SM${randomBytes(16).toString('hex')}`;

/** The parameters Twilio posts for an SMS (plus whatever `extra` adds, e.g. MMS media). */
export function smsParams(args: {
  from: string;
  to: string;
  body: string;
  accountSid: string;
  sid?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  const sid = args.sid ?? messageSid();
  return {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: sid,
    NumMedia: '0',
    SmsSid: sid,
    SmsStatus: 'received',
    Body: args.body,
    To: args.to,
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: args.accountSid,
    From: args.from,
    ApiVersion: '2010-04-01',
    ...args.extra,
  };
}

/** The form body and the `X-Twilio-Signature` Twilio would send to `url`. */
export function signedTwilioRequest(authToken: string, url: string, params: Record<string, string>) {
  const pairs = Object.entries(params);
  return {
    body: new URLSearchParams(pairs).toString(),
    signature: twilioSignature(authToken, twilioSignedPayload(url, pairs)),
  };
}
