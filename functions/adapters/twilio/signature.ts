import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TwilioSignatures } from '../../core/ports.ts';

/** base64(HMAC-SHA1(authToken, payload)): what Twilio puts in `X-Twilio-Signature`. */
export function twilioSignature(authToken: string, payload: string): string {
  return createHmac('sha1', authToken).update(Buffer.from(payload, 'utf8')).digest('base64');
}

/** Per-process key of the comparison below. */
const compareKey = randomBytes(32);
const digest = (value: string) => createHmac('sha256', compareKey).update(value, 'utf8').digest();

/**
 * Twilio request signatures, compared in constant time: both sides are HMAC'd with a random key first, so the
 * comparison is of equal-length digests and takes the same time whatever the signature sent.
 */
export const twilioSignatures: TwilioSignatures = {
  matches(authToken, payload, signature) {
    return timingSafeEqual(digest(twilioSignature(authToken, payload)), digest(signature.trim()));
  },
};
