import { randomBytes } from 'node:crypto';

/**
 * Shortens every webhook wait (retry backoff, circuit cooldowns) by this factor: the local runtime sets it so
 * that a failing endpoint's retries can be watched in minutes; tests set it lower still. Unset (AWS): 1.
 */
export const WEBHOOK_BACKOFF_SCALE_ENV = 'DESKLESS_WEBHOOK_BACKOFF_SCALE';

/** What the local runtime uses unless the variable is set: retries after ~0.5 s, 3 s, 12 s, 30 s, 90 s. */
export const LOCAL_WEBHOOK_BACKOFF_SCALE = '0.1';

export function webhookBackoffScale(environment: NodeJS.ProcessEnv = process.env): number {
  const raw = environment[WEBHOOK_BACKOFF_SCALE_ENV];
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) {
    throw new Error(`${WEBHOOK_BACKOFF_SCALE_ENV} must be a number above 0 and at most 1, got "${raw}"`);
  }
  return scale;
}

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
