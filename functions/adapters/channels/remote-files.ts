import { RemoteFileError, type RemoteFileOptions, type RemoteFiles } from '../../core/ports.ts';
import {
  BlockedUrlError,
  makeSafeFetch,
  ResponseTooLargeError,
  type SafeFetch,
  type SafeResponse,
  urlPolicyFromEnv,
} from '../http/safe-fetch.ts';
import { DEFAULT_TWILIO_API_BASE_URL, TWILIO_API_BASE_URL_ENV } from '../twilio/messages.ts';

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

/**
 * True when `url` is a media resource of this Twilio account's messages on Twilio's API (`{base}/2010-04-01/
 * Accounts/{accountSid}/Messages/…`, the base being https://api.twilio.com or the deployment's stand-in): the only
 * URLs the account's credentials are sent to. Compared after parsing, so dot segments and user info cannot sneak
 * another host or account in.
 */
export function isTwilioMediaUrl(url: string, accountSid: string, baseUrl: string): boolean {
  if (!ACCOUNT_SID.test(accountSid)) return false;
  let parsed: URL;
  let base: URL;
  try {
    parsed = new URL(url);
    base = new URL(baseUrl);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  if (parsed.protocol !== base.protocol || parsed.host !== base.host) return false;
  const prefix = `${base.pathname.replace(/\/+$/, '')}/2010-04-01/Accounts/${accountSid}/Messages/`;
  return parsed.pathname.startsWith(prefix) && parsed.pathname.length > prefix.length;
}

const isRedirect = (status: number) => status >= 300 && status < 400;

/**
 * Downloads of the files inbound messages link to, through the SSRF-safe fetch: public addresses only (the
 * local runtime also allows http://127.0.0.1), no redirects, the body capped, one deadline for the exchange.
 * Every failure becomes a RemoteFileError whose reason the ticket's note shows.
 *
 * One exception, for MMS media: a URL under the channel's own Twilio account (isTwilioMediaUrl, with
 * `options.twilio`) is fetched with HTTP basic auth, as Twilio requires, and one redirect is followed (Twilio
 * serves the bytes from elsewhere): the target passes the same URL and address checks, and gets no credentials.
 */
export function makeRemoteFiles(
  fetch: SafeFetch = makeSafeFetch(urlPolicyFromEnv()),
  config: { readonly twilioApiBaseUrl?: string | undefined } = {
    twilioApiBaseUrl: process.env[TWILIO_API_BASE_URL_ENV],
  },
): RemoteFiles {
  const twilioBase = config.twilioApiBaseUrl || DEFAULT_TWILIO_API_BASE_URL;

  async function get(
    url: string,
    headers: Record<string, string>,
    maxBytes: number,
    timeoutMs: number,
  ): Promise<SafeResponse> {
    try {
      return await fetch({
        url,
        method: 'GET',
        headers: { accept: '*/*', 'user-agent': 'Deskless-Attachments/1', ...headers },
        timeoutMs,
        maxResponseBytes: maxBytes,
      });
    } catch (error) {
      if (error instanceof BlockedUrlError) throw new RemoteFileError(`not fetched: ${error.reason}`);
      if (error instanceof ResponseTooLargeError) throw new RemoteFileError(`larger than ${maxBytes} bytes`);
      throw new RemoteFileError(`could not be downloaded: ${(error as Error).message}`);
    }
  }

  return {
    async fetch(url, limits, options?: RemoteFileOptions) {
      const twilio = options?.twilio;
      const authenticated = twilio !== undefined && isTwilioMediaUrl(url, twilio.accountSid, twilioBase);
      const started = Date.now();
      let response = await get(
        url,
        authenticated
          ? {
              authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`, 'utf8').toString('base64')}`,
            }
          : {},
        limits.maxBytes,
        limits.timeoutMs,
      );
      if (authenticated && isRedirect(response.status)) {
        const location = response.headers.location;
        if (!location) throw new RemoteFileError(`the server answered ${response.status} without a Location`);
        let target: string;
        try {
          target = new URL(location, url).href;
        } catch {
          throw new RemoteFileError(`the server answered ${response.status} with an invalid Location`);
        }
        const left = limits.timeoutMs - (Date.now() - started);
        if (left <= 0)
          throw new RemoteFileError(`could not be downloaded: no answer within ${limits.timeoutMs} ms`);
        // No credentials to the redirect's target, whatever host it names.
        response = await get(target, {}, limits.maxBytes, left);
      }
      if (isRedirect(response.status)) {
        throw new RemoteFileError(
          `the server answered ${response.status} (${authenticated ? 'only one redirect is' : 'redirects are not'} followed)`,
        );
      }
      if (response.status !== 200) throw new RemoteFileError(`the server answered ${response.status}`);
      return { content: response.body, contentType: response.headers['content-type'] ?? null };
    },
  };
}
