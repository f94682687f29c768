import type { Caller } from '../caller.ts';
import { parseRecipient } from '../email/addresses.ts';
import type { EmailSettings } from '../email/outbound.ts';
import { invalid, notFound } from '../errors.ts';
import type { Clock, EmailSettingsStore, MailboxStore } from '../ports.ts';

/** Support addresses a tenant receives mail at, and how it answers by email. */

export function makeCreateMailbox(deps: { mailboxes: MailboxStore; clock: Clock }) {
  return async function createMailbox(caller: Caller, address: string) {
    const parsed = parseRecipient(address);
    if (!parsed || parsed.tag) {
      throw invalid('address', 'must be a plain address without a +tag, e.g. support@example.com');
    }
    const createdAt = deps.clock.now();
    await deps.mailboxes.create(caller.tenantId, parsed.mailbox, createdAt);
    return { address: parsed.mailbox, createdAt };
  };
}

export function makeListMailboxes(deps: { mailboxes: MailboxStore }) {
  return (caller: Caller) => deps.mailboxes.list(caller.tenantId);
}

export function makeRemoveMailbox(deps: { mailboxes: MailboxStore }) {
  return async function removeMailbox(caller: Caller, address: string) {
    if (!(await deps.mailboxes.remove(caller.tenantId, address.toLowerCase())))
      throw notFound(`mailbox ${address}`);
  };
}

export function makeGetEmailSettings(deps: { emailSettings: EmailSettingsStore }) {
  return (caller: Caller) => deps.emailSettings.get(caller.tenantId);
}

export function makePutEmailSettings(deps: { emailSettings: EmailSettingsStore }) {
  return async function putEmailSettings(caller: Caller, settings: EmailSettings) {
    await deps.emailSettings.put(caller.tenantId, settings);
    return settings;
  };
}
