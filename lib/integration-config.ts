import { createHash } from 'node:crypto';
import type { Construct } from 'constructs';
import {
  parseTrackerTarget,
  TARGET_FIELDS,
  TRACKER_KINDS,
  type TrackerKind,
  type TrackerTarget,
} from '../functions/core/integrations/trackers.ts';
import { normalizeTags } from '../functions/core/tickets.ts';

/** One engineering-tracker integration (`deskless:integrations`), validated. */
export interface IntegrationConfig {
  /** Stable construct id, from what the integration is (not its place in the list). */
  readonly id: string;
  /** The tenant whose tickets it watches: the Deskless API key it links back with belongs to this tenant. */
  readonly tenant: string;
  /** The tag that asks for an issue, as Deskless stores tags (lower-case, `_` for spaces). */
  readonly tag: string;
  /** Secrets Manager secret with the tracker's credentials (fields per kind: see docs/events.md). */
  readonly secretArn: string;
  /** Secrets Manager secret whose whole value is a Deskless channel API key of `tenant`. */
  readonly apiKeySecretArn: string;
  readonly target: TrackerTarget;
}

export const INTEGRATIONS_KEY = 'deskless:integrations';
export const INTEGRATIONS_API_KEY_SECRET_KEY = 'deskless:integrationsApiKeySecretArn';

/** Most integrations one deployment takes: each is a rule, a state machine and a connection. */
export const MAX_INTEGRATIONS = 20;

/** What `POST /v1/tenants` accepts as a tenant id (core/use-cases/access.ts). */
const TENANT_ID = /^[a-z0-9][a-z0-9-]{2,39}$/;
/** A Secrets Manager secret ARN (the random suffix may be left out: a partial ARN resolves too). */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

const COMMON_FIELDS = ['kind', 'tenant', 'tag', 'secretArn', 'apiKeySecretArn'];

/**
 * `-c deskless:integrations='[{"kind":"github","tenant":"acme","tag":"engineering","secretArn":"arn:…",
 * "repository":"acme/api"}]'` (or the list itself in cdk.json) with `-c deskless:integrationsApiKeySecretArn=arn:…`.
 * Every mistake fails the synth with the entry's index and the field, before anything is deployed.
 */
export function readIntegrations(scope: Construct): IntegrationConfig[] {
  const value: unknown = scope.node.tryGetContext(INTEGRATIONS_KEY);
  if (value === undefined || value === null || value === '') return [];
  let entries: unknown = value;
  if (typeof value === 'string') {
    try {
      entries = JSON.parse(value);
    } catch (error) {
      throw new Error(`${INTEGRATIONS_KEY} must be a JSON list of integrations: ${(error as Error).message}`);
    }
  }
  if (!Array.isArray(entries)) {
    throw new Error(
      `${INTEGRATIONS_KEY} must be a JSON list of integrations, got ${JSON.stringify(entries)}`,
    );
  }
  if (entries.length === 0) return [];
  if (entries.length > MAX_INTEGRATIONS) {
    throw new Error(`${INTEGRATIONS_KEY} lists ${entries.length} integrations; at most ${MAX_INTEGRATIONS}`);
  }
  const defaultKeySecret = readSecretArn(scope.node.tryGetContext(INTEGRATIONS_API_KEY_SECRET_KEY));
  if (defaultKeySecret !== undefined && typeof defaultKeySecret !== 'string') {
    throw new Error(
      `${INTEGRATIONS_API_KEY_SECRET_KEY} must be the ARN of a Secrets Manager secret, got ${JSON.stringify(defaultKeySecret.invalid)}`,
    );
  }
  const integrations = entries.map((entry, index) => readEntry(entry, index, defaultKeySecret));

  const seen = new Map<string, number>();
  const tenantOfKey = new Map<string, string>();
  integrations.forEach((integration, index) => {
    const previous = seen.get(integration.id);
    if (previous !== undefined) {
      throw new Error(
        `${INTEGRATIONS_KEY}[${index}] repeats [${previous}]: the same tracker target, tenant and tag would open two issues per ticket`,
      );
    }
    seen.set(integration.id, index);
    // An API key belongs to one tenant: a key shared by two tenants' integrations would link one tenant's
    // issue onto the other tenant's ticket of the same number.
    const tenant = tenantOfKey.get(integration.apiKeySecretArn);
    if (tenant !== undefined && tenant !== integration.tenant) {
      throw new Error(
        `${INTEGRATIONS_KEY}[${index}]: tenants "${tenant}" and "${integration.tenant}" share the Deskless API key secret ${integration.apiKeySecretArn}; a key belongs to one tenant: give this entry its own apiKeySecretArn`,
      );
    }
    tenantOfKey.set(integration.apiKeySecretArn, integration.tenant);
  });
  return integrations;
}

