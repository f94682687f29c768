/**
 * Inbound channels: the chat, SMS, web-form and generic webhook sources a tenant declares. Each gets a public URL
 * (no API key: providers cannot send one) and a Standard Webhooks secret (`whsec_…`) that authenticates what
 * arrives there. A rotated secret stays valid until its `expiresAt`, so a provider can switch over without
 * losing messages.
 */

import type { Conditions } from '../conditions.ts';

export const CHANNEL_TYPES = ['webhook', 'sms_twilio', 'web_form', 'chat'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export interface ChannelSecret {
  /** `whsec_` + base64 of 32 random bytes (Standard Webhooks). */
  readonly secret: string;
  readonly createdAt: string;
  /** Null for the current secret; set on a rotated-out secret, which is accepted until then. */
  readonly expiresAt: string | null;
}

/** Twilio SMS: the account and number replies go out from; the auth token is kept in Secrets Manager or SSM. */
export interface TwilioSettings {
  readonly accountSid: string;
  readonly fromNumber: string;
  /** Secrets Manager secret ARN/name or SSM SecureString parameter name holding the account's auth token. */
  readonly authTokenSecret: string;
}

/** Chat: quick questions stay a conversation; these say when one becomes a ticket on its own. */
export interface ChatSettings {
  /** Escalate once the customer has sent this many messages without the conversation being resolved. */
  readonly escalateAfterMessages: number | null;
  /** Escalate when a conversation is still unresolved this many minutes after it began. */
  readonly escalateAfterMinutes: number | null;
  /**
   * Escalate when a customer's message meets these conditions: the automation rules' shape, reading the message
   * text, the customer's email and a light triage of the message (see core/chat/escalation.ts). Absent or null:
   * never by rule.
   */
  readonly escalateWhen?: Conditions | null | undefined;
}

/** Web form: who may post it, and how often one address may. */
export interface WebFormSettings {
  /** Submissions per client IP address per hour. */
  readonly perIpPerHour: number;
}

export interface InboundChannel {
  readonly tenantId: string;
  /** Globally unique (`ch_…`): the public URL carries only this, the tenant is found from it. */
  readonly id: string;
  readonly type: ChannelType;
  readonly name: string;
  /** Group that tickets from this channel start in (routing takes it from there); null for the default. */
  readonly group: string | null;
  /** Tags every ticket from this channel gets. */
  readonly tags: readonly string[];
  /** The current secret first; rotated-out secrets after it until they expire. */
  readonly secrets: readonly ChannelSecret[];
  readonly twilio: TwilioSettings | null;
  readonly chat: ChatSettings | null;
  readonly webForm: WebFormSettings | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** Where a ticket's conversation lives outside Deskless: the channel it came through and the thread there. */
export interface ConversationRef {
  readonly channelId: string;
  readonly channelType: ChannelType;
  /** The provider's thread id (a chat conversation id, a phone number for SMS, a form submission id). */
  readonly conversationId: string;
}
