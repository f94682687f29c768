import { type GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import {
  localSecretEnvVar,
  makeChannelSecretReader,
  SECRET_CACHE_MS,
} from '../../../functions/adapters/channel-secrets.ts';
import { SecretUnavailableError } from '../../../functions/core/ports.ts';

/** A Secrets Manager client that answers from a map and counts its calls. */
function fakeSecretsManager(values: Record<string, string | Error>) {
  const calls: string[] = [];
  return {
    calls,
    client: {
      async send(command: GetSecretValueCommand) {
        const id = command.input.SecretId!;
        calls.push(id);
        const value = values[id];
        if (value instanceof Error) throw value;
        if (value === undefined) {
          throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
        }
        return { SecretString: value, $metadata: {} };
      },
    } as never,
  };
}

describe('channel secrets', () => {
  it('name the local variable after the secret', () => {
    expect(localSecretEnvVar('deskless/twilio/demo/main')).toBe(
      'DESKLESS_LOCAL_SECRET_DESKLESS_TWILIO_DEMO_MAIN',
    );
  });

  it('come from Secrets Manager once per cache period', async () => {
    let now = 1_000_000;
    const sm = fakeSecretsManager({ 'deskless/twilio/acme/main': 'token-1' });
    const reader = makeChannelSecretReader({ environment: {}, now: () => now, client: sm.client });
    expect(await reader.read('deskless/twilio/acme/main')).toBe('token-1');
    expect(await reader.read('deskless/twilio/acme/main')).toBe('token-1');
    expect(sm.calls).toHaveLength(1);
    now += SECRET_CACHE_MS + 1;
    expect(await reader.read('deskless/twilio/acme/main')).toBe('token-1');
    expect(sm.calls).toHaveLength(2);
  });

  it('read fresh skip the cache and refresh it (a rotated token)', async () => {
    const values: Record<string, string> = { 'deskless/twilio/acme/main': 'token-1' };
    const sm = fakeSecretsManager(values);
    const reader = makeChannelSecretReader({ environment: {}, client: sm.client });
    expect(await reader.read('deskless/twilio/acme/main')).toBe('token-1');
    values['deskless/twilio/acme/main'] = 'token-2';
    expect(await reader.read('deskless/twilio/acme/main')).toBe('token-1');
    expect(await reader.read('deskless/twilio/acme/main', { fresh: true })).toBe('token-2');
    // The cache now holds the new value.
    expect(await reader.read('deskless/twilio/acme/main')).toBe('token-2');
    expect(sm.calls).toHaveLength(2);
  });

  it('come from DESKLESS_LOCAL_SECRET_<NAME> when it is set, without calling Secrets Manager', async () => {
    const sm = fakeSecretsManager({});
    const reader = makeChannelSecretReader({
      environment: { DESKLESS_LOCAL_SECRET_DESKLESS_TWILIO_DEMO_MAIN: 'local-token' },
      client: sm.client,
    });
    expect(await reader.read('deskless/twilio/demo/main')).toBe('local-token');
    expect(sm.calls).toEqual([]);
  });

  it('that are missing or refused are a SecretUnavailableError, not cached; other failures pass through', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const sm = fakeSecretsManager({ 'deskless/twilio/acme/slow': throttled });
    const reader = makeChannelSecretReader({ environment: {}, client: sm.client });
    await expect(reader.read('deskless/twilio/acme/gone')).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(reader.read('deskless/twilio/acme/gone')).rejects.toThrow(/ResourceNotFoundException/);
    expect(sm.calls).toEqual(['deskless/twilio/acme/gone', 'deskless/twilio/acme/gone']);
    await expect(reader.read('deskless/twilio/acme/slow')).rejects.toBe(throttled);
  });

  it('refuse SSM parameter names, which need a client Deskless does not bundle', async () => {
    const reader = makeChannelSecretReader({ environment: {}, client: fakeSecretsManager({}).client });
    await expect(reader.read('/deskless/twilio/acme')).rejects.toThrow(/SSM parameters are not supported/);
  });
});
