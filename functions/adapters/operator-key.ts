import type { OperatorKeySource } from '../core/use-cases/access.ts';
import { env } from '../topology.ts';
import { apiKeySecrets } from './secrets.ts';

/**
 * The operator key creates tenants. In AWS it lives in Secrets Manager (its ARN in the environment) and is
 * read once per cold start, and only when a key is not a tenant key (the Secrets Manager client is loaded then,
 * not at init: most authorizer cold starts never need it); locally `npm start` passes it in the environment.
 */
export function makeOperatorKeySource(environment: NodeJS.ProcessEnv = process.env): OperatorKeySource {
  const arn = environment[env.operatorKeySecretArn];
  const plain = environment[env.operatorKey];
  let cached: Promise<string | null> | undefined;
  const load = async (): Promise<string | null> => {
    if (arn) {
      const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
      const client = new SecretsManagerClient({});
      const secret = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      return secret.SecretString ? apiKeySecrets.hash(secret.SecretString) : null;
    }
    return plain ? apiKeySecrets.hash(plain) : null;
  };
  return {
    operatorKeyHash() {
      cached ??= load().catch((error) => {
        cached = undefined; // a failed read is retried on the next request, not remembered
        throw error;
      });
      return cached;
    },
  };
}
