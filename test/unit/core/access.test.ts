import { describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import { makeAuthenticate } from '../../../functions/core/use-cases/access.ts';
import { makeUseCases } from '../../../functions/core/use-cases/index.ts';
import { fakeSecrets, memoryPorts } from '../../support/in-memory-ports.ts';

const operator = { operatorKeyHash: async () => fakeSecrets.hash('op-secret') };

function setup() {
  const ports = memoryPorts();
  const uc = makeUseCases(ports);
  const authenticate = makeAuthenticate({ apiKeys: ports.apiKeys, secrets: fakeSecrets, operator });
  return { ports, uc, authenticate };
}

describe('authentication', () => {
  it('knows the operator key and tenant keys, and nothing else', async () => {
    const { uc, authenticate } = setup();
    expect(await authenticate('Bearer op-secret')).toMatchObject({ role: 'operator' });
    const { tenant, apiKey } = await uc.createTenant({ id: 'acme', name: 'Acme' });
    expect(tenant.id).toBe('acme');
    expect(await authenticate(`Bearer ${apiKey.secret}`)).toEqual({
      tenantId: 'acme',
      role: 'admin',
      keyId: apiKey.key.id,
      agentId: null,
    });
    expect(await authenticate(`bearer   ${apiKey.secret}`)).not.toBeNull();
    for (const header of [
      undefined,
      '',
      'Bearer',
      `Basic ${apiKey.secret}`,
      'Bearer nope',
      `Bearer ${apiKey.secret} x`,
    ]) {
      expect(await authenticate(header)).toBeNull();
    }
  });

  it('stops accepting a revoked key; a key cannot revoke itself', async () => {
    const { uc, authenticate } = setup();
    const { apiKey } = await uc.createTenant({ id: 'acme', name: 'Acme' });
    const admin: Caller = {
      tenantId: 'acme',
      role: 'admin',
      keyId: apiKey.key.id,
      actor: { type: 'agent', id: apiKey.key.id },
    };
    const agentKey = await uc.createApiKey(admin, { name: 'bot', role: 'agent' });
    expect(await authenticate(`Bearer ${agentKey.secret}`)).toMatchObject({ role: 'agent' });
    await uc.revokeApiKey(admin, agentKey.key.id);
    expect(await authenticate(`Bearer ${agentKey.secret}`)).toBeNull();
    await expect(uc.revokeApiKey(admin, apiKey.key.id)).rejects.toThrow(/cannot revoke itself/);
    await expect(uc.revokeApiKey(admin, 'key_missing')).rejects.toThrow(/does not exist/);
  });

  it('binds keys to agents with matching roles', async () => {
    const { uc } = setup();
    await uc.createTenant({ id: 'acme', name: 'Acme' });
    const admin: Caller = { tenantId: 'acme', role: 'admin', keyId: 'k', actor: { type: 'agent', id: 'k' } };
    const bo = await uc.createAgent(admin, { name: 'Bo', email: 'bo@acme.test' });
    expect((await uc.createApiKey(admin, { name: 'bo', role: 'agent', agentId: bo.id })).key.agentId).toBe(
      bo.id,
    );
    await expect(uc.createApiKey(admin, { name: 'bo', role: 'admin', agentId: bo.id })).rejects.toThrow(
      /not an admin/,
    );
    await expect(uc.createApiKey(admin, { name: 'bo', role: 'channel', agentId: bo.id })).rejects.toThrow(
      /channel key/,
    );
    await expect(uc.createApiKey(admin, { name: 'x', role: 'agent', agentId: 'agt_ghost' })).rejects.toThrow(
      /does not exist/,
    );
  });

  it('validates tenant ids and refuses a taken one', async () => {
    const { uc } = setup();
    await expect(uc.createTenant({ id: 'A!', name: 'x' })).rejects.toThrow(/lower-case/);
    await uc.createTenant({ id: 'acme', name: 'Acme' });
    await expect(uc.createTenant({ id: 'acme', name: 'Acme' })).rejects.toThrow(/already exists/);
    expect((await uc.createTenant({ name: 'Generated' })).tenant.id).toMatch(/^t-[a-z0-9]{12}$/);
  });
});
