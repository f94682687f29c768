import type { Address, Mailbox } from 'postal-mime';
import { addressParser, decodeWords } from 'postal-mime';
import type { MailAddress } from '../../core/email/mail.ts';
import { fixC1Controls } from './charset.ts';

/**
 * Address headers as the intake needs them: mailboxes with a real address, lower-cased, display names
 * decoded, and tolerant of what mail clients really write.
 */

const ENCODED_WORD_RUN = /=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=(?:\s*=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)*/y;

/**
 * Puts double quotes around encoded words in display-name position. Clients write
 * `=?iso-8859-1?Q?B=FCrling,=20Andreas?= <a@example.com>` with a bare comma inside the word, which an address
 * parser otherwise reads as two addresses. A word right before `@` is a (bogus) local part and stays as it is.
 */
export function quoteEncodedNames(value: string): string {
  let out = '';
  let quoted = false;
  let angle = false;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (quoted) {
      if (char === '\\') {
        out += char + (value[i + 1] ?? '');
        i++;
        continue;
      }
      if (char === '"') quoted = false;
    } else if (comment > 0) {
      if (char === '(') comment++;
      else if (char === ')') comment--;
    } else if (angle) {
      if (char === '>') angle = false;
    } else if (char === '"') quoted = true;
    else if (char === '(') comment = 1;
    else if (char === '<') angle = true;
    else if (char === '=' && value[i + 1] === '?') {
      ENCODED_WORD_RUN.lastIndex = i;
      const run = ENCODED_WORD_RUN.exec(value);
      if (run && value[i + run[0].length] !== '@') {
        out += `"${run[0]}"`;
        i += run[0].length - 1;
        continue;
      }
    }
    out += char;
  }
  return out;
}

function flatten(addresses: readonly Address[]): Mailbox[] {
  return addresses.flatMap((address) => (address.group ? address.group : [address]));
}

/** Stray angle brackets and whitespace around an address are not part of it. */
function cleanAddress(address: string): string {
  return address.replace(/[<>]/g, '').trim().toLowerCase();
}

function toMailAddress(mailbox: Mailbox): MailAddress | null {
  const address = cleanAddress(mailbox.address ?? '');
  if (!address) return null;
  const name = fixC1Controls(mailbox.name ?? '')
    .replace(/[ \t\r\n]+/g, ' ')
    .trim();
  // An address that was taken for a name (or an encoded word inside the address, which RFC 2047 forbids and
  // which we therefore do not decode into something that looks like another address) is no display name.
  const isAddress =
    name.toLowerCase() === address ||
    name === decodeWords(mailbox.address ?? '').trim() ||
    name === mailbox.address;
  return { address, name: name && !isAddress ? name : null };
}

/** Every mailbox of the given header values, groups flattened, entries without an address dropped. */
export function mailboxes(values: readonly string[]): MailAddress[] {
  return values
    .flatMap((value) => flatten(addressParser(quoteEncodedNames(value))))
    .map(toMailAddress)
    .filter((address): address is MailAddress => address?.address.includes('@') === true);
}

/**
 * The mailbox the mail comes from: the first usable From (some spam carries a broken From before a good
 * one), else Sender, else Reply-To, because a mail with no From at all still has someone to answer.
 */
export function sender(from: readonly string[], senderValues: readonly string[], replyTo: readonly string[]) {
  return mailboxes(from)[0] ?? mailboxes(senderValues)[0] ?? mailboxes(replyTo)[0] ?? null;
}

/** Return-Path: '' for the null reverse-path `<>` (bounces, auto-replies), null when the header is absent. */
export function returnPath(values: readonly string[]): string | null {
  const value = values[0];
  if (value === undefined) return null;
  if (/^\s*(<\s*>)?\s*$/.test(value)) return '';
  return mailboxes([value])[0]?.address ?? null;
}

/** Delivered-To and X-Original-To addresses, lower-cased, first occurrence kept. */
export function deliveredTo(values: readonly string[]): string[] {
  return [...new Set(mailboxes(values).map((mailbox) => mailbox.address))];
}