function readSecretArn(value: unknown): string | undefined | { invalid: unknown } {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && SECRET_ARN.test(value.trim())) return value.trim();
  return { invalid: value };
}

function readEntry(
  entry: unknown,
  index: number,
  defaultKeySecret: ReturnType<typeof readSecretArn>,
): IntegrationConfig {
  const where = `${INTEGRATIONS_KEY}[${index}]`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new Error(`${where} must be an object, got ${JSON.stringify(entry)}`);
  }
  const fields = entry as Record<string, unknown>;
  const kind = fields.kind;
  if (typeof kind !== 'string' || !(TRACKER_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`${where}.kind must be one of ${TRACKER_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const trackerKind = kind as TrackerKind;
  const errors: string[] = [];
  const known = [...COMMON_FIELDS, ...TARGET_FIELDS[trackerKind]];
  const unknown = Object.keys(fields).filter((field) => !known.includes(field));
  if (unknown.length > 0) {
    errors.push(`unknown field(s) ${unknown.join(', ')} (a ${kind} integration takes ${known.join(', ')})`);
  }

  const tenant = fields.tenant;
  if (typeof tenant !== 'string' || !TENANT_ID.test(tenant)) {
    errors.push(
      `tenant must be the id of the tenant whose tickets it watches (3–40 lower-case letters, digits or dashes), got ${JSON.stringify(tenant)}`,
    );
  }
  const tag = fields.tag;
  if (typeof tag !== 'string' || tag.trim() === '' || tag.length > 64) {
    errors.push(`tag must be a tag of 1–64 characters, e.g. "engineering", got ${JSON.stringify(tag)}`);
  } else {
    const [normal] = normalizeTags([tag]);
    if (normal !== tag || tag.includes(',')) {
      errors.push(
        `tag must be written as Deskless stores tags (lower-case, no commas, _ for spaces): "${normal?.replace(/,/g, '') ?? ''}", got ${JSON.stringify(tag)}`,
      );
    }
  }
  const secret = readSecretArn(fields.secretArn);
  if (secret === undefined || typeof secret !== 'string') {
    errors.push(
      `secretArn must be the ARN of the Secrets Manager secret holding the ${kind} credentials, got ${JSON.stringify(fields.secretArn)}`,
    );
  }
  const keySecret =
    fields.apiKeySecretArn === undefined ? defaultKeySecret : readSecretArn(fields.apiKeySecretArn);
  if (keySecret === undefined) {
    errors.push(
      `needs a Deskless channel API key to link the issue back: set ${INTEGRATIONS_API_KEY_SECRET_KEY} (or the entry's apiKeySecretArn) to the ARN of a secret holding one`,
    );
  } else if (typeof keySecret !== 'string') {
    errors.push(
      `apiKeySecretArn must be a Secrets Manager secret ARN, got ${JSON.stringify(keySecret.invalid)}`,
    );
  }

  const parsed = parseTrackerTarget(trackerKind, fields);
  errors.push(...parsed.errors);
  if (errors.length > 0 || !parsed.target) {
    throw new Error(`${where} (${kind}): ${errors.join('; ')}`);
  }
  const target = parsed.target;
  const identity = JSON.stringify([tenant, tag, target]);
  return {
    id: `${kind[0]!.toUpperCase()}${kind.slice(1)}${createHash('sha256').update(identity).digest('hex').slice(0, 10)}`,
    tenant: tenant as string,
    tag: tag as string,
    secretArn: secret as string,
    apiKeySecretArn: keySecret as string,
    target,
  };
}
