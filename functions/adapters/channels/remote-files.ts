import { RemoteFileError, type RemoteFiles } from '../../core/ports.ts';
import {
  BlockedUrlError,
  makeSafeFetch,
  ResponseTooLargeError,
  type SafeFetch,
  urlPolicyFromEnv,
} from '../http/safe-fetch.ts';

/**
 * Downloads of the files inbound messages link to, through the SSRF-safe fetch: public addresses only (the
 * local runtime also allows http://127.0.0.1), no redirects, the body capped, one deadline for the exchange.
 * Every failure becomes a RemoteFileError whose reason the ticket's note shows.
 */
export function makeRemoteFiles(fetch: SafeFetch = makeSafeFetch(urlPolicyFromEnv())): RemoteFiles {
  return {
    async fetch(url, limits) {
      let response: Awaited<ReturnType<SafeFetch>>;
      try {
        response = await fetch({
          url,
          method: 'GET',
          headers: { accept: '*/*', 'user-agent': 'Deskless-Attachments/1' },
          timeoutMs: limits.timeoutMs,
          maxResponseBytes: limits.maxBytes,
        });
      } catch (error) {
        if (error instanceof BlockedUrlError) throw new RemoteFileError(`not fetched: ${error.reason}`);
        if (error instanceof ResponseTooLargeError) {
          throw new RemoteFileError(`larger than ${limits.maxBytes} bytes`);
        }
        throw new RemoteFileError(`could not be downloaded: ${(error as Error).message}`);
      }
      if (response.status >= 300 && response.status < 400) {
        throw new RemoteFileError(`the server answered ${response.status} (redirects are not followed)`);
      }
      if (response.status !== 200) throw new RemoteFileError(`the server answered ${response.status}`);
      return { content: response.body, contentType: response.headers['content-type'] ?? null };
    },
  };
}
