import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretReader, SecretUnavailableError } from '../core/ports.ts';

/**
 * Locally (`npm start`, tests) a secret comes from the environment instead of Secrets Manager:
 * `DESKLESS_LOCAL_SECRET_` + the secret's name upper-cased with every other character than A–Z and 0–9 turned
 * into `_` (`deskless/twilio/demo/main` → `DESKLESS_LOCAL_SECRET_DESKLESS_TWILIO_DEMO_MAIN`).
 */
export const LOCAL_SECRET_ENV_PREFIX = 'DESKLESS_LOCAL_SECRET_';

export function localSecretEnvVar(name: string): string {
  return `${LOCAL_SECRET_ENV_PREFIX}${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * A value read is kept this long per container: most requests need no Secrets Manager call, and a rotated token
 * is picked up within minutes.
 */
export const SECRET_CACHE_MS = 5 * 60_000;

/** Secrets Manager's answers that mean "fix the setup", not "try again". */
const UNAVAILABLE = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'DecryptionFailure',
  'InvalidRequestException',
  'InvalidParameterException',
]);

/**
 * Channel credentials (Twilio auth tokens) by name, from Secrets Manager (`GetSecretValue`, the SecretString), or
 * from `DESKLESS_LOCAL_SECRET_<NAME>` when that is set. Cached per container for SECRET_CACHE_MS; a failed read is
 * not cached; `{ fresh: true }` skips the cache and refreshes it (a token that may just have been rotated). The
 * Secrets Manager client is loaded on first use, so a cold start that needs no secret does not pay for it. SSM
 * parameter names (starting with `/`) are refused: that needs the SSM client, not bundled.
 */
export function makeChannelSecretReader(
  options: {
    readonly environment?: NodeJS.ProcessEnv;
    readonly now?: () => number;
    /** For tests: the Secrets Manager client to use. */
    readonly client?: Pick<SecretsManagerClient, 'send'>;
  } = {},
): SecretReader {
  const environment = options.environment ?? process.env;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: string; until: number }>();
  let client: Promise<Pick<SecretsManagerClient, 'send'>> | undefined = options.client
    ? Promise.resolve(options.client)
    : undefined;

  async function fromSecretsManager(name: string): Promise<string> {
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    client ??= Promise.resolve(new SecretsManagerClient({}));
    try {
      const result = await (await client).send(new GetSecretValueCommand({ SecretId: name }));
      if (!result.SecretString) throw new SecretUnavailableError(name, 'it holds no text (SecretString)');
      return result.SecretString;
    } catch (error) {
      if (error instanceof SecretUnavailableError) throw error;
      const code = (error as { name?: string }).name ?? '';
      if (UNAVAILABLE.has(code)) throw new SecretUnavailableError(name, code);
      throw error;
    }
  }

  return {
    async read(name, options) {
      const cached = options?.fresh ? undefined : cache.get(name);
      if (cached && cached.until > now()) return cached.value;
      const local = environment[localSecretEnvVar(name)];
      let value: string;
      if (local !== undefined && local !== '') value = local;
      else if (name.startsWith('/')) {
        throw new SecretUnavailableError(
          name,
          'SSM parameters are not supported; keep the value in Secrets Manager',
        );
      } else value = (await fromSecretsManager(name)).trim();
      if (!value) throw new SecretUnavailableError(name, 'it is empty');
      cache.set(name, { value, until: now() + SECRET_CACHE_MS });
      return value;
    },
  };
}
