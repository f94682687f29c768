import { createHmac } from 'node:crypto';
import type { ReplySigner } from '../core/email/addresses.ts';
import { mail } from '../topology.ts';

export function hmacSigner(secret: string): ReplySigner {
  return { sign: (payload) => createHmac('sha256', secret).update(payload).digest('hex') };
}

/**
 * The reply-address secret: from Secrets Manager in AWS (read once per cold start, when first needed),
 * from the environment locally.
 */
export function makeReplySignerSource(
  environment: NodeJS.ProcessEnv = process.env,
): () => Promise<ReplySigner> {
  const arn = environment[mail.replySecretArnEnvVar];
  const plain = environment[mail.replySecretEnvVar];
  let cached: Promise<ReplySigner> | undefined;
  const load = async () => {
    if (arn) {
      const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
      const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
      if (!secret.SecretString) throw new Error('the reply secret is empty');
      return hmacSigner(secret.SecretString);
    }
    if (!plain) throw new Error(`${mail.replySecretEnvVar} or ${mail.replySecretArnEnvVar} must be set`);
    return hmacSigner(plain);
  };
  return () => {
    cached ??= load().catch((error) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}
