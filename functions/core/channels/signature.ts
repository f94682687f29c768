/**
 * Standard Webhooks verification of what arrives at a channel's public URL: `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{raw body}">`, several
 * separated by spaces). Any live secret of the channel may have signed it, so a rotation loses nothing.
 *
 * The HMAC is computed over the body's bytes as they arrived (Web Crypto, a standard global): not over text
 * decoded from them, which would map different invalid UTF-8 bytes onto the same U+FFFD and so verify bodies
 * nobody signed. (The standardwebhooks library signs a string: it cannot do that.)
 *
 * The time window is checked against the injected clock, not the process clock: the local runtime's clock can
 * run faster than real time, and a sender signing with it must still be inside the window.
 */

import { constantTimeEqual } from '../constant-time.ts';
import type { ChannelSecret } from './channel.ts';

/** How far a message's timestamp may be from now, either way (the Standard Webhooks default). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export interface SignedDelivery {
  readonly id: string | undefined;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
}

export type SignatureVerdict =
  | { readonly ok: true; readonly id: string }
  | {
      readonly ok: false;
      readonly reason: 'missing_headers' | 'bad_timestamp' | 'stale' | 'future' | 'no_match';
      readonly detail: string;
    };

const utf8 = new TextEncoder();

/** The key of a `whsec_…` secret: the base64 after the prefix. */
function secretKey(secret: string): Uint8Array {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  return Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
}

/** base64 of HMAC-SHA256(secret, "{id}.{timestamp}." + body bytes). */
async function signatureOf(secret: string, id: string, timestamp: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    secretKey(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const prefix = utf8.encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, signed));
  return btoa(String.fromCharCode(...mac));
}

/** `rawBody` as it arrived (a string is taken as its UTF-8 bytes). */
export async function verifySignature(
  delivery: SignedDelivery,
  rawBody: Uint8Array | string,
  secrets: readonly ChannelSecret[],
  now: string,
): Promise<SignatureVerdict> {
  const { id, timestamp, signature } = delivery;
  if (!id || !timestamp || !signature) {
    const missing = [
      !id && 'webhook-id',
      !timestamp && 'webhook-timestamp',
      !signature && 'webhook-signature',
    ].filter(Boolean);
    return { ok: false, reason: 'missing_headers', detail: `missing header(s): ${missing.join(', ')}` };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'bad_timestamp', detail: 'webhook-timestamp must be Unix seconds' };
  }
  const seconds = Number(timestamp);
  const nowSeconds = Math.floor(Date.parse(now) / 1000);
  if (nowSeconds - seconds > SIGNATURE_TOLERANCE_SECONDS) {
    return {
      ok: false,
      reason: 'stale',
      detail: `webhook-timestamp is ${nowSeconds - seconds} s old; at most ${SIGNATURE_TOLERANCE_SECONDS} s are accepted (a replay, or a clock far behind)`,
    };
  }
  if (seconds - nowSeconds > SIGNATURE_TOLERANCE_SECONDS) {
    return {
      ok: false,
      reason: 'future',
      detail: `webhook-timestamp is ${seconds - nowSeconds} s in the future; at most ${SIGNATURE_TOLERANCE_SECONDS} s are accepted (check the sender's clock)`,
    };
  }
  const offered = signature
    .split(' ')
    .map((part) => part.split(','))
    .filter(([version, value]) => version === 'v1' && value)
    .map(([, value]) => value!);
  const body = typeof rawBody === 'string' ? utf8.encode(rawBody) : rawBody;
  for (const { secret } of secrets) {
    // The timestamp as a number (no leading zeros), as the Standard Webhooks libraries sign it.
    const expected = await signatureOf(secret, id, String(seconds), body);
    // Each comparison takes the same time whatever the bytes, so a near miss tells nothing; stopping at the
    // first match (an accepted delivery) tells nothing either.
    if (offered.some((value) => constantTimeEqual(value, expected))) return { ok: true, id };
  }
  return {
    ok: false,
    reason: 'no_match',
    detail:
      'webhook-signature matches none of the channel’s secrets (sign "{webhook-id}.{webhook-timestamp}.{raw body}")',
  };
}
