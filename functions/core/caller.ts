import type { Actor, ApiKeyRole } from './model.ts';

/** Who is calling, as the authorizer resolved it from the API key. */
export interface Caller {
  readonly tenantId: string;
  readonly role: ApiKeyRole;
  readonly keyId: string;
  /** The actor recorded on the timeline for this caller's own changes. */
  readonly actor: Actor;
}

/**
 * Keys of admins and agents act as their agent (or as the key itself when it is not bound to one); channel
 * keys are integrations, recorded as the system acting on a channel's behalf.
 */
export function actorForKey(role: ApiKeyRole, keyId: string, agentId: string | null): Actor {
  if (role === 'channel') return { type: 'system', id: keyId };
  return { type: 'agent', id: agentId ?? keyId };
}
