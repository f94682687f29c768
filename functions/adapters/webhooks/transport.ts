import { Webhook } from 'standardwebhooks';
import type { WebhookResponse, WebhookTransport } from '../../core/ports.ts';
import { WEBHOOK_MAX_RESPONSE_BYTES, WEBHOOK_TIMEOUT_MS } from '../../core/webhooks/delivery.ts';
import { BlockedUrlError, ResponseTooLargeError, type SafeFetch } from '../http/safe-fetch.ts';

export const WEBHOOK_USER_AGENT = 'Deskless-Webhooks/1.0 (+https://www.standardwebhooks.com)';

function reasonOf(error: unknown): string {
  if (error instanceof BlockedUrlError) return error.message;
  if (error instanceof ResponseTooLargeError) return `the answer is larger than ${error.limit / 1024} KB`;
  const { message, code } = error as { message?: string; code?: string };
  return [code, message].filter(Boolean).join(': ') || String(error);
}

/**
 * Standard Webhooks over the SSRF-guarded fetch: `webhook-id` (the delivery id), `webhook-timestamp` (now, in
 * real time: receivers reject timestamps more than 5 minutes off) and `webhook-signature`, one `v1,<base64>` per
 * secret, space-separated (during a rotation, both the new and the old secret sign). POST only, JSON body,
 * redirects are never followed (a 3xx is a failed attempt), the answer body is capped and ignored.
 */
export function makeWebhookTransport(fetch: SafeFetch, now: () => Date = () => new Date()): WebhookTransport {
  return {
    async send({ url, id, body, secrets }): Promise<WebhookResponse> {
      const timestamp = now();
      const signature = secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(' ');
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      try {
        const response = await fetch({
          url,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': WEBHOOK_USER_AGENT,
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': signature,
          },
          body,
          timeoutMs: WEBHOOK_TIMEOUT_MS,
          maxResponseBytes: WEBHOOK_MAX_RESPONSE_BYTES,
        });
        const status = response.status;
        const error =
          status >= 200 && status < 300
            ? null
            : status >= 300 && status < 400
              ? `HTTP ${status}: redirects are not followed`
              : `HTTP ${status}`;
        return { statusCode: status, durationMs: elapsed(), error };
      } catch (error) {
        return { statusCode: null, durationMs: elapsed(), error: reasonOf(error) };
      }
    },
  };
}
