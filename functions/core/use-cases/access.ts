import type { Caller } from '../caller.ts';
import { DomainError, invalid, notFound } from '../errors.ts';
import type { ApiKey, ApiKeyRole, Page, Tenant } from '../model.ts';
import type { AgentStore, ApiKeyStore, Clock, Ids, PageRequest, Secrets, TenantStore } from '../ports.ts';

/** Tenants, API keys and the question every request starts with: whose key is this? */

export interface Principal {
  readonly tenantId: string;
  readonly role: ApiKeyRole | 'operator';
  readonly keyId: string;
  readonly agentId: string | null;
}

export interface OperatorKeySource {
  /** Hash of the operator key, or null when none is configured. */
  operatorKeyHash(): Promise<string | null>;
}

export function makeAuthenticate(deps: {
  apiKeys: ApiKeyStore;
  secrets: Secrets;
  operator: OperatorKeySource;
}) {
  return async function authenticate(authorization: string | undefined): Promise<Principal | null> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
    if (!match) return null;
    const hash = deps.secrets.hash(match[1]!);
    const key = await deps.apiKeys.findBySecretHash(hash);
    if (key) {
      if (key.revokedAt) return null;
      return { tenantId: key.tenantId, role: key.role, keyId: key.id, agentId: key.agentId };
    }
    // Tenant keys are the common case; the operator key is looked at only when no tenant key matched.
    const operatorHash = await deps.operator.operatorKeyHash();
    if (operatorHash && operatorHash === hash) {
      return { tenantId: '', role: 'operator', keyId: 'operator', agentId: null };
    }
    return null;
  };
}

export interface CreatedKey {
  readonly key: ApiKey;
  /** The secret itself: shown once, never stored. */
  readonly secret: string;
}

function newKey(
  deps: { secrets: Secrets; ids: Ids },
  tenantId: string,
  fields: { name: string; role: ApiKeyRole; agentId: string | null },
  now: string,
) {
  const { secret, hash, prefix } = deps.secrets.newApiKey();
  const key: ApiKey = {
    tenantId,
    id: `key_${deps.ids.next()}`,
    name: fields.name,
    role: fields.role,
    agentId: fields.agentId,
    createdAt: now,
    revokedAt: null,
    prefix,
  };
  return { key, secret, hash };
}

const TENANT_ID = /^[a-z0-9][a-z0-9-]{2,39}$/;

export function makeCreateTenant(deps: { tenants: TenantStore; secrets: Secrets; ids: Ids; clock: Clock }) {
  return async function createTenant(input: { id?: string | undefined; name: string }) {
    const id = input.id ?? `t-${deps.ids.next().toLowerCase().slice(-12)}`;
    if (!TENANT_ID.test(id)) {
      throw invalid(
        'id',
        'must be 3–40 lower-case letters, digits or dashes, starting with a letter or digit',
      );
    }
    const now = deps.clock.now();
    const tenant: Tenant = { id, name: input.name.trim(), createdAt: now };
    const { key, secret, hash } = newKey(
      deps,
      id,
      { name: 'First admin key', role: 'admin', agentId: null },
      now,
    );
    await deps.tenants.create(tenant, key, hash);
    return { tenant, apiKey: { key, secret } satisfies CreatedKey };
  };
}

export function makeCreateApiKey(deps: {
  apiKeys: ApiKeyStore;
  agents: AgentStore;
  secrets: Secrets;
  ids: Ids;
  clock: Clock;
}) {
  return async function createApiKey(
    caller: Caller,
    input: { name: string; role: ApiKeyRole; agentId?: string | undefined },
  ): Promise<CreatedKey> {
    if (input.agentId) {
      const agent = await deps.agents.get(caller.tenantId, input.agentId);
      if (!agent) throw invalid('agentId', `agent ${input.agentId} does not exist`);
      if (input.role === 'channel') throw invalid('agentId', 'a channel key cannot act as an agent');
      if (input.role === 'admin' && agent.role !== 'admin') {
        throw invalid('role', `agent ${agent.id} is not an admin, so their key cannot be an admin key`);
      }
    }
    const { key, secret, hash } = newKey(
      deps,
      caller.tenantId,
      { name: input.name.trim(), role: input.role, agentId: input.agentId ?? null },
      deps.clock.now(),
    );
    await deps.apiKeys.create(key, hash);
    return { key, secret };
  };
}

export function makeListApiKeys(deps: { apiKeys: ApiKeyStore }) {
  return (caller: Caller, page: PageRequest): Promise<Page<ApiKey>> =>
    deps.apiKeys.list(caller.tenantId, page);
}

export function makeRevokeApiKey(deps: { apiKeys: ApiKeyStore; clock: Clock }) {
  return async function revokeApiKey(caller: Caller, id: string): Promise<ApiKey> {
    if (id === caller.keyId) {
      throw new DomainError('validation', 'a key cannot revoke itself; use another admin key', [
        { path: 'id', message: 'is the key making this request' },
      ]);
    }
    const key = await deps.apiKeys.revoke(caller.tenantId, id, deps.clock.now());
    if (!key) throw notFound(`API key ${id}`);
    return key;
  };
}
