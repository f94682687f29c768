/**
 * `local.json` in the data directory: what a developer needs to call the local API (URL, demo tenant, its admin
 * key), to mail it (SMTP port, support address) and to see what it mailed (outbox URL), and the operator key and
 * reply-address secret the runtime hands the handlers. Written on first start, kept across restarts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface LocalState {
  readonly apiUrl: string;
  /** The local EventBridge's log of published domain events (`GET`), refreshed on every start like apiUrl. */
  readonly eventsUrl: string;
  /** The SES emulator's web page of the mail Deskless sent; refreshed on every start. */
  readonly outboxUrl: string;
  /** Port of the local SMTP server (SES inbound); refreshed on every start. */
  readonly smtpPort: number;
  /** The demo tenant's support address: mail sent to it over SMTP becomes tickets. */
  readonly supportAddress: string;
  readonly tenantId: string;
  readonly adminApiKey: string;
  readonly operatorApiKey: string;
  /** Secret of signed reply addresses; generated once and kept, so reply addresses stay valid across restarts. */
  readonly replySecret: string;
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
      outboxUrl: String(parsed.outboxUrl ?? ''),
      smtpPort: Number(parsed.smtpPort ?? 0),
      supportAddress: String(parsed.supportAddress ?? ''),
      tenantId: String(parsed.tenantId ?? ''),
      adminApiKey: String(parsed.adminApiKey ?? ''),
      operatorApiKey: parsed.operatorApiKey,
      replySecret: String(parsed.replySecret ?? ''),
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

/** A fresh secret for signed reply addresses (`mail.replySecretEnvVar`): 256 random bits. */
export function generateReplySecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A fresh operator key, shaped like the keys Deskless issues. */
export function generateOperatorKey(): string {
  return `dsk_op_${randomBytes(32).toString('base64url')}`;
}
