/**
 * Declaring and changing a tenant's inbound channels (pure): which settings each type takes, the public path a
 * provider posts to, and the secret rotation that lets a provider switch secrets without losing a message.
 */

import { DomainError, type FieldError } from '../errors.ts';
import { normalizeTags } from '../tickets.ts';
import type {
  ChannelSecret,
  ChannelType,
  ChatSettings,
  InboundChannel,
  TwilioSettings,
  WebFormSettings,
} from './channel.ts';
import { TWILIO_SECRET_PREFIX, twilioSecretAllowed } from './sms.ts';

/**
 * How long a rotated-out secret keeps verifying. A provider (or the tenant's own sender) picks a new secret up
 * on its own schedule — a deploy, a config reload, a nightly job — so messages signed with the old one keep
 * arriving for a while; a day covers a daily rollout without leaving a leaked secret valid for long.
 */
export const ROTATED_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/** Web form submissions per client IP address per hour, unless the channel says otherwise. */
export const DEFAULT_FORM_PER_IP_PER_HOUR = 10;

export const MAX_CHANNEL_TAGS = 20;

/** What an admin sends to create a channel (after the HTTP contract's checks of types and formats). */
export interface ChannelInput {
  readonly type: ChannelType;
  readonly name: string;
  readonly group?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly twilio?: TwilioSettings | undefined;
  readonly chat?: Partial<ChatSettings> | undefined;
  readonly webForm?: Partial<WebFormSettings> | undefined;
}

/** A change to a channel: its type never changes; settings of its type are replaced whole when given. */
export interface ChannelPatch {
  readonly name?: string | undefined;
  readonly group?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly twilio?: TwilioSettings | undefined;
  readonly chat?: Partial<ChatSettings> | undefined;
  readonly webForm?: Partial<WebFormSettings> | undefined;
}

const SETTINGS_OF: Record<ChannelType, 'twilio' | 'chat' | 'webForm' | null> = {
  webhook: null,
  sms_twilio: 'twilio',
  chat: 'chat',
  web_form: 'webForm',
};

/** Settings given for another type are refused (a typo there would otherwise be silently ignored). */
function settingsErrors(
  tenantId: string,
  type: ChannelType,
  input: ChannelPatch,
  creating: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  const own = SETTINGS_OF[type];
  for (const field of ['twilio', 'chat', 'webForm'] as const) {
    if (field !== own && input[field] !== undefined) {
      errors.push({
        path: field,
        message: `only a ${typeOfSettings(field)} channel takes ${field} settings`,
      });
    }
  }
  if (creating && own === 'twilio' && input.twilio === undefined) {
    errors.push({
      path: 'twilio',
      message: 'an sms_twilio channel needs its Twilio settings (accountSid, fromNumber, authTokenSecret)',
    });
  }
  const secret = own === 'twilio' ? input.twilio?.authTokenSecret : undefined;
  if (secret !== undefined && !twilioSecretAllowed(tenantId, secret)) {
    errors.push({
      path: 'twilio.authTokenSecret',
      message: `must be a Secrets Manager secret named ${TWILIO_SECRET_PREFIX}${tenantId}/… (or its ARN)${
        secret.startsWith('/') ? '; SSM parameters are not supported' : ''
      }`,
    });
  }
  return errors;
}

function typeOfSettings(field: 'twilio' | 'chat' | 'webForm'): ChannelType {
  return field === 'twilio' ? 'sms_twilio' : field === 'chat' ? 'chat' : 'web_form';
}

function chatSettings(given: Partial<ChatSettings> | undefined): ChatSettings {
  return {
    ...given,
    escalateAfterMessages: given?.escalateAfterMessages ?? null,
    escalateAfterMinutes: given?.escalateAfterMinutes ?? null,
  };
}

function webFormSettings(given: Partial<WebFormSettings> | undefined): WebFormSettings {
  return { perIpPerHour: given?.perIpPerHour ?? DEFAULT_FORM_PER_IP_PER_HOUR };
}

function checkTags(tags: readonly string[] | undefined): string[] | undefined {
  if (tags === undefined) return undefined;
  const normalized = normalizeTags(tags);
  if (normalized.length > MAX_CHANNEL_TAGS) {
    throw new DomainError('validation', `a channel adds at most ${MAX_CHANNEL_TAGS} tags`, [
      { path: 'tags', message: `at most ${MAX_CHANNEL_TAGS}` },
    ]);
  }
  return normalized;
}

function refuse(errors: FieldError[]): void {
  if (errors.length > 0) {
    throw new DomainError('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  }
}

/** A new channel with its first secret. Throws DomainError('validation') for settings of the wrong type. */
export function newChannel(
  tenantId: string,
  id: string,
  input: ChannelInput,
  secret: string,
  now: string,
): InboundChannel {
  refuse(settingsErrors(tenantId, input.type, input, true));
  const kind = SETTINGS_OF[input.type];
  return {
    tenantId,
    id,
    type: input.type,
    name: input.name.trim(),
    group: input.group ?? null,
    tags: checkTags(input.tags) ?? [],
    secrets: [{ secret, createdAt: now, expiresAt: null }],
    twilio: kind === 'twilio' ? input.twilio! : null,
    chat: kind === 'chat' ? chatSettings(input.chat) : null,
    webForm: kind === 'webForm' ? webFormSettings(input.webForm) : null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** The channel after a patch; the same channel (same version) when nothing changes. */
export function patchChannel(channel: InboundChannel, patch: ChannelPatch, now: string): InboundChannel {
  refuse(settingsErrors(channel.tenantId, channel.type, patch, false));
  const next: InboundChannel = {
    ...channel,
    ...(patch.name !== undefined && { name: patch.name.trim() }),
    ...(patch.group !== undefined && { group: patch.group }),
    ...(patch.tags !== undefined && { tags: checkTags(patch.tags)! }),
    ...(patch.twilio !== undefined && { twilio: patch.twilio }),
    ...(patch.chat !== undefined && { chat: chatSettings(patch.chat) }),
    ...(patch.webForm !== undefined && { webForm: webFormSettings(patch.webForm) }),
  };
  if (JSON.stringify(next) === JSON.stringify(channel)) return channel;
  return { ...next, updatedAt: now, version: channel.version + 1 };
}

/** Secrets that still verify at `now`: the current one and rotated-out ones within their grace period. */
export function liveSecrets(channel: InboundChannel, now: string): ChannelSecret[] {
  return channel.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now);
}

/**
 * A new current secret. The previous current one keeps verifying for ROTATED_SECRET_GRACE_MS; older rotated-out
 * ones keep the expiry they had, and expired ones are dropped.
 */
export function rotateSecret(channel: InboundChannel, secret: string, now: string): InboundChannel {
  const graceEnd = new Date(Date.parse(now) + ROTATED_SECRET_GRACE_MS).toISOString();
  const previous = liveSecrets(channel, now).map((s) =>
    s.expiresAt === null ? { ...s, expiresAt: graceEnd } : s,
  );
  return {
    ...channel,
    secrets: [{ secret, createdAt: now, expiresAt: null }, ...previous],
    updatedAt: now,
    version: channel.version + 1,
  };
}

/** Where a provider posts (or a customer opens) the channel, relative to the API's address. */
export function publicPath(channel: Pick<InboundChannel, 'id' | 'type'>): string {
  switch (channel.type) {
    case 'sms_twilio':
      return `/v1/channels/${channel.id}/twilio`;
    case 'web_form':
      return `/v1/forms/${channel.id}`;
    default:
      return `/v1/channels/${channel.id}/messages`;
  }
}
