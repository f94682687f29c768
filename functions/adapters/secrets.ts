import { createHash, randomBytes } from 'node:crypto';
import type { Secrets } from '../core/ports.ts';

/**
 * API key secrets: 32 random bytes. Only a SHA-256 hash is stored; with this much entropy a slow password hash
 * adds nothing, and a fast one keeps the authorizer's lookup a single GetItem.
 */
export const apiKeySecrets: Secrets = {
  newApiKey() {
    const secret = `dsk_${randomBytes(32).toString('base64url')}`;
    return { secret, hash: apiKeySecrets.hash(secret), prefix: secret.slice(0, 10) };
  },
  hash(secret: string) {
    return createHash('sha256').update(secret, 'utf8').digest('hex');
  },
};
