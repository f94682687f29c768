import { createHash, randomBytes } from 'node:crypto';
import type { ChannelCrypto } from '../../core/ports.ts';

/** Channel secrets are Standard Webhooks secrets: `whsec_` + base64 of 32 random bytes. */
export const channelCrypto: ChannelCrypto = {
  newSecret: () => `whsec_${randomBytes(32).toString('base64')}`,
  digest: (text) => createHash('sha256').update(text, 'utf8').digest('base64url'),
};
