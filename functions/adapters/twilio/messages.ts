import {
  type OutboundSms,
  SmsOutcomeUnknownError,
  SmsRejectedError,
  type SmsSender,
} from '../../core/ports.ts';

/**
 * Where Twilio's REST API is: https://api.twilio.com unless this variable says otherwise (the local runtime and
 * the tests point it at a local stand-in, so nothing leaves the machine).
 */
export const TWILIO_API_BASE_URL_ENV = 'TWILIO_API_BASE_URL';
export const DEFAULT_TWILIO_API_BASE_URL = 'https://api.twilio.com';

/** A Twilio call that takes longer is given up (and retried through the queue). */
export const TWILIO_TIMEOUT_MS = 10_000;

/** Twilio's account sids: `AC` and 32 hex digits. */
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

/** Twilio answered, but not with success, and retrying may help (5xx, 429 Too Many Requests, 408). */
export class TwilioUnavailableError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'TwilioUnavailableError';
  }
}

/** Errors of a connection that never reached Twilio (no request was sent on it). */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function codeOf(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True when fetch failed before the request could reach Twilio (refused, no such host, a bad certificate). */
export function neverSent(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && CONNECT_ERRORS.has(code);
}

function reasonOf(error: unknown): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (${code})` : message;
}

/** Twilio's error body: `{ code, message, more_info, status }`. */
function describe(status: number, text: string): { code: number | null; message: string } {
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    const code = typeof body.code === 'number' ? body.code : null;
    const message = typeof body.message === 'string' ? body.message : `HTTP ${status}`;
    return { code, message: `Twilio ${status}${code ? ` (error ${code})` : ''}: ${message}` };
  } catch {
    return { code: null, message: `Twilio ${status}: ${text.slice(0, 200) || 'no body'}` };
  }
}

/**
 * Twilio's Messages API: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`, `From`,
 * `Body`, HTTP basic auth with the account sid and auth token. The base URL is the deployment's (never a tenant's
 * choice), so a plain fetch with a timeout is enough. A 4xx other than 408/429 is final (SmsRejectedError);
 * a timeout or a connection lost once the request may have gone out is SmsOutcomeUnknownError (never resent);
 * anything else (5xx, 408, 429, a connection never made) is worth retrying.
 */
export function makeTwilioSmsSender(
  options: {
    readonly baseUrl?: string | undefined;
    readonly timeoutMs?: number | undefined;
    readonly fetch?: typeof fetch | undefined;
  } = {},
): SmsSender {
  const base = (options.baseUrl || DEFAULT_TWILIO_API_BASE_URL).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? TWILIO_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  return {
    async send(sms: OutboundSms) {
      if (!ACCOUNT_SID.test(sms.accountSid)) {
        throw new SmsRejectedError(
          400,
          null,
          `the channel's account sid "${sms.accountSid}" is not a Twilio account sid`,
        );
      }
      const url = `${base}/2010-04-01/Accounts/${sms.accountSid}/Messages.json`;
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${sms.accountSid}:${sms.authToken}`, 'utf8').toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: new URLSearchParams({ To: sms.to, From: sms.from, Body: sms.body }).toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        // Twilio was never reached: nothing was sent, retrying is safe.
        if (neverSent(error)) throw error;
        // The request may have gone out (a timeout, a connection lost mid-exchange): the outcome is unknown.
        throw new SmsOutcomeUnknownError(`no answer from Twilio: ${reasonOf(error)}`, { cause: error });
      }
      // A body lost after a success status still means sent.
      const text = await response.text().catch(() => '');
      if (response.ok) {
        let sid: unknown;
        try {
          sid = (JSON.parse(text) as { sid?: unknown }).sid;
        } catch {
          sid = undefined;
        }
        // Sent, whatever the body says: never retry (that would send twice); keep what identifies it.
        return { sid: typeof sid === 'string' && sid ? sid : `unknown-${response.status}` };
      }
      const { code, message } = describe(response.status, text);
      const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
      if (retryable) throw new TwilioUnavailableError(response.status, message);
      throw new SmsRejectedError(response.status, code, message);
    },
  };
}

/** The sender `smsOut` uses, configured from the environment. */
export function twilioSmsSenderFromEnv(environment: NodeJS.ProcessEnv = process.env): SmsSender {
  return makeTwilioSmsSender({ baseUrl: environment[TWILIO_API_BASE_URL_ENV] });
}
