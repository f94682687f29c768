import type { TokenSigner } from '../core/ports.ts';
import { hmacSigner, makeReplySignerSource } from './reply-signer.ts';

/** HMAC-SHA256 (hex) under a given secret. */
export function hmacTokenSigner(secret: string): TokenSigner {
  const signer = hmacSigner(secret);
  return { sign: async (payload) => signer.sign(payload) };
}

/**
 * Link tokens (survey links) signed with the deployment's reply secret: read from Secrets Manager in AWS (once,
 * when first needed; a failed read is tried again on the next call), from the environment locally. Payloads
 * name what they sign (core/surveys.ts), so a token's signature never passes for a reply address's.
 */
export function makeTokenSigner(environment: NodeJS.ProcessEnv = process.env): TokenSigner {
  const source = makeReplySignerSource(environment);
  return { sign: async (payload) => (await source()).sign(payload) };
}
