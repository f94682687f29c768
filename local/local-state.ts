/**
 * `local.json` in the data directory: what a developer needs to call the local API (URL, demo tenant, its admin
 * key) and the operator key the runtime hands the authorizer. Written on first start, kept across restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface LocalState {
  readonly apiUrl: string;
  /** The local EventBridge's log of published domain events (`GET`), refreshed on every start like apiUrl. */
  readonly eventsUrl: string;
  readonly tenantId: string;
  readonly adminApiKey: string;
  readonly operatorApiKey: string;
}

export const localStateFileName = 'local.json';

export function localStatePath(dataDir: string): string {
  return join(dataDir, localStateFileName);
}

/** The state of an earlier start, or undefined on the first one (or if the file is unusable). */
export function readLocalState(dataDir: string): LocalState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(localStatePath(dataDir), 'utf8')) as Partial<LocalState>;
    if (typeof parsed.operatorApiKey !== 'string' || parsed.operatorApiKey === '') return undefined;
    return {
      apiUrl: String(parsed.apiUrl ?? ''),
      eventsUrl: String(parsed.eventsUrl ?? ''),
      tenantId: String(parsed.tenantId ?? ''),
      adminApiKey: String(parsed.adminApiKey ?? ''),
      operatorApiKey: parsed.operatorApiKey,
    };
  } catch {
    return undefined;
  }
}

export function writeLocalState(dataDir: string, state: LocalState): void {
  const path = localStatePath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  // It holds keys: readable by the owner only.
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** A fresh operator key, shaped like the keys Deskless issues. */
export function generateOperatorKey(): string {
  return `dsk_op_${randomBytes(32).toString('base64url')}`;
}
